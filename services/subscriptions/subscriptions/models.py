"""Subscription tables: the subscription, its addons, and its proration lines not yet billed."""

from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel


class Subscription(SQLModel, table=True):
    """`status` holds what is decided, not what a clock tells: active, past_due, finished or canceled (not_started
    and paused are shown from start_date and `paused`). `period_start`/`period_end` are the current period: the one
    billed last, or the first one before any is billed; the scheduler moves them on as it bills."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        Index("ix_subscriptions_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_subscriptions_tenant_status", "tenant_id", "status", "created_at", "pk"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    customer_id: int = Field(sa_type=BigInteger)
    plan_id: str = Field(max_length=100)
    quantity: int = Field(default=1, sa_type=BigInteger)
    amount: int | None = Field(default=None, sa_type=BigInteger)  # custom unit amount; the plan's when None
    currency: str = Field(max_length=3)
    start_date: datetime
    cycles: int | None = None
    cycles_billed: int = 0
    periods_skipped: int = 0  # periods passed over while paused: never billed, not counted against `cycles`
    period_start: datetime
    period_end: datetime
    cancel_at_period_end: bool = False
    canceled_at: datetime | None = None
    canceled_reason: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default="active", max_length=20)
    paused: bool = False
    trial_end: datetime | None = None
    past_due_since: datetime | None = None
    sign_up_page: int | None = Field(default=None, sa_type=BigInteger)
    manage_nonce: str = Field(max_length=32)
    manage_hash: str = Field(max_length=64, unique=True)
    metadata_json: str = Field(default="{}", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SubscriptionAddon(SQLModel, table=True):
    __tablename__ = "subscription_addons"
    __table_args__ = (Index("ix_subscription_addons_subscription", "tenant_id", "subscription_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    subscription_id: int = Field(sa_type=BigInteger)
    plan_id: str = Field(max_length=100)
    quantity: int = Field(default=1, sa_type=BigInteger)
    description: str | None = Field(default=None, sa_type=Text)
    amount: int | None = Field(default=None, sa_type=BigInteger)  # custom unit amount; the addon plan's when None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PendingProrationLine(SQLModel, table=True):
    """A prorated credit or charge from a change within a billed period, waiting for the next period's invoice.
    `billed_at` and `invoice_id` are set, in the transaction that records the invoice, by whoever bills it."""

    __tablename__ = "subscription_pending_lines"
    __table_args__ = (Index("ix_subscription_pending_lines_open", "tenant_id", "subscription_id", "billed_at"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    subscription_id: int = Field(sa_type=BigInteger)
    name: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    plan_id: str = Field(default="", max_length=100)
    quantity: int = Field(default=1, sa_type=BigInteger)
    unit_cost: int = Field(sa_type=BigInteger)
    amount: int = Field(sa_type=BigInteger)
    period_start: datetime
    period_end: datetime
    created_at: datetime = Field(default_factory=utcnow)
    billed_at: datetime | None = None
    invoice_id: int | None = Field(default=None, sa_type=BigInteger)
