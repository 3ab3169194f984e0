from __future__ import annotations

from datetime import datetime

from portal_kit.ids import new_uuid
from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel


class Comment(SQLModel, table=True):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_document", "tenant_id", "document_type", "document_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(default_factory=new_uuid, unique=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    document_type: str = Field(max_length=20)
    document_id: int = Field(sa_type=BigInteger)  # public ids go up to 2**53
    author: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
