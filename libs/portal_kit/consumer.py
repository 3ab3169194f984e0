"""Idempotent Kafka consumers: each event id is handled once per consumer, recorded in the same transaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from google.protobuf.message import DecodeError, Message
from opentelemetry.trace import SpanKind
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from portal_kit import metrics, tracing
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.settings import kafka_client_options
from portal_kit.timestamps import utcnow

log = logging.getLogger("portal_kit.consumer")
MAX_EVENT_ID = 64
M = TypeVar("M", bound=Message)


class MalformedEvent(ValueError):
    """The event can never be handled as it is (it does not decode, or it lacks what the handler needs).

    A handler raises it to have the event skipped and logged instead of retried: retrying will not help.
    """


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_events"

    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=MAX_EVENT_ID)
    processed_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Event:
    """One event as it travels: ids from the headers, and the serialized protobuf message of its topic.

    `traceparent`: the W3C trace context of the request that caused it, when it was traced."""

    event_id: str
    tenant_id: str
    topic: str
    key: str
    payload: bytes
    traceparent: str | None = None

    @classmethod
    def from_record(cls, record: ConsumerRecord) -> Event | None:
        """The event in a record, or None when the record is not one of ours (no ids)."""
        headers = dict(record.headers)
        try:
            event_id, tenant_id = headers["event-id"].decode(), headers["tenant-id"].decode()
        except (KeyError, ValueError, UnicodeDecodeError, AttributeError):
            return None
        if not (0 < len(event_id) <= MAX_EVENT_ID) or not tenant_id:
            return None
        key = (record.key or b"").decode(errors="replace")
        traceparent = tracing.header_value(headers.get(tracing.TRACEPARENT))
        return cls(event_id, tenant_id, record.topic, key, record.value or b"", traceparent)

    def decode(self, message_type: type[M]) -> M:
        """The payload as the topic's message; MalformedEvent when the bytes are not one."""
        try:
            return message_type.FromString(self.payload)
        except (DecodeError, ValueError) as error:
            raise MalformedEvent(f"not a {message_type.DESCRIPTOR.full_name}") from error


Handler = Callable[[Event, AsyncSession], Awaitable[None]]


