"""The outbox against a real broker (tansu): size cap at write, row-by-row publishing, poison rows dead-lettered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from google.protobuf.wrappers_pb2 import StringValue
from prometheus_client import REGISTRY
from sqlmodel import SQLModel, select

from devtools.localservers import KafkaServer, start_kafka
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.kafka_topics import ensure_topics
from portal_kit.outbox import (
    MAX_EVENT_BYTES,
    MAX_MESSAGE_BYTES,
    DeadLetterEvent,
    EventTooLarge,
    OutboxEvent,
    OutboxRelay,
    record_event,
)

TOPIC = "test.thing_happened.v1"


def dead_lettered() -> float:
    return REGISTRY.get_sample_value("portal_outbox_dead_lettered_total", {"topic": TOPIC}) or 0.0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/outbox.db")
    async with database.engine.begin() as connection:
        tables = [SQLModel.metadata.tables[name] for name in ("outbox_events", "outbox_dead_letters")]
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=tables))
    yield database
    await database.dispose()


@pytest.fixture
async def kafka(tmp_path: Path) -> AsyncIterator[KafkaServer]:
    server = start_kafka(tmp_path / "kafka")
    try:
        await ensure_topics(server.bootstrap, [TOPIC])
        yield server
    finally:
        server.stop()


async def rows(db: Database) -> tuple[list[OutboxEvent], list[DeadLetterEvent]]:
    async with db.unit_of_work() as session:
        pending = list((await session.exec(select(OutboxEvent))).all())
        dead = list((await session.exec(select(DeadLetterEvent))).all())
    return pending, dead


async def write(db: Database, tenant: str, text: str) -> str:
    with bound(tenant):
        async with db.unit_of_work() as session:
            return await record_event(session, TOPIC, key=tenant, message=StringValue(value=text))


async def test_an_event_over_the_size_limit_is_refused_before_anything_commits(db: Database) -> None:
    with bound("tenant-a"), pytest.raises(EventTooLarge) as refused:
        async with db.unit_of_work() as session:
            await record_event(session, TOPIC, key=1, message=StringValue(value="fits"))
            await record_event(session, TOPIC, key=1, message=StringValue(value="x" * MAX_EVENT_BYTES))
    assert "too large to publish" in refused.value.message and str(MAX_EVENT_BYTES) in refused.value.message
    assert await rows(db) == ([], [])
    await write(db, "tenant-a", "x" * (MAX_EVENT_BYTES - 10))  # just under the cap: accepted
    assert len((await rows(db))[0]) == 1


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_poison_row_is_dead_lettered_and_the_rows_around_it_go_out_once(
    db: Database, kafka: KafkaServer
) -> None:
    first = await write(db, "tenant-a", "before")
    async with db.unit_of_work() as session:  # written before the cap existed, or a broker with a smaller limit
        session.add(
            OutboxEvent(
                event_id="poison", tenant_id="tenant-a", topic=TOPIC, key="a", payload=b"x" * (2 * MAX_MESSAGE_BYTES)
            )
        )
    later = await write(db, "tenant-b", "after")
    dead_before = dead_lettered()
    logs = Records()
    logging.getLogger("portal_kit.outbox").addHandler(logs)
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=kafka.bootstrap, auto_offset_reset="earliest")
    relay = OutboxRelay(db, kafka.bootstrap, max_attempts=3, max_backoff=0.2)
    task = asyncio.create_task(relay.run(poll_interval=0.1))
    await consumer.start()
    seen: list[str] = []
    try:
        async with asyncio.timeout(30):
            while later not in seen:
                async for record in consumer:
                    seen.append(dict(record.headers)["event-id"].decode())
                    break
            while (await rows(db))[0]:  # noqa: ASYNC110 - the batch commits just after its last send
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()
        logging.getLogger("portal_kit.outbox").removeHandler(logs)

    assert seen == [first, later]  # the row before the poison went out once, though the poison was retried
    pending, [dead] = await rows(db)
    assert pending == []
    assert (dead.event_id, dead.tenant_id, dead.size, dead.attempts) == ("poison", "tenant-a", 2 * MAX_MESSAGE_BYTES, 3)
    assert dead.error.startswith("MessageSizeTooLargeError")
    assert dead_lettered() == dead_before + 1
    [moved] = [r for r in logs.records if r.getMessage() == "outbox event moved to the dead letters"]
    assert moved.levelno == logging.ERROR
    assert (moved.event_id, moved.attempts) == ("poison", 3)  # type: ignore[attr-defined]
    retries = [r for r in logs.records if r.getMessage() == "outbox event refused by the broker; will retry"]
    assert len(retries) == 2


async def test_rows_wait_while_the_broker_is_down_and_none_is_dead_lettered(db: Database) -> None:
    event_id = await write(db, "tenant-a", "patient")
    logs = Records()
    logging.getLogger("portal_kit.outbox").addHandler(logs)
    relay = OutboxRelay(db, "127.0.0.1:1", max_attempts=2, max_backoff=0.1)  # nothing listens there
    task = asyncio.create_task(relay.run(poll_interval=0.1))
    try:
        async with asyncio.timeout(30):
            while sum(r.getMessage() == "outbox relay cannot publish yet" for r in logs.records) < 5:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        logging.getLogger("portal_kit.outbox").removeHandler(logs)
    pending, dead = await rows(db)
    assert [(r.event_id, r.attempts) for r in pending] == [(event_id, 0)]
    assert dead == []


async def test_stop_publishes_every_committed_row_then_returns(db: Database, kafka: KafkaServer) -> None:
    """SIGTERM's flush: a row committed just before stop() goes out before run() returns, without waiting for the
    next poll (an hour away here)."""
    relay = OutboxRelay(db, kafka.bootstrap)
    task = asyncio.create_task(relay.run(poll_interval=3600))
    await asyncio.sleep(0.5)  # the relay has found nothing and waits
    event_id = await write(db, "tenant-a", "last words")  # committed, and nobody notified the relay
    relay.stop()
    async with asyncio.timeout(20):
        await task  # returns by itself: not cancelled
    assert await rows(db) == ([], [])
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=kafka.bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        async with asyncio.timeout(20):
            record = await consumer.getone()
    finally:
        await consumer.stop()
    assert dict(record.headers)["event-id"].decode() == event_id
