"""Estimate tables. Line items, discounts and taxes are kept as the estimate's canonical JSON document, so the
exact version a customer approves can be hashed and shown again."""

from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint


class Estimate(SQLModel, table=True):
    __tablename__ = "estimates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_estimates_tenant_created", "tenant_id", "created_at", "pk"),
        Index("ix_estimates_tenant_customer_created", "tenant_id", "customer_id", "created_at", "pk"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    customer_id: int = Field(sa_type=BigInteger, foreign_key="customers.id", index=True)
    number: str = Field(max_length=50)
    name: str | None = Field(default=None, max_length=255)
    currency: str = Field(max_length=3)
    draft: bool = False
    closed: bool = False
    voided: bool = False
    sent: bool = False
    viewed: bool = False
    date: datetime
    expiration_date: datetime | None = None
    payment_terms: str | None = Field(default=None, max_length=50)
    purchase_order: str | None = Field(default=None, max_length=255)
    notes: str | None = Field(default=None, sa_type=Text)
    items: str = Field(default="[]", sa_type=Text)  # line items as JSON (see estimates.documents)
    discounts: str = Field(default="[]", sa_type=Text)
    taxes: str = Field(default="[]", sa_type=Text)
    metadata_json: str = Field(default="{}", sa_type=Text)
    subtotal: int = Field(default=0, sa_type=BigInteger)
    total_discounts: int = Field(default=0, sa_type=BigInteger)
    total_taxes: int = Field(default=0, sa_type=BigInteger)
    total: int = Field(default=0, sa_type=BigInteger)
    deposit: int = Field(default=0, sa_type=BigInteger)
    deposit_paid: bool = False
    version: int = 1
    document_sha256: str = Field(max_length=64)
    invoice_id: int | None = Field(default=None, sa_type=BigInteger)
    approval_id: int | None = Field(default=None, sa_type=BigInteger)  # the approval of the current version
    decision: str | None = Field(default=None, max_length=20)  # declined, changes_requested
    decision_reason: str | None = Field(default=None, sa_type=Text)
    decision_by: str | None = Field(default=None, max_length=100)
    decision_at: datetime | None = None
    decision_version: int | None = None
    link_nonce: str = Field(max_length=32)
    link_hash: str = Field(max_length=64, unique=True)
    link_issued_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class EstimateApproval(SQLModel, table=True):
    """The evidence of one approval. Never deleted: a later edit only marks it voided."""

    __tablename__ = "estimate_approvals"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    id: int = Field(sa_type=BigInteger, unique=True)
    estimate_id: int = Field(sa_type=BigInteger, index=True)
    version: int
    document_sha256: str = Field(max_length=64)
    document: str = Field(sa_type=Text)  # the canonical document approved, verbatim
    initials: str = Field(max_length=20)
    terms_accepted: bool = False
    terms: str = Field(default="", sa_type=Text)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=512)
    approved_by: str = Field(max_length=100)
    signed_in_email: str = Field(default="", max_length=254)
    approved_at: datetime = Field(default_factory=utcnow)
    voided_at: datetime | None = None


class EstimateSettings(SQLModel, table=True):
    """One row per business; a business without a row has the defaults."""

    __tablename__ = "estimate_settings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(default="estimate_settings", max_length=20)
    approval_creates_invoice: bool = False
    terms: str = Field(default="", sa_type=Text)
    notify_email: str = Field(default="", max_length=254)
    updated_at: datetime = Field(default_factory=utcnow)