class AssignmentWatch(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka ships no type hints: its base is Any
    """Remembers the partitions of each (re)assignment, so the loop can reposition them before reading on.

    After a broker outage the positions a consumer kept may not match the broker's log any more (a broker that
    lost its state numbers its offsets anew), so after every assignment each partition resumes at its committed
    offset, or at the beginning without one. Re-reading is harmless: handling is idempotent.
    """

    def __init__(self) -> None:
        self.pending: set[TopicPartition] = set()

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.pending = set(assigned)


async def resume_from_committed(consumer: AIOKafkaConsumer, partitions: set[TopicPartition]) -> None:
    for partition in partitions:
        committed = await consumer.committed(partition)
        if committed is None or committed < 0:
            await consumer.seek_to_beginning(partition)
        else:
            consumer.seek(partition, committed)


class IdempotentConsumer:
    def __init__(
        self,
        db: Database,
        bootstrap: str,
        topics: list[str],
        name: str,
        handler: Handler,
        group_timeout_ms: int = 6000,
        on_handled: Callable[[], None] | None = None,
    ) -> None:
        """`on_handled` runs after each handled event's transaction commits (e.g. to wake an outbox relay)."""
        self.group_timeout_ms = group_timeout_ms
        self.on_handled = on_handled
        self.db = db
        self.bootstrap = bootstrap
        self.topics = topics
        self.name = name
        self.handler = handler
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Asks `run` to finish the event in hand, commit the offsets of what it handled, leave the group and return."""
        self._stopping.set()

    async def handle(self, event: Event) -> bool:
        """Runs the handler unless this consumer has seen the event id. True when it ran.

        Traced as a consumer span, a child of the request that caused the event (its `traceparent`)."""
        if not tracing.active():
            return await self._handle(event)
        parent = {tracing.TRACEPARENT: event.traceparent} if event.traceparent else None
        attributes = {"messaging.system": "kafka", "messaging.destination.name": event.topic,
                      "messaging.operation.type": "process", "messaging.consumer.group.name": self.name,
                      "messaging.message.id": event.event_id, "portal.tenant_id": event.tenant_id}  # fmt: skip
        with tracing.span(f"{event.topic} process", SpanKind.CONSUMER, parent, attributes):
            return await self._handle(event)

    async def _handle(self, event: Event) -> bool:
        with bound(event.tenant_id):
            async with self.db.unit_of_work() as session:
                if await session.get(ProcessedEvent, (self.name, event.event_id)) is not None:
                    return False
                await self.handler(event, session)
                session.add(ProcessedEvent(consumer=self.name, event_id=event.event_id))
        if self.on_handled is not None:
            self.on_handled()
        return True

    async def _skip(self, event: Event, problem: MalformedEvent) -> None:
        """Records a malformed event as handled, so it is skipped once and never blocks its partition."""
        log.error(
            "malformed event skipped",
            extra={"consumer": self.name, "topic": event.topic, "event_id": event.event_id, "problem": str(problem)},
        )
        with bound(event.tenant_id):
            async with self.db.unit_of_work() as session:
                if await session.get(ProcessedEvent, (self.name, event.event_id)) is None:
                    session.add(ProcessedEvent(consumer=self.name, event_id=event.event_id))

    async def _handle_until_done(self, event: Event) -> bool:
        """Handles the event, retrying failures; False when asked to stop before it could be handled."""
        backoff = 0.2
        while True:
            try:
                ran = await self.handle(event)
                self._count(event, "handled" if ran else "duplicate")
                return True
            except asyncio.CancelledError:
                raise
            except MalformedEvent as problem:
                await self._skip(event, problem)
                self._count(event, "skipped")
                return True
            except Exception:  # noqa: BLE001 - e.g. SMTP down: keep the order, retry the same event
                self._count(event, "retried")
                log.warning(
                    "event handler failed; retrying",
                    extra={"consumer": self.name, "topic": event.topic},
                    exc_info=True,
                )
                if self._stopping.is_set():
                    return False  # left uncommitted: the next consumer of the partition handles it
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _count(self, event: Event, outcome: str) -> None:
        metrics.CONSUMER_EVENTS.labels(self.name, event.topic, outcome).inc()

    async def _measure_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Sets the lag gauge per topic: the broker's high watermark minus this consumer's position."""
        lag: dict[str, int] = {}
        for partition in consumer.assignment():
            highwater = consumer.highwater(partition)
            if highwater is None:
                continue
            position = await consumer.position(partition)
            lag[partition.topic] = lag.get(partition.topic, 0) + max(highwater - position, 0)
        for topic, behind in lag.items():
            metrics.CONSUMER_LAG.labels(self.name, topic).set(behind)

    async def _handle_batches(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> dict[TopicPartition, int]:
        """Handles the records in order; the offsets to commit: past each partition's last record handled (all of
        them, unless `stop()` came first: the rest is read again by whoever consumes the partition next)."""
        handled: dict[TopicPartition, int] = {}
        for partition, records in batches.items():
            for record in records:
                if self._stopping.is_set():
                    return handled
                event = Event.from_record(record)
                if event is None:
                    metrics.CONSUMER_EVENTS.labels(self.name, record.topic, "skipped").inc()
                    log.warning("skipping a record that is not an event", extra={"consumer": self.name,
                                "topic": record.topic, "offset": record.offset})  # fmt: skip
                elif not await self._handle_until_done(event):
                    return handled
                handled[partition] = record.offset + 1
        return handled

    async def run(self) -> None:
        """Consumes until `stop()`; reconnects with a fresh consumer whenever the broker goes away."""
        while not self._stopping.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=self.name,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=self.group_timeout_ms,
                heartbeat_interval_ms=max(self.group_timeout_ms // 10, 100),
                rebalance_timeout_ms=self.group_timeout_ms,
                request_timeout_ms=5000,
                metadata_max_age_ms=2000,
                **kafka_client_options(),
            )
            watch = AssignmentWatch()
            consumer.subscribe(self.topics, listener=watch)
            try:
                await consumer.start()
                while not self._stopping.is_set():
                    batches = await consumer.getmany(timeout_ms=500)
                    if watch.pending:
                        partitions, watch.pending = watch.pending, set()
                        await resume_from_committed(consumer, partitions)
                        continue  # what was fetched before repositioning is read again
                    handled = await self._handle_batches(batches)
                    if handled:
                        await consumer.commit(handled)
                    await self._measure_lag(consumer)
                if self._stopping.is_set():
                    log.info("consumer stopped", extra={"consumer": self.name})
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - broker down: start over; handled events dedupe
                log.warning(
                    "consumer lost the broker; reconnecting",
                    extra={"consumer": self.name, "error": type(exc).__name__},
                )
                await asyncio.sleep(1.0)
            finally:
                try:
                    await asyncio.wait_for(consumer.stop(), 5)
                except Exception:  # noqa: BLE001
                    log.debug("consumer stop failed", exc_info=True)
