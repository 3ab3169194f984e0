"""The subscriptions service's settings (see portal_kit.settings for the shared ones)."""

from __future__ import annotations

from typing import ClassVar

from portal_kit.settings import ServiceSettings


class SubscriptionsSettings(ServiceSettings):
    service_name: ClassVar[str] = "subscriptions"
    default_grpc_port: ClassVar[int] = 50053

    # PORTAL_BILLING_ADDR: customers are checked in billing (and, for the scheduler, invoices made there)
    billing_addr: str = "127.0.0.1:50052"
