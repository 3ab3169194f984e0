from __future__ import annotations

import os
from dataclasses import dataclass

from portal_kit.settings import DEV_SECRET_KEY


@dataclass(frozen=True)
class GatewaySettings:
    base_domain: str  # customers use {username}.{base_domain}
    public_scheme: str  # http locally, https in production
    public_port: int | None  # the port in links we print and email; None for the scheme's default
    http_port: int
    auth_addr: str
    billing_addr: str
    subscriptions_addr: str
    comments_addr: str
    backend_deadline: float = 5.0
    secret_key: bytes = b""
    http_host: str = "0.0.0.0"  # where uvicorn binds (the local run: 127.0.0.1)

    @classmethod
    def from_env(cls) -> GatewaySettings:
        http_port = int(os.environ.get("PORTAL_HTTP_PORT", "8000"))
        public_port = os.environ.get("PORTAL_PUBLIC_PORT")
        return cls(
            base_domain=os.environ.get("PORTAL_BASE_DOMAIN", "localhost").lower(),
            public_scheme=os.environ.get("PORTAL_PUBLIC_SCHEME", "http"),
            public_port=int(public_port)
            if public_port
            else (http_port if "PORTAL_PUBLIC_SCHEME" not in os.environ else None),
            http_port=http_port,
            auth_addr=os.environ.get("PORTAL_AUTH_ADDR", "127.0.0.1:50051"),
            billing_addr=os.environ.get("PORTAL_BILLING_ADDR", "127.0.0.1:50052"),
            subscriptions_addr=os.environ.get("PORTAL_SUBSCRIPTIONS_ADDR", "127.0.0.1:50053"),
            comments_addr=os.environ.get("PORTAL_COMMENTS_ADDR", "127.0.0.1:50054"),
            backend_deadline=float(os.environ.get("PORTAL_BACKEND_DEADLINE", "5")),
            secret_key=os.environ.get("PORTAL_SECRET_KEY", DEV_SECRET_KEY).encode(),
            http_host=os.environ.get("PORTAL_HTTP_HOST", "0.0.0.0"),
        )

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
