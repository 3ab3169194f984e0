"""The needs-attention tables. The flag itself is `Invoice.needs_attention`, so invoice lists filter on it."""

from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Text
from sqlmodel import Field, Index, SQLModel


class InvoiceAttention(SQLModel, table=True):
    """What billing applied last from an invoice's comment thread, and whether the business still has to hear of it."""

    __tablename__ = "invoice_attention"
    __table_args__ = (Index("ix_invoice_attention_pending", "tenant_id", "notice_pending"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    invoice_id: int = Field(sa_type=BigInteger, foreign_key="invoices.id", ondelete="CASCADE", unique=True)
    version: int = Field(default=0, sa_type=BigInteger)  # the thread version applied last
    notice_pending: bool = False  # flagged, and not yet in an email to the business
    author: str = Field(default="", max_length=200)
    excerpt: str = Field(default="", sa_type=Text)
    flagged_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class AttentionChange(SQLModel, table=True):
    """Each time an invoice's flag went up or down, with the event that did it."""

    __tablename__ = "attention_changes"
    __table_args__ = (Index("ix_attention_changes_invoice", "tenant_id", "invoice_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    invoice_id: int = Field(sa_type=BigInteger, foreign_key="invoices.id", ondelete="CASCADE")
    change: str = Field(max_length=10)  # flagged | resolved
    version: int = Field(sa_type=BigInteger)
    event_id: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow)


class AttentionNotice(SQLModel, table=True):
    """Where and when the business was last told about flagged invoices (one row per business)."""

    __tablename__ = "attention_notices"

    tenant_id: str = Field(primary_key=True, max_length=64)
    notification_email: str = Field(default="", max_length=254)  # the latest address the comment events carried
    business_name: str = Field(default="", max_length=200)
    portal_url: str = Field(default="", max_length=500)
    last_sent_at: datetime | None = Field(default=None, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
