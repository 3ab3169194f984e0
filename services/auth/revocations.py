"""Revocation events: after a change that ends sessions or keys commits, every gateway is told to drop its copies.

Gateways cache validated sessions and API keys for a few seconds. These events make a sign-out (or a revoked key,
a deleted customer, a disabled business) take effect on every gateway at once instead of when the copy expires.
They are cache invalidations, not records: they are published straight after the commit, without the outbox.
One that is lost (broker down) costs at most the few seconds a gateway keeps a copy, and a gateway that loses the
broker stops using its caches until it reads the topic again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from portal.auth.v1 import revocations_pb2 as pb
from portal_kit import tracing
from portal_kit.kafka_topics import ensure_topics, started_producer

log = logging.getLogger("services.auth.revocations")
TOPIC = "auth.revocations.v1"
SEND_TIMEOUT_SECONDS = 5.0


def sessions_revoked(business_id: str, session_ids: Iterable[str]) -> pb.Revocation:
    return pb.Revocation(business_id=business_id, sessions=pb.SessionsRevoked(session_ids=list(session_ids)))


def customer_revoked(business_id: str, customer_id: int) -> pb.Revocation:
    return pb.Revocation(business_id=business_id, customer=pb.CustomerRevoked(customer_id=customer_id))


def api_keys_revoked(business_id: str) -> pb.Revocation:
    return pb.Revocation(business_id=business_id, api_keys=pb.ApiKeysRevoked())


def all_sessions_revoked(business_id: str) -> pb.Revocation:
    return pb.Revocation(business_id=business_id, all_sessions=pb.AllSessionsRevoked())


def business_revoked(business_id: str) -> pb.Revocation:
    return pb.Revocation(business_id=business_id, business=pb.BusinessRevoked())


class RevocationPublisher:
    """Sends revocations in the background, so that a slow broker never slows a sign-out down."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._topic_ready = False
        self._pending: set[asyncio.Task[None]] = set()
        self._running = False

    def publish(self, revocation: pb.Revocation) -> None:
        """Sends in the background while the service runs (its background job `run` is on); otherwise nothing:
        a service started without background jobs (some tests) has no gateways to tell."""
        if not self._running:
            return
        task = asyncio.get_running_loop().create_task(self._send(revocation))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if not self._topic_ready:
                await ensure_topics(self.bootstrap, [TOPIC])
                self._topic_ready = True
            if self._producer is None:
                self._producer = await started_producer(
                    bootstrap_servers=self.bootstrap, request_timeout_ms=5000, linger_ms=0
                )
            return self._producer

    async def _send(self, revocation: pb.Revocation) -> None:
        try:
            producer = await asyncio.wait_for(self._ensure_producer(), SEND_TIMEOUT_SECONDS)
            with tracing.producing(TOPIC) as headers:  # a child of the request that revoked (this task's context)
                value, key = revocation.SerializeToString(), revocation.business_id.encode()
                await asyncio.wait_for(
                    producer.send_and_wait(TOPIC, value, key=key, headers=headers), SEND_TIMEOUT_SECONDS
                )
        except Exception as exc:  # noqa: BLE001 - the gateways' copies expire by themselves within seconds
            log.warning(
                "revocation not published", extra={"error": type(exc).__name__, "kind": revocation.WhichOneof("target")}
            )
            await self._drop_producer()

    async def _drop_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except Exception:  # noqa: BLE001 - already failing
                log.debug("producer stop failed", exc_info=True)

    async def close(self) -> None:
        if self._pending:
            await asyncio.wait(self._pending, timeout=SEND_TIMEOUT_SECONDS)
        await self._drop_producer()

    async def run(self) -> None:
        """The background job during which revocations are published; closes the producer when the service stops."""
        self._running = True
        try:
            await asyncio.Event().wait()
        finally:
            self._running = False
            await self.close()
