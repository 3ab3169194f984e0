"""The billing service's settings (see portal_kit.settings for the shared ones)."""

from __future__ import annotations

from typing import ClassVar

from portal_kit.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    service_name: ClassVar[str] = "billing"
    default_grpc_port: ClassVar[int] = 50052
