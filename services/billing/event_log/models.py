"""The event log's tables: one row per change, and the objects each event is about (for `related_to`)."""

from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, Column, LargeBinary
from sqlmodel import Field, Index, SQLModel


class Event(SQLModel, table=True):
    """`object` and `previous` are serialized google.protobuf.Any messages: the object's own protobuf, typed."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_tenant_pk", "tenant_id", "pk"),
        Index("ix_events_tenant_type_pk", "tenant_id", "type", "pk"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    type: str = Field(max_length=100)
    object_type: str = Field(max_length=50)
    object_id: int = Field(sa_type=BigInteger)
    customer_id: int | None = Field(default=None, sa_type=BigInteger)
    actor: str = Field(max_length=100)
    object: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    previous: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class EventRelation(SQLModel, table=True):
    """An event is related to its own object, to its customer and to what the recorder names (newest first by
    event_pk, so `related_to` lists walk one index)."""

    __tablename__ = "event_relations"
    __table_args__ = (Index("ix_event_relations_lookup", "tenant_id", "object_type", "object_id", "event_pk"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    event_pk: int = Field(foreign_key="events.pk", ondelete="CASCADE")
    object_type: str = Field(max_length=50)
    object_id: int = Field(sa_type=BigInteger)
