"""Comments' tables: threads keyed by (tenant, document type, document id), their comments, per-business settings."""

from __future__ import annotations

from datetime import datetime

import portal_kit.outbox  # noqa: F401  (the outbox table lives in this service's database)
from portal_kit.ids import new_uuid
from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel, UniqueConstraint


class Comment(SQLModel, table=True):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_document", "tenant_id", "document_type", "document_id"),
        # The per-customer rate limit counts a customer's recent comments.
        Index("ix_comments_customer_recent", "tenant_id", "customer_id", "created_at"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(default_factory=new_uuid, unique=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    document_type: str = Field(max_length=20)
    document_id: int = Field(sa_type=BigInteger)  # public ids go up to 2**53
    author: str = Field(max_length=200)
    author_kind: str = Field(default="customer", max_length=10)  # customer | business
    customer_id: int | None = Field(default=None, sa_type=BigInteger)  # who wrote it, for a customer's comment
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Thread(SQLModel, table=True):
    """A document's thread: whose it is, whether it waits for the business, and its change counter."""

    __tablename__ = "comment_threads"
    __table_args__ = (UniqueConstraint("tenant_id", "document_type", "document_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    document_type: str = Field(max_length=20)
    document_id: int = Field(sa_type=BigInteger)
    customer_id: int = Field(sa_type=BigInteger)
    status: str = Field(default="open", max_length=10)  # open | resolved
    needs_attention: bool = False
    version: int = Field(default=0, sa_type=BigInteger)  # +1 per change; events carry it
    resolved_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CommentSettings(SQLModel, table=True):
    """A business's comment settings; no row means the defaults."""

    __tablename__ = "comment_settings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    comments_enabled: bool = True
    guests_may_comment: bool = True
    notification_email: str | None = Field(default=None, max_length=254)
    updated_at: datetime = Field(default_factory=utcnow)
