from __future__ import annotations

from datetime import datetime

from portal_kit.ids import new_uuid
from portal_kit.timestamps import utcnow
from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel, UniqueConstraint


class Business(SQLModel, table=True):
    """A tenant. Its username is the portal subdomain; its id is the tenant id every other service keys on."""

    __tablename__ = "businesses"

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=64)
    username: str = Field(unique=True, max_length=40)
    display_name: str = Field(max_length=100)
    sso_key: str = Field(max_length=63)
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    """Only the keyed hash of a key is kept; the key itself is shown once."""

    __tablename__ = "api_keys"

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=32)
    tenant_id: str = Field(foreign_key="businesses.id", index=True, max_length=64)
    key_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


IN_PROGRESS = "in_progress"
COMPLETED = "completed"


class IdempotentRequest(SQLModel, table=True):
    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    key: str = Field(max_length=64)
    method: str = Field(max_length=10)
    path: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(max_length=20)
    status_code: int | None = None
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    headers_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
