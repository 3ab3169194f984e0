"""Transactional outbox: events are rows written in the same transaction as the change; a relay publishes them.

Topic names are `<domain>.<event>.v1`; the payload is the topic's protobuf message; the key is the aggregate id;
headers carry `event-id`, `tenant-id` and, when the event was written inside a traced request, `traceparent`
(kept with the row, so the event continues the request's trace however late it is published). Nothing is lost while the broker is down: rows stay unpublished and the
relay catches up when it returns.

A row the broker refuses for good (too large, an invalid topic) is a poison message: it is retried a bounded
number of times, then moved to the dead-letter table with its error, so the rows after it still go out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import InvalidTopicError, MessageSizeTooLargeError, RecordListTooLargeError
from google.protobuf.message import Message
from sqlalchemy import Column, LargeBinary, Text, func
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal_kit import metrics, tracing
from portal_kit.context import current_tenant
from portal_kit.db import Database, is_sqlite
from portal_kit.errors import InvalidArgument
from portal_kit.ids import new_uuid
from portal_kit.kafka_topics import ensure_topics, started_producer
from portal_kit.timestamps import utcnow

log = logging.getLogger("portal_kit.outbox")

MAX_MESSAGE_BYTES = 1024 * 1024  # what the relay sends at most: Kafka's default message.max.bytes (tansu has none)
MAX_EVENT_BYTES = 128 * 1024  # what a change may write: well under MAX_MESSAGE_BYTES; real events are a few KB
MAX_ATTEMPTS = 5  # publishing attempts of a row the broker refuses, before it moves to the dead letters
PERMANENT_ERRORS = (MessageSizeTooLargeError, RecordListTooLargeError, InvalidTopicError)
BACKLOG_REFRESH_SECONDS = 1.0  # how often the relay refreshes the backlog gauges


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_events"

    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True, unique=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    topic: str = Field(max_length=200)
    key: str = Field(max_length=200)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0  # refusals by the broker so far
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    traceparent: str | None = Field(default=None, max_length=64)  # W3C trace context of the writing request


class DeadLetterEvent(SQLModel, table=True):
    """An outbox row the broker refused MAX_ATTEMPTS times. Kept for inspection; nothing republishes it."""

    __tablename__ = "outbox_dead_letters"

    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True, unique=True, max_length=32)
    tenant_id: str = Field(index=True, max_length=64)
    topic: str = Field(max_length=200)
    key: str = Field(max_length=200)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int
    attempts: int
    error: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    failed_at: datetime = Field(default_factory=utcnow)


class EventTooLarge(InvalidArgument):
    """A change would publish an event over MAX_EVENT_BYTES: refused before anything commits."""


async def record_event(session: AsyncSession, topic: str, key: str | int, message: Message) -> str:
    """Adds an event to the unit of work in progress; it is published only if the transaction commits."""
    payload = message.SerializeToString()
    if len(payload) > MAX_EVENT_BYTES:
        raise EventTooLarge(
            f"This change is too large to publish: its {topic} event would be {len(payload)} bytes, "
            f"and the limit is {MAX_EVENT_BYTES}."
        )
    event_id = new_uuid()
    traceparent = tracing.current_traceparent()
    session.add(
        OutboxEvent(
            event_id=event_id,
            tenant_id=current_tenant(),
            topic=topic,
            key=str(key),
            payload=payload,
            traceparent=traceparent,
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
        "max_request_size": MAX_MESSAGE_BYTES,
    }


def describe(error: BaseException) -> str:
    detail = str(error).strip()
    return f"{type(error).__name__}: {detail}"[:2000] if detail else type(error).__name__


class RelayStalled(Exception):
    """A row could not be published; the rows before it were. The relay backs off and tries again."""


class OutboxRelay:
    """Publishes unpublished outbox rows in order, one at a time. At-least-once: consumers dedupe on the event id.

    Each published row is deleted in the batch's transaction, which commits even when a later row fails, so rows
    that went out are never published again. A failure the broker gives for the row itself (PERMANENT_ERRORS)
    counts against the row; any other failure (broker down, timeouts) counts against nothing and only waits.
    """

    def __init__(
        self,
        db: Database,
        bootstrap: str,
        idempotence: bool = False,
        batch: int = 100,
        max_attempts: int = MAX_ATTEMPTS,
        max_backoff: float = 2.0,
    ) -> None:
        self.db = db
        self.bootstrap = bootstrap
        self.idempotence = idempotence
        self.batch = batch
        self.max_attempts = max_attempts
        self.max_backoff = max_backoff
        self.wakeup = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._ensured_topics: set[str] = set()
        self._backlog_checked = 0.0
        self._stopping = False

    def stop(self) -> None:
        """Asks `run` to publish every row committed so far, then return (SIGTERM). With the broker down it keeps
        trying until cancelled: the rows stay in the table for the next relay."""
        self._stopping = True
        self.wakeup.set()

    def notify(self) -> None:
        """Tells the relay that a transaction with events has committed, so it need not wait to poll."""
        self.wakeup.set()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            self._producer = await started_producer(**producer_config(self.bootstrap, self.idempotence))
        return self._producer

    async def _drop_producer(self) -> None:
        self._ensured_topics.clear()
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except Exception:  # noqa: BLE001 - the broker is already failing; nothing more to do
                log.debug("producer stop failed", exc_info=True)

    async def _publish(self, producer: AIOKafkaProducer, row: OutboxEvent) -> None:
        if row.topic not in self._ensured_topics:
            await ensure_topics(self.bootstrap, [row.topic])
            self._ensured_topics.add(row.topic)
        ids = [("event-id", row.event_id.encode()), ("tenant-id", row.tenant_id.encode())]
        with tracing.producing(row.topic, row.traceparent, row.event_id) as trace_headers:
            await producer.send_and_wait(
                row.topic, value=row.payload, key=row.key.encode(), headers=ids + trace_headers
            )
        metrics.OUTBOX_PUBLISHED.labels(row.topic).inc()

    async def _refused(self, session: AsyncSession, row: OutboxEvent, error: BaseException) -> bool:
        """Counts a refusal of the row; True when it moved to the dead letters (so the relay goes on)."""
        row.attempts += 1
        row.last_error = describe(error)
        about = {"event_id": row.event_id, "topic": row.topic, "tenant_id": row.tenant_id, "size": len(row.payload),
                 "attempts": row.attempts, "error": type(error).__name__}  # fmt: skip
        if row.attempts < self.max_attempts:
            session.add(row)
            log.warning("outbox event refused by the broker; will retry", extra=about)
            return False
        session.add(
            DeadLetterEvent(
                event_id=row.event_id,
                tenant_id=row.tenant_id,
                topic=row.topic,
                key=row.key,
                payload=row.payload,
                size=len(row.payload),
                attempts=row.attempts,
                error=row.last_error,
                created_at=row.created_at,
            )
        )
        await session.delete(row)
        metrics.OUTBOX_DEAD_LETTERED.labels(row.topic).inc()
        log.error("outbox event moved to the dead letters", extra=about)
        return True

    async def publish_batch(self) -> int:
        """Publishes up to `batch` rows; the number published. Raises RelayStalled when a row is still pending.

        With nothing to publish the broker is not contacted, so an idle service (or one stopping) needs no broker."""
        stalled: BaseException | None = None
        done = 0
        async with self.db.unit_of_work() as session:
            query = select(OutboxEvent).where(OutboxEvent.published_at == None).order_by(col(OutboxEvent.seq))  # noqa: E711
            query = query.limit(self.batch)
            if not is_sqlite(self.db.url):
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.exec(query)).all())
            if not rows:
                return 0
            producer = await self._ensure_producer()
            for row in rows:
                try:
                    await self._publish(producer, row)
                except PERMANENT_ERRORS as error:
                    if not await self._refused(session, row, error):
                        stalled = error
                        break
                    done += 1
                    continue
                except Exception as error:  # noqa: BLE001 - broker down or slow: keep this row and the rest
                    stalled = error
                    break
                # Published rows are deleted: payloads can hold sign-in links and addresses, which must not linger.
                await session.delete(row)
                done += 1
        if stalled is not None:
            raise RelayStalled(describe(stalled)) from stalled
        return done

    async def measure_backlog(self) -> None:
        """Sets the backlog gauges: rows not published yet, and the age of the oldest of them."""
        async with self.db.unit_of_work() as session:
            query = select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.published_at == None)  # noqa: E711
            count, oldest = (await session.exec(query)).one()
        metrics.OUTBOX_BACKLOG.set(count)
        if oldest is None:
            metrics.OUTBOX_OLDEST_AGE.set(0)
            return
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        metrics.OUTBOX_OLDEST_AGE.set(max((datetime.now(UTC) - oldest).total_seconds(), 0.0))

    async def _maybe_measure_backlog(self) -> None:
        now = time.monotonic()
        if now - self._backlog_checked < BACKLOG_REFRESH_SECONDS:
            return
        self._backlog_checked = now
        try:
            await self.measure_backlog()
        except Exception:  # noqa: BLE001 - the database is down: the relay says so itself
            log.debug("outbox backlog not measured", exc_info=True)

    async def run(self, poll_interval: float = 0.5) -> None:
        backoff = 0.2
        try:
            while True:
                await self._maybe_measure_backlog()
                final = self._stopping  # asked to stop before this pass began: it sees every committed row
                try:
                    handled = await self.publish_batch()
                    backoff = 0.2
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - broker or database down, or a refused row: retry later
                    cause = exc.__cause__ if isinstance(exc, RelayStalled) and exc.__cause__ else exc
                    log.warning("outbox relay cannot publish yet", extra={"error": type(cause).__name__})
                    if not isinstance(cause, PERMANENT_ERRORS):
                        await self._drop_producer()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                if handled == self.batch:
                    continue
                if final:
                    log.info("outbox relay flushed and stopped")
                    return
                self.wakeup.clear()
                try:
                    await asyncio.wait_for(self.wakeup.wait(), poll_interval)
                except TimeoutError:
                    pass
        finally:
            await self._drop_producer()
