from __future__ import annotations

from datetime import datetime

import portal_kit.outbox  # noqa: F401  (the outbox tables live in this service's database)
import portal_kit.replays  # noqa: F401  (idempotent_replies: Idempotency-Key replies kept with the writes)
from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel, UniqueConstraint

from services.subscriptions.schedule.models import BilledPeriod, BillingCall  # noqa: F401  (the scheduler's tables)
from services.subscriptions.subscriptions.models import (  # noqa: F401  (registers the tables)
    PendingProrationLine,
    Subscription,
    SubscriptionAddon,
)


class Plan(SQLModel, table=True):
    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("tenant_id", "id"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    id: str = Field(max_length=100)
    name: str = Field(max_length=200)
    currency: str = Field(max_length=3)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    interval: str = Field(max_length=10)
    interval_count: int = 1
    metadata_json: str = Field(default="{}", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


import services.subscriptions.portal_access.models  # noqa: E402, F401  (portal settings: subscriptions/portal_access)
