"""The idempotent consumer against a real broker (tansu): a payload that does not decode is skipped once, logged,
and the events after it are handled; the loop never stops for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from google.protobuf.wrappers_pb2 import Int64Value
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from devtools.localservers import KafkaServer, start_kafka
from portal_kit.consumer import Event, IdempotentConsumer, ProcessedEvent
from portal_kit.db import Database
from portal_kit.kafka_topics import ensure_topics

TOPIC = "test.number_chosen.v1"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/consumer.db")
    async with database.engine.begin() as connection:
        table = SQLModel.metadata.tables["processed_events"]
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=[table]))
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


async def processed(db: Database) -> set[str]:
    async with db.unit_of_work() as session:
        return {p.event_id for p in (await session.exec(select(ProcessedEvent))).all()}


async def test_a_payload_that_does_not_decode_is_skipped_and_the_next_event_is_handled(
    db: Database, kafka: KafkaServer, caplog: pytest.LogCaptureFixture
) -> None:
    handled: list[int] = []

    async def handler(event: Event, session: AsyncSession) -> None:
        handled.append(event.decode(Int64Value).value)

    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    await producer.start()
    try:
        for event_id, value in (("bad", b"\x08\xff\xff"), ("good", Int64Value(value=42).SerializeToString())):
            await producer.send_and_wait(
                TOPIC, value=value, headers=[("event-id", event_id.encode()), ("tenant-id", b"tenant-a")]
            )
    finally:
        await producer.stop()

    consumer = IdempotentConsumer(db, kafka.bootstrap, [TOPIC], "test-consumer", handler, group_timeout_ms=2000)
    caplog.set_level(logging.ERROR, "portal_kit.consumer")
    task = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(30):
            while len(marks := await processed(db)) < 2:  # noqa: ASYNC110 - polls what the consumer committed
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert handled == [42]
    assert marks == {"bad", "good"}  # the bad one is recorded: a redelivery skips it without a new error
    [skipped] = [r for r in caplog.records if r.getMessage() == "malformed event skipped"]
    assert skipped.event_id == "bad" and "google.protobuf.Int64Value" in skipped.problem  # type: ignore[attr-defined]


async def test_stop_finishes_the_event_in_hand_commits_its_offset_and_leaves_the_rest(
    db: Database, kafka: KafkaServer
) -> None:
    """SIGTERM's part for consumers: the event being handled completes and its offset is committed; the next one
    is neither handled nor committed, so the partition's next consumer starts exactly there."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    await producer.start()
    try:
        for value in (1, 2, 3):
            await producer.send_and_wait(
                TOPIC,
                value=Int64Value(value=value).SerializeToString(),
                headers=[("event-id", f"e{value}".encode()), ("tenant-id", b"tenant-a")],
                partition=0,
            )
    finally:
        await producer.stop()

    handled: list[int] = []
    second_started, release = asyncio.Event(), asyncio.Event()

    async def handler(event: Event, session: AsyncSession) -> None:
        value = event.decode(Int64Value).value
        if value == 2:
            second_started.set()
            await release.wait()
        handled.append(value)

    consumer = IdempotentConsumer(db, kafka.bootstrap, [TOPIC], "stopping-consumer", handler, group_timeout_ms=2000)
    task = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(30):
            await second_started.wait()
            consumer.stop()
            release.set()
            await task  # returns by itself: not cancelled
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert handled == [1, 2]
    assert await processed(db) == {"e1", "e2"}
    reader = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, group_id="stopping-consumer")
    await reader.start()
    try:
        committed = await reader.committed(TopicPartition(TOPIC, 0))
    finally:
        await reader.stop()
    assert committed == 2  # past e1 and e2: e3 is read next
