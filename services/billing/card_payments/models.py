"""Tables of card payments. Stripe ids are stored as references; card data never reaches us (only brand, last 4
and expiry, which Stripe returns)."""

from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint


class StripeAccount(SQLModel, table=True):
    """A business's Stripe connection and payment settings (one per tenant). Secrets are sealed (sealing.py)."""

    __tablename__ = "stripe_accounts"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64, unique=True)
    id: int = Field(sa_type=BigInteger, unique=True)
    publishable_key: str = Field(max_length=255)
    secret_key_sealed: str = Field(sa_type=Text)
    secret_key_wrapped: str = Field(sa_type=Text)
    webhook_secret_sealed: str = Field(sa_type=Text)
    webhook_secret_wrapped: str = Field(sa_type=Text)
    key_id: str = Field(max_length=32)
    secret_key_last4: str = Field(max_length=4)
    accepted_methods: str = Field(default="card", max_length=100)  # comma-separated
    partial_payments: bool = True
    autopay_offered: bool = True
    minimum_payments: str = Field(default="{}", sa_type=Text)  # JSON {currency: minor units}
    autopay_retry_days: str = Field(default="[1, 3, 7]", max_length=100)  # JSON list of days after a failure
    portal_url: str = Field(default="", max_length=255)  # for links in AutoPay emails (set when connected)
    business_name: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StripeCustomer(SQLModel, table=True):
    """Our customer's Stripe customer, and its AutoPay card."""

    __tablename__ = "stripe_customers"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    customer_id: int = Field(sa_type=BigInteger, foreign_key="customers.id", ondelete="CASCADE")
    stripe_customer: str = Field(max_length=255)
    autopay_card_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)


class SavedCard(SQLModel, table=True):
    __tablename__ = "saved_cards"
    __table_args__ = (
        UniqueConstraint("tenant_id", "payment_method"),
        Index("ix_saved_cards_customer", "tenant_id", "customer_id"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    customer_id: int = Field(sa_type=BigInteger, foreign_key="customers.id", ondelete="CASCADE")
    payment_method: str = Field(max_length=255)
    brand: str = Field(max_length=30)
    last4: str = Field(max_length=4)
    exp_month: int
    exp_year: int
    is_default: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class CardCharge(SQLModel, table=True):
    """A request for money to Stripe: one ledger payment, one PaymentIntent.

    `request_key` makes a double click or a retry of the same page's Pay replay the first answer.
    """

    __tablename__ = "card_charges"
    __table_args__ = (
        UniqueConstraint("tenant_id", "request_key"),
        Index("ix_card_charges_customer", "tenant_id", "customer_id", "status"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    payment_id: int = Field(sa_type=BigInteger, unique=True)
    customer_id: int = Field(sa_type=BigInteger)
    request_key: str = Field(max_length=80)
    payment_intent: str | None = Field(default=None, max_length=255, unique=True)
    card_id: int | None = Field(default=None, sa_type=BigInteger)
    payment_method: str | None = Field(default=None, max_length=255)
    keep_card: bool = True
    amount: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    allocations: str = Field(sa_type=Text)  # JSON [[invoice_id, amount], ...]
    estimate_id: int | None = Field(default=None, sa_type=BigInteger)  # an estimate's deposit (no allocations)
    status: str = Field(default="pending", max_length=20)  # pending, requires_action, succeeded, failed
    failure_message: str | None = Field(default=None, max_length=500)
    amount_refunded: int = Field(default=0, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StripeEvent(SQLModel, table=True):
    """A Stripe event applied (or deliberately ignored) once: its id is never applied again."""

    __tablename__ = "stripe_events"
    __table_args__ = (UniqueConstraint("tenant_id", "event_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    event_id: str = Field(max_length=255)
    type: str = Field(max_length=100)
    outcome: str = Field(max_length=20)
    received_at: datetime = Field(default_factory=utcnow)


class AutoPayAttempt(SQLModel, table=True):
    """One AutoPay charge of an invoice. (invoice, attempt) is unique: a job run twice charges once."""

    __tablename__ = "autopay_attempts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "invoice_id", "attempt"),
        Index("ix_autopay_attempts_due", "state", "next_attempt_at"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    invoice_id: int = Field(sa_type=BigInteger)
    attempt: int
    state: str = Field(max_length=20)  # charging, succeeded, failed, retry_scheduled, gave_up
    payment_id: int | None = Field(default=None, sa_type=BigInteger)
    failure_message: str | None = Field(default=None, max_length=500)
    next_attempt_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class CardUpdateLink(SQLModel, table=True):
    """The "update your card" link of an AutoPay failure email: a keyed hash only, single use, 7 days."""

    __tablename__ = "card_update_links"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)
    customer_id: int = Field(sa_type=BigInteger)
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
