"""Transactional outbox: events are rows written in the same transaction as the change; a relay publishes them.

Topic names are `<domain>.<event>.v1`; the key is the aggregate id; headers carry `event-id` and `tenant-id`.
Nothing is lost while the broker is down: rows stay unpublished and the relay catches up when it returns.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal_kit.context import current_tenant
from portal_kit.db import Database, is_sqlite
from portal_kit.ids import new_uuid
from portal_kit.kafka_topics import ensure_topics
from portal_kit.timestamps import utcnow

log = logging.getLogger("portal_kit.outbox")


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_events"

    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True, unique=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    topic: str = Field(max_length=200)
    key: str = Field(max_length=200)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = Field(default=None, index=True)


async def record_event(session: AsyncSession, topic: str, key: str | int, payload: dict[str, Any]) -> str:
    """Adds an event to the unit of work in progress; it is published only if the transaction commits."""
    event_id = new_uuid()
    session.add(
        OutboxEvent(
            event_id=event_id,
            tenant_id=current_tenant(),
            topic=topic,
            key=str(key),
            payload=json.dumps(payload, separators=(",", ":")),
        )
    )
    await session.flush()
    return event_id


def producer_config(bootstrap: str, idempotence: bool) -> dict[str, Any]:
    return {
        "bootstrap_servers": bootstrap,
        "enable_idempotence": idempotence,
        "acks": "all",
        "request_timeout_ms": 5000,
        "retry_backoff_ms": 200,
    }


class OutboxRelay:
    """Publishes unpublished outbox rows in order. At-least-once: consumers dedupe on the event id."""

    def __init__(self, db: Database, bootstrap: str, idempotence: bool = False, batch: int = 100) -> None:
        self.db = db
        self.bootstrap = bootstrap
        self.idempotence = idempotence
        self.batch = batch
        self.wakeup = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._ensured_topics: set[str] = set()

    def notify(self) -> None:
        """Tells the relay that a transaction with events has committed, so it need not wait to poll."""
        self.wakeup.set()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(**producer_config(self.bootstrap, self.idempotence))
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        self._ensured_topics.clear()
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except Exception:  # noqa: BLE001 - the broker is already failing; nothing more to do
                log.debug("producer stop failed", exc_info=True)

    async def publish_batch(self) -> int:
        producer = await self._ensure_producer()
        async with self.db.unit_of_work() as session:
            query = select(OutboxEvent).where(OutboxEvent.published_at == None).order_by(col(OutboxEvent.seq))  # noqa: E711
            query = query.limit(self.batch)
            if not is_sqlite(self.db.url):
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.exec(query)).all())
            for row in rows:
                if row.topic not in self._ensured_topics:
                    await ensure_topics(self.bootstrap, [row.topic])
                    self._ensured_topics.add(row.topic)
                await producer.send_and_wait(
                    row.topic,
                    value=row.payload.encode(),
                    key=row.key.encode(),
                    headers=[("event-id", row.event_id.encode()), ("tenant-id", row.tenant_id.encode())],
                )
                # Published rows are deleted: payloads can hold sign-in links and addresses, which must not linger.
                await session.delete(row)
        return len(rows)

    async def run(self, poll_interval: float = 0.5) -> None:
        backoff = 0.2
        try:
            while True:
                try:
                    published = await self.publish_batch()
                    backoff = 0.2
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - broker or database down: keep rows, retry later
                    log.warning("outbox relay cannot publish yet", extra={"error": type(exc).__name__})
                    await self._drop_producer()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)
                    continue
                if published == self.batch:
                    continue
                self.wakeup.clear()
                try:
                    await asyncio.wait_for(self.wakeup.wait(), poll_interval)
                except TimeoutError:
                    pass
        finally:
            await self._drop_producer()
