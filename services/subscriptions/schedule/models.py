"""The scheduler's tables: the periods billed, and the calls to billing still to make after a transition."""

from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel, UniqueConstraint


class BilledPeriod(SQLModel, table=True):
    """One row per subscription period billed, written in the transaction that advances the subscription: the
    unique key makes a second writer of the same period fail instead of billing it twice."""

    __tablename__ = "billed_periods"
    __table_args__ = (
        UniqueConstraint("tenant_id", "subscription_id", "period_start"),
        Index("ix_billed_periods_unsettled", "settled", "tenant_id"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    subscription_id: int = Field(sa_type=BigInteger)
    period_index: int
    period_start: datetime
    period_end: datetime
    invoice_id: int = Field(sa_type=BigInteger)
    invoice_number: str = Field(default="", max_length=50)
    total: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    due_date: datetime | None = None
    settled: bool = False  # paid (or voided): nothing owed any more
    billed_at: datetime = Field(default_factory=utcnow)
    settled_at: datetime | None = None


class BillingCall(SQLModel, table=True):
    """A call to billing decided by a transition (an event for the log, an email to the customer), written in the
    transition's transaction and made after it commits, with its idempotency key: retried until billing answers,
    never made twice."""

    __tablename__ = "schedule_billing_calls"
    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    key: str = Field(max_length=64, unique=True)
    method: str = Field(max_length=40)  # "event" or "notice"
    request: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the serialized request message
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
