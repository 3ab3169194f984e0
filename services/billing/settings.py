"""The billing service's settings (see portal_kit.settings for the shared ones)."""

from __future__ import annotations

from typing import ClassVar

from portal_kit.settings import ServiceSettings
from pydantic import Field


class BillingSettings(ServiceSettings):
    service_name: ClassVar[str] = "billing"
    default_grpc_port: ClassVar[int] = 50052

    # PORTAL_ATTENTION_DIGEST_SECONDS: at most one "needs attention" email per business in this window.
    attention_digest_seconds: float = Field(default=600.0, ge=0.5, le=86400.0)
