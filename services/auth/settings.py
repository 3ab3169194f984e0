"""The auth service's settings (see portal_kit.settings for the shared ones)."""

from __future__ import annotations

from typing import ClassVar

from portal_kit.settings import ServiceSettings


class AuthSettings(ServiceSettings):
    service_name: ClassVar[str] = "auth"
    default_grpc_port: ClassVar[int] = 50051
    billing_addr: str = "127.0.0.1:50052"  # PORTAL_BILLING_ADDR: sign-in looks customers up in billing
    subscriptions_addr: str = "127.0.0.1:50053"  # PORTAL_SUBSCRIPTIONS_ADDR: "Manage Subscription" links
