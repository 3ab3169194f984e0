"""The gateway's settings: the shared ones (PORTAL_ENV, PORTAL_SECRET_KEY), its public address and the backends."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from portal_kit.settings import KafkaSettings, PortalSettings
from pydantic import Field, field_validator, model_validator

from services.gateway.client_ip import TrustedProxies


class GatewaySettings(PortalSettings):
    service_name: ClassVar[str] = "gateway"

    base_domain: str = "localhost"  # customers use {username}.{base_domain}
    public_scheme: Literal["http", "https"] = "http"  # http locally, https in production
    # The port in links we print and email; None for the scheme's default. Unset, it is the listening port
    # while PORTAL_PUBLIC_SCHEME is unset too (the local run), else the scheme's default.
    public_port: int | None = Field(default=None, ge=0, le=65535)
    http_port: int = Field(default=8000, ge=0, le=65535)
    http_host: str = "0.0.0.0"  # where uvicorn binds (the local run: 127.0.0.1)
    auth_addr: str = "127.0.0.1:50051"
    billing_addr: str = "127.0.0.1:50052"
    subscriptions_addr: str = "127.0.0.1:50053"
    comments_addr: str = "127.0.0.1:50054"
    backend_deadline: float = Field(default=5.0, gt=0)  # seconds, every gRPC call
    # Seconds for a page's comment thread: a slow or stopped comments service must not hold the document page.
    comments_deadline: float = Field(default=0.5, gt=0)
    trusted_proxies: str = ""  # CIDRs whose X-Forwarded-For is believed (services/gateway/client_ip.py)
    kafka_bootstrap: str | None = None  # where auth's revocations are read; None: no caching of sessions/keys
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)  # the broker's TLS/SASL, checked at start
    gateway_cache_seconds: float = Field(default=600.0, ge=0)  # how long a validated session or API key is reused
    # Stripe's API (PORTAL_STRIPE_API_BASE): empty for Stripe itself; localstripe in the local run and the tests,
    # which also serves its Stripe.js stand-in. The payment pages load Stripe.js from here (and allow it in CSP).
    stripe_api_base: str = ""

    @property
    def stripe_js_url(self) -> str:
        base = self.stripe_api_base.rstrip("/")
        return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"

    @field_validator("base_domain")
    @classmethod
    def _lower_case(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        TrustedProxies.parse(value)  # a bad entry stops the start-up here, with its name
        return value

    @model_validator(mode="before")
    @classmethod
    def _local_public_port(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("public_port") is None and "public_scheme" not in data:
            data["public_port"] = data.get("http_port", 8000)
        return data

    def portal_url(self, username: str) -> str:
        """The customer-facing origin of one business, e.g. http://acme.localhost:8000."""
        port = f":{self.public_port}" if self.public_port else ""
        return f"{self.public_scheme}://{username}.{self.base_domain}{port}"

    @property
    def https(self) -> bool:
        return self.public_scheme == "https"

    def base_url(self) -> str:
        port = f":{self.public_port}" if self.public_port else ""
        return f"{self.public_scheme}://{self.base_domain}{port}"
