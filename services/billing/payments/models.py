"""The payment ledger's tables. Money is int64 minor units of the payment's currency."""

from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Text, text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

PENDING, SUCCEEDED, FAILED, VOIDED = "pending", "succeeded", "failed", "voided"


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_tenant_date", "tenant_id", "date", "pk"),
        Index("ix_payments_tenant_customer_date", "tenant_id", "customer_id", "date", "pk"),
        # One payment per gateway reference (a PaymentIntent id); offline references (check numbers) may repeat.
        Index(
            "ux_payments_gateway_reference",
            "tenant_id",
            "source",
            "reference",
            unique=True,
            postgresql_where=text("source <> 'offline' AND reference IS NOT NULL"),
            sqlite_where=text("source <> 'offline' AND reference IS NOT NULL"),
        ),
        # An estimate's deposit is paid once: at most one deposit payment in progress or received per estimate.
        Index(
            "ux_payments_estimate_deposit",
            "tenant_id",
            "estimate_id",
            unique=True,
            postgresql_where=text("estimate_id IS NOT NULL AND status IN ('pending', 'succeeded')"),
            sqlite_where=text("estimate_id IS NOT NULL AND status IN ('pending', 'succeeded')"),
        ),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    customer_id: int = Field(sa_type=BigInteger, foreign_key="customers.id")
    currency: str = Field(max_length=3)
    amount: int = Field(sa_type=BigInteger)
    balance: int = Field(default=0, sa_type=BigInteger)  # the part applied to no invoice
    amount_refunded: int = Field(default=0, sa_type=BigInteger)
    method: str = Field(max_length=30)
    source: str = Field(max_length=20)
    reference: str | None = Field(default=None, max_length=255)
    status: str = Field(max_length=20)
    failure_message: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, sa_type=Text)
    metadata_json: str = Field(default="{}", sa_type=Text)
    date: datetime
    estimate_id: int | None = Field(default=None, sa_type=BigInteger)  # the estimate whose deposit this pays
    receipt_nonce: str = Field(max_length=32)  # the receipt link is derived from it (see payments.receipts)
    settled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PaymentApplication(SQLModel, table=True):
    """An exact amount of a payment applied to one invoice."""

    __tablename__ = "payment_applications"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    payment_id: int = Field(sa_type=BigInteger, foreign_key="payments.id", ondelete="CASCADE", index=True)
    invoice_id: int = Field(sa_type=BigInteger, foreign_key="invoices.id", index=True)
    position: int
    amount: int = Field(sa_type=BigInteger)
    amount_refunded: int = Field(default=0, sa_type=BigInteger)


class PaymentRefund(SQLModel, table=True):
    __tablename__ = "payment_refunds"
    __table_args__ = (UniqueConstraint("payment_id", "reference"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    payment_id: int = Field(sa_type=BigInteger, foreign_key="payments.id", ondelete="CASCADE", index=True)
    amount: int = Field(sa_type=BigInteger)
    reference: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
