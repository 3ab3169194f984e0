from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel, UniqueConstraint


class Plan(SQLModel, table=True):
    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("tenant_id", "id"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    id: str = Field(max_length=100)
    name: str = Field(max_length=200)
    currency: str = Field(max_length=3)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    interval: str = Field(max_length=10)
    interval_count: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
