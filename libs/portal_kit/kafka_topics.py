"""Creating the topics a service needs before it uses them.

Brokers that auto-create topics do it on the first metadata request, with the broker's default partition count
(tansu 0.6 makes 4 partitions), and production clusters usually do not auto-create at all. So consumers create
their topics explicitly, with the partition count they expect.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from portal_kit.settings import kafka_client_options

log = logging.getLogger("portal_kit.kafka_topics")


async def ensure_topics(bootstrap: str, topics: list[str], partitions: int = 1, replication_factor: int = 1) -> None:
    """Creates the topics that do not exist yet. Raises when the broker cannot be reached: callers retry."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000, **kafka_client_options())
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, replication_factor) for t in topics if t not in existing]
        if not missing:
            return
        try:
            response = await admin.create_topics(missing)
        except TopicAlreadyExistsError:
            return
        for topic, code, *rest in response.topic_errors:
            error = for_code(code)
            if code != 0 and error is not TopicAlreadyExistsError:  # lost a race with another creator: fine
                raise error(f"cannot create topic {topic}: {rest[0] if rest else ''}")
    finally:
        await admin.close()


async def wait_for_topics(bootstrap: str, topics: list[str], max_backoff: float = 5.0) -> None:
    """Creates the topics, retrying until the broker answers (a service may start before its broker)."""
    backoff = 0.2
    while True:
        try:
            await ensure_topics(bootstrap, topics)
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - broker not up yet: try again
            log.warning("broker not reachable yet; retrying", extra={"error": type(error).__name__})
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)


async def started_producer(**config: Any) -> AIOKafkaProducer:
    """A started producer (with the broker's security options); one that fails to start is stopped again, so it
    leaves no background task behind."""
    producer = AIOKafkaProducer(**(kafka_client_options() | config))
    try:
        await producer.start()
    except BaseException:
        await producer.stop()
        raise
    return producer
