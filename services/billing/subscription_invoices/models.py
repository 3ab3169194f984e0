"""Which invoice bills which subscription period, and the business's presentation for emails sent by jobs."""

from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel, UniqueConstraint


class SubscriptionInvoice(SQLModel, table=True):
    """One row per billed period: the unique key makes a second request for the same period find the first
    invoice instead of making another."""

    __tablename__ = "subscription_invoices"
    __table_args__ = (UniqueConstraint("tenant_id", "subscription_id", "period_start"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)  # the invoice's id
    subscription_id: int = Field(sa_type=BigInteger)
    period_start: datetime
    period_end: datetime
    created_at: datetime = Field(default_factory=utcnow)


class BusinessPresentation(SQLModel, table=True):
    """The business's name and portal URL as the gateway last gave them (on an invoice send, a Stripe connection
    or a subscription call): emails sent by the subscription scheduler have no request to take them from."""

    __tablename__ = "business_presentations"

    tenant_id: str = Field(primary_key=True, max_length=64)
    business_name: str = Field(max_length=200)
    portal_url: str = Field(max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)
