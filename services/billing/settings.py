"""The billing service's settings (see portal_kit.settings for the shared ones)."""

from __future__ import annotations

from typing import ClassVar, Self

from portal_kit.settings import ServiceSettings
from pydantic import Field, SecretStr, model_validator

DEV_ENCRYPTION_KEY = b"local-development-encryption-key-not-for-production"


class BillingSettings(ServiceSettings):
    service_name: ClassVar[str] = "billing"
    default_grpc_port: ClassVar[int] = 50052

    # PORTAL_ATTENTION_DIGEST_SECONDS: at most one "needs attention" email per business in this window.
    attention_digest_seconds: float = Field(default=600.0, ge=0.5, le=86400.0)
    # PORTAL_ENCRYPTION_KEY: wraps the data keys that seal each business's Stripe secrets (card_payments/sealing.py).
    # Outside development, without it billing runs but refuses to connect or use a Stripe account; the local run
    # and the tests use a fixed development key.
    encryption_key: SecretStr | None = None
    # PORTAL_STRIPE_API_BASE: Stripe's API address (localstripe in the local run and the tests); empty: Stripe.
    stripe_api_base: str | None = None
    # PORTAL_AUTOPAY_INTERVAL_SECONDS: how often the AutoPay job looks for due invoices.
    autopay_interval_seconds: float = 60.0

    @model_validator(mode="after")
    def _encryption_key_outside_development(self) -> Self:
        if not self.development and 0 < len(self.encryption_key_bytes) < 32:
            raise ValueError("PORTAL_ENCRYPTION_KEY must be a random value of at least 32 characters")
        return self

    @property
    def encryption_key_bytes(self) -> bytes:
        value = self.encryption_key.get_secret_value() if self.encryption_key is not None else ""
        if not value and self.development:
            return DEV_ENCRYPTION_KEY
        return value.encode()
