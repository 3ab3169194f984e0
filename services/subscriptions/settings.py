"""The subscriptions service's settings (see portal_kit.settings for the shared ones)."""

from __future__ import annotations

from typing import ClassVar

from portal_kit.settings import ServiceSettings
from pydantic import Field


class SubscriptionsSettings(ServiceSettings):
    service_name: ClassVar[str] = "subscriptions"
    default_grpc_port: ClassVar[int] = 50053

    # PORTAL_BILLING_ADDR: customers are checked in billing (and, for the scheduler, invoices made there)
    billing_addr: str = "127.0.0.1:50052"
    # The billing scheduler (services/subscriptions/schedule): seconds between passes (PORTAL_SCHEDULE_INTERVAL_SECONDS)
    # and subscriptions billed at once per replica (PORTAL_SCHEDULE_LANES).
    schedule_interval_seconds: float = Field(default=60.0, gt=0, le=86_400)
    schedule_lanes: int = Field(default=4, ge=1, le=32)
