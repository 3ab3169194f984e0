"""Billing tables. Public ids are random integers (unique per table); `pk` only orders rows by creation.

Money columns are int64 minor units (BigInteger); quantities are exact decimal text.
"""

from __future__ import annotations

from datetime import datetime

import portal_kit.consumer  # noqa: F401  (processed_events: the comment-flag consumer dedupes on event ids)
import portal_kit.outbox  # noqa: F401  (the outbox table lives in this service's database)
import portal_kit.replays  # noqa: F401  (idempotent_replies: Idempotency-Key replies kept with the writes)
from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_customers_tenant_created", "tenant_id", "created_at", "pk"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    number: str = Field(max_length=50)
    name: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=254)
    type: str = Field(default="company", max_length=10)
    autopay: bool = False
    payment_terms: str | None = Field(default=None, max_length=50)
    attention_to: str | None = Field(default=None, max_length=255)
    address1: str | None = Field(default=None, max_length=255)
    address2: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=255)
    state: str | None = Field(default=None, max_length=255)
    postal_code: str | None = Field(default=None, max_length=50)
    country: str | None = Field(default=None, max_length=2)
    language: str | None = Field(default=None, max_length=10)
    currency: str | None = Field(default=None, max_length=3)
    phone: str | None = Field(default=None, max_length=50)
    tax_id: str | None = Field(default=None, max_length=100)
    taxable: bool = True
    notes: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CustomerMetadata(SQLModel, table=True):
    __tablename__ = "customer_metadata"
    __table_args__ = (
        UniqueConstraint("owner_id", "key"),
        Index("ix_customer_metadata_lookup", "tenant_id", "key", "value"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    owner_id: int = Field(sa_type=BigInteger, foreign_key="customers.id", ondelete="CASCADE")
    key: str = Field(max_length=40)
    value: str = Field(max_length=255)


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    customer_id: int = Field(sa_type=BigInteger, foreign_key="customers.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=255)
    title: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    primary: bool = False
    sms_enabled: bool = False
    department: str | None = Field(default=None, max_length=255)
    address1: str | None = Field(default=None, max_length=255)
    address2: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=255)
    state: str | None = Field(default=None, max_length=255)
    postal_code: str | None = Field(default=None, max_length=50)
    country: str | None = Field(default=None, max_length=2)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_invoices_tenant_created", "tenant_id", "created_at", "pk"),
        # A customer's invoices in list order, however many the business has (the account page, filter[customer]).
        Index("ix_invoices_tenant_customer_created", "tenant_id", "customer_id", "created_at", "pk"),
        # The account page: a customer's newest invoices first, paged by pk, however many the business has.
        Index("ix_invoices_tenant_customer_pk", "tenant_id", "customer_id", "pk"),
        Index("ix_invoices_tenant_needs_attention", "tenant_id", "needs_attention"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    customer_id: int = Field(sa_type=BigInteger, foreign_key="customers.id", index=True)
    number: str = Field(max_length=50)
    name: str | None = Field(default=None, max_length=255)
    currency: str = Field(max_length=3)
    autopay: bool = False
    draft: bool = False
    closed: bool = False
    paid: bool = False
    voided: bool = False
    sent: bool = False
    date: datetime
    due_date: datetime | None = None
    payment_terms: str | None = Field(default=None, max_length=50)
    purchase_order: str | None = Field(default=None, max_length=255)
    notes: str | None = Field(default=None, sa_type=Text)
    discounts: str = Field(default="[]", sa_type=Text)  # invoice-level adjustments as JSON [{"id", "amount"}]
    taxes: str = Field(default="[]", sa_type=Text)
    subtotal: int = Field(default=0, sa_type=BigInteger)
    total_discounts: int = Field(default=0, sa_type=BigInteger)
    total_taxes: int = Field(default=0, sa_type=BigInteger)
    total: int = Field(default=0, sa_type=BigInteger)
    balance: int = Field(default=0, sa_type=BigInteger)
    amount_paid: int = Field(default=0, sa_type=BigInteger)  # by succeeded payments, net of refunds
    pending_amount: int = Field(default=0, sa_type=BigInteger)  # held by pending payments (see payments.ledger)
    link_nonce: str = Field(max_length=32)
    link_hash: str = Field(max_length=64, unique=True)
    link_issued_at: datetime | None = None  # the link works for LINK_DAYS from here (creation, or the latest send)
    needs_attention: bool = False  # set and cleared by comment-flag events only (services/billing/attention)
    subscription_id: int | None = Field(default=None, sa_type=BigInteger)  # billing/subscription_invoices
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class InvoiceMetadata(SQLModel, table=True):
    __tablename__ = "invoice_metadata"
    __table_args__ = (
        UniqueConstraint("owner_id", "key"),
        Index("ix_invoice_metadata_lookup", "tenant_id", "key", "value"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    owner_id: int = Field(sa_type=BigInteger, foreign_key="invoices.id", ondelete="CASCADE")
    key: str = Field(max_length=40)
    value: str = Field(max_length=255)


class LineItem(SQLModel, table=True):
    __tablename__ = "line_items"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    invoice_id: int = Field(sa_type=BigInteger, foreign_key="invoices.id", ondelete="CASCADE", index=True)
    position: int
    catalog_item: str | None = Field(default=None, max_length=100)
    type: str | None = Field(default=None, max_length=50)
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    quantity: str = Field(max_length=40)
    unit_cost: int = Field(sa_type=BigInteger)
    amount: int = Field(sa_type=BigInteger)
    discountable: bool = False
    taxable: bool = False
    discounts: str = Field(default="[]", sa_type=Text)
    taxes: str = Field(default="[]", sa_type=Text)
    metadata_json: str = Field(default="{}", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class NumberSequence(SQLModel, table=True):
    """The next display number per business and kind (CUST, INV)."""

    __tablename__ = "number_sequences"

    tenant_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=20)
    next_value: int = Field(sa_type=BigInteger)


import services.billing.attention.models  # noqa: E402, F401  (the needs-attention tables: billing/attention)
import services.billing.card_payments.models  # noqa: E402, F401  (card payments' tables)
import services.billing.estimates.models  # noqa: E402, F401  (estimate tables live in this service's database)
import services.billing.event_log.models  # noqa: E402, F401  (the event log's tables)
import services.billing.payments.models  # noqa: E402, F401  (the payment ledger's tables)
import services.billing.subscription_invoices.models  # noqa: E402, F401  (subscription periods' invoices)
