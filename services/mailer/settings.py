"""Where the mailer sends: the SMTP relay and the From address (from the environment)."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal_kit.settings import env

DEFAULT_MAIL_FROM = "billing@portal.localhost"


@dataclass(frozen=True)
class MailSettings:
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_from: str = DEFAULT_MAIL_FROM
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_timeout: float = 10.0

    @classmethod
    def from_env(cls) -> MailSettings:
        return cls(
            smtp_host=env("PORTAL_SMTP_HOST", "127.0.0.1"),
            smtp_port=int(env("PORTAL_SMTP_PORT", "1025")),
            mail_from=env("PORTAL_MAIL_FROM", DEFAULT_MAIL_FROM),
            smtp_starttls=env("PORTAL_SMTP_STARTTLS", "false").lower() == "true",
            smtp_username=env("PORTAL_SMTP_USERNAME", ""),
            smtp_password=env("PORTAL_SMTP_PASSWORD", ""),
            smtp_timeout=float(env("PORTAL_SMTP_TIMEOUT", "10")),
        )
