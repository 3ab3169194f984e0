from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel, UniqueConstraint


class SignUpPage(SQLModel, table=True):
    """A business's sign-up page. Its public url carries a token derived from `token_nonce`; only the keyed hash of
    that token is looked up, so a copy of the database alone opens no page."""

    __tablename__ = "sign_up_pages"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), UniqueConstraint("token_hash"))

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    id: int = Field(sa_column=Column(BigInteger, nullable=False))
    name: str = Field(max_length=200)
    type: str = Field(default="recurring", max_length=20)
    plans: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list of plan ids, in order
    has_quantity: bool = False
    trial_period_days: int = 0
    billing_address: bool = False
    shipping_address: bool = False
    allow_multiple_subscriptions: bool = False
    header_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    thanks_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    tos_url: str | None = Field(default=None, max_length=500)
    thanks_url: str | None = Field(default=None, max_length=500)
    is_default: bool = False
    metadata_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    token_nonce: str = Field(max_length=64)
    token_hash: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SignUp(SQLModel, table=True):
    """One submitted sign-up form and how far its saga got (the idempotency key makes a double submit one sign-up)."""

    __tablename__ = "sign_ups"
    __table_args__ = (UniqueConstraint("tenant_id", "key_hash"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    id: int = Field(sa_column=Column(BigInteger, nullable=False))
    key_hash: str = Field(max_length=128)
    fingerprint: str = Field(max_length=128)  # what was asked: the same key with another form is refused
    page_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    state: str = Field(default="started", max_length=20)  # started, charged, completed, failed
    plan: str = Field(max_length=100)
    quantity: int = 1
    amount_due: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    stripe_customer: str | None = Field(default=None, max_length=255)
    payment_method: str | None = Field(default=None, max_length=255)
    payment_intent: str | None = Field(default=None, max_length=255)
    customer_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    customer_created: bool = False  # a new customer (undone by the compensation), not a sign_up_url's
    subscription_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    invoice_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    failure: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SignUpAttempt(SQLModel, table=True):
    """One card setup or sign-up asked of a public page: what the per-IP and per-business limits count."""

    __tablename__ = "sign_up_attempts"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=20)  # card_setup, sign_up
    ip_hash: str = Field(max_length=128, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
