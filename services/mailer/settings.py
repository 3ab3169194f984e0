"""The mailer's settings: the shared ones, where it sends (the SMTP relay and the From address) and where it
fetches the documents it attaches (billing)."""

from __future__ import annotations

from typing import ClassVar

from portal_kit.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MAIL_FROM = "billing@portal.localhost"
DEFAULT_BILLING_ADDR = "127.0.0.1:50052"


class MailSettings(BaseSettings):
    """PORTAL_SMTP_HOST, PORTAL_SMTP_PORT, PORTAL_MAIL_FROM, PORTAL_SMTP_STARTTLS, PORTAL_SMTP_USERNAME,
    PORTAL_SMTP_PASSWORD, PORTAL_SMTP_TIMEOUT."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", frozen=True, extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    mail_from: str = DEFAULT_MAIL_FROM
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: float = Field(default=10.0, gt=0)


class MailerSettings(ServiceSettings):
    service_name: ClassVar[str] = "mailer"
    default_grpc_port: ClassVar[int] = 50055

    mail: MailSettings = Field(default_factory=MailSettings)
    billing_addr: str = "127.0.0.1:50052"  # PORTAL_BILLING_ADDR: invoice PDFs (billing's RenderInvoicePdf)
