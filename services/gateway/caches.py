"""What auth validated, kept for a while: sessions by the hash of the cookie, API keys by the hash of the key.

An entry lives `seconds` at most (PORTAL_GATEWAY_CACHE_SECONDS, 10 minutes by default). Auth's revocation events
drop entries at once on every gateway (`RevocationListener`); while the listener is not reading the topic, nothing
is served from the caches, so a revocation can never be missed for longer than it takes to notice the broker is gone.

A session copy also ends by itself on time: the gateway enforces the session's absolute expiry and its idle
timeout, counted from the latest request it served with it. That activity reaches auth without a call per page:
once a copy's activity is ACTIVITY_REPORT_SECONDS ahead of what auth recorded, the session is queued, and the
gateway reports the queue in one `RecordActivity` call per business every few seconds (`ActivityReporter`). Auth's
record then lags by well under the minute it already rounds activity to, so other gateways, which only know
auth's record, may end the session that much early, never late.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from portal.auth.v1 import auth_pb2
from portal.auth.v1 import revocations_pb2 as pb
from portal_kit.kafka_topics import ensure_topics
from portal_kit.settings import kafka_client_options

log = logging.getLogger("gateway.caches")
TOPIC = "auth.revocations.v1"
MAX_ENTRIES = 50_000
LIVENESS_SECONDS = 2.0
ACTIVITY_REPORT_SECONDS = 30.0  # how far a copy's activity may run ahead of auth's record before it is reported


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclass
class _Session:
    until: float  # monotonic: the end of the cache lifetime
    business_id: str
    session: auth_pb2.Session
    last_active: float  # wall: the latest request served with this session (here), or auth's record
    reported: float  # wall: the latest activity auth knows of

    def ends_at(self) -> float:
        """When the session itself ends (wall): its absolute expiry, or its idle timeout after the latest activity.
        A session message without timeouts (an older auth) ends at the expiry auth computed."""
        session = self.session
        if session.idle_timeout_seconds <= 0:
            return float(session.expires_at)
        return min(float(session.absolute_expires_at), self.last_active + session.idle_timeout_seconds)


@dataclass(frozen=True)
class _Key:
    until: float
    business: auth_pb2.Business


class GatewayCaches:
    """Sessions and API keys validated by auth. Serves nothing while `enabled` is false."""

    def __init__(
        self,
        seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.seconds = seconds
        self.enabled = False
        self._monotonic = monotonic
        self._wall = wall
        self._sessions: dict[tuple[str, bytes], _Session] = {}
        self._keys: dict[bytes, _Key] = {}
        self._activity: dict[str, dict[str, float]] = {}  # business id -> session id -> latest activity (wall)

    # ---- sessions

    def session(self, business_id: str, token: str) -> auth_pb2.Session | None:
        """The copy of a live session; using it counts as the session's activity."""
        if not self.enabled:
            return None
        key = (business_id, digest(token))
        entry = self._sessions.get(key)
        if entry is None:
            return None
        now = self._wall()
        if entry.until <= self._monotonic() or entry.ends_at() <= now:
            self._sessions.pop(key, None)
            return None
        entry.last_active = max(entry.last_active, now)
        if now - entry.reported >= ACTIVITY_REPORT_SECONDS:
            self._activity.setdefault(business_id, {})[entry.session.id] = now
            entry.reported = now
        return entry.session

    def keep_session(self, business_id: str, token: str, session: auth_pb2.Session) -> None:
        """Keeps a session auth just validated, for `seconds` at most, and never past its own end."""
        if not self.enabled or self.seconds <= 0:
            return
        now = self._wall()
        recorded = float(session.last_seen_at or now)
        entry = _Session(self._monotonic() + self.seconds, business_id, session, now, recorded)
        if entry.ends_at() <= now:
            return
        if len(self._sessions) >= MAX_ENTRIES:
            self._sessions.clear()
        self._sessions[(business_id, digest(token))] = entry

    def take_activity(self) -> dict[str, dict[str, float]]:
        """The activity to report to auth, by business (and forgets it)."""
        taken, self._activity = self._activity, {}
        return taken

    def requeue_activity(self, business_id: str, sessions: dict[str, float]) -> None:
        """Activity that could not be reported: it goes with the next report."""
        queued = self._activity.setdefault(business_id, {})
        for session_id, at in sessions.items():
            queued[session_id] = max(at, queued.get(session_id, at))

    def forget_session(self, business_id: str, token: str) -> None:
        self._sessions.pop((business_id, digest(token)), None)

    # ---- API keys

    def business_of_key(self, api_key: str) -> auth_pb2.Business | None:
        if not self.enabled:
            return None
        key = digest(api_key)
        entry = self._keys.get(key)
        if entry is None:
            return None
        if entry.until <= self._monotonic():
            self._keys.pop(key, None)
            return None
        return entry.business

    def keep_key(self, api_key: str, business: auth_pb2.Business) -> None:
        if not self.enabled or self.seconds <= 0:
            return
        if len(self._keys) >= MAX_ENTRIES:
            self._keys.clear()
        self._keys[digest(api_key)] = _Key(self._monotonic() + self.seconds, business)

    # ---- revocations

    def revoke(self, revocation: pb.Revocation) -> None:
        business_id = revocation.business_id
        target = revocation.WhichOneof("target")
        if target == "sessions":
            ids = set(revocation.sessions.session_ids)
            self._drop_sessions(lambda e: e.business_id == business_id and e.session.id in ids)
        elif target == "customer":
            customer = revocation.customer.customer_id
            self._drop_sessions(
                lambda e: (
                    e.business_id == business_id
                    and (e.session.customer_id == customer or customer in e.session.customer_ids)
                )
            )
        elif target == "api_keys":
            self._drop_keys(business_id)
        elif target == "all_sessions":
            self._drop_sessions(lambda e: e.business_id == business_id)
        elif target == "business":
            self._drop_sessions(lambda e: e.business_id == business_id)
            self._drop_keys(business_id)

    def revoke_customer(self, business_id: str, customer_id: int) -> None:
        self.revoke(pb.Revocation(business_id=business_id, customer=pb.CustomerRevoked(customer_id=customer_id)))

    def revoke_person(self, business_id: str, session: auth_pb2.Session) -> None:
        """Every copy of the sessions of the person behind `session` (what "sign out everywhere" ends in auth)."""
        if session.email:
            self._drop_sessions(lambda e: e.business_id == business_id and e.session.email == session.email)
        else:
            self.revoke_customer(business_id, session.customer_id)

    def revoke_api_keys(self, business_id: str) -> None:
        self.revoke(pb.Revocation(business_id=business_id, api_keys=pb.ApiKeysRevoked()))

    def revoke_all_sessions(self, business_id: str) -> None:
        self.revoke(pb.Revocation(business_id=business_id, all_sessions=pb.AllSessionsRevoked()))

    def clear(self) -> None:
        self._sessions.clear()
        self._keys.clear()

    def _drop_sessions(self, matches: Callable[[_Session], bool]) -> None:
        for key in [k for k, entry in self._sessions.items() if matches(entry)]:
            del self._sessions[key]

    def _drop_keys(self, business_id: str) -> None:
        for key in [k for k, entry in self._keys.items() if entry.business.id == business_id]:
            del self._keys[key]


class ActivityReporter:
    """Reports the activity seen on cached sessions to auth, one call per business every `interval` seconds."""

    def __init__(
        self,
        caches: GatewayCaches,
        record: Callable[[str, dict[str, float]], Awaitable[None]],
        interval: float = 5.0,
    ) -> None:
        self.caches = caches
        self.record = record
        self.interval = interval

    async def report(self) -> None:
        for business_id, sessions in self.caches.take_activity().items():
            try:
                await self.record(business_id, sessions)
            except Exception as exc:  # noqa: BLE001 - auth away: the copies still end on time; report it later
                self.caches.requeue_activity(business_id, sessions)
                log.warning("session activity not reported yet", extra={"error": type(exc).__name__})

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.report()


class RevocationListener:
    """Reads auth's revocations from the end of the topic (no consumer group: every gateway reads every event)
    and applies them. The caches are on only while it reads; on any failure they are emptied and turned off,
    and it reconnects."""

    def __init__(
        self, bootstrap: str, caches: GatewayCaches, on_business_revoked: Callable[[str], None] | None = None
    ) -> None:
        self.bootstrap = bootstrap
        self.caches = caches
        self.on_business_revoked = on_business_revoked
        self.ready = asyncio.Event()

    def apply(self, value: bytes | None) -> None:
        try:
            revocation = pb.Revocation.FromString(value or b"")
        except Exception:  # noqa: BLE001 - not ours; dropping everything is the safe answer
            log.warning("unreadable revocation: dropping every cached entry")
            self.caches.clear()
            return
        self.caches.revoke(revocation)
        if revocation.WhichOneof("target") == "business" and self.on_business_revoked is not None:
            self.on_business_revoked(revocation.business_id)

    def _off(self) -> None:
        self.caches.enabled = False
        self.caches.clear()
        self.ready.clear()

    async def run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=None,
                enable_auto_commit=False,
                request_timeout_ms=5000,
                metadata_max_age_ms=5000,
                **kafka_client_options(),
            )
            try:
                await ensure_topics(self.bootstrap, [TOPIC])
                await consumer.start()
                partitions = [TopicPartition(TOPIC, p) for p in sorted(consumer.partitions_for_topic(TOPIC) or {0})]
                consumer.assign(partitions)
                await consumer.seek_to_end(*partitions)
                for partition in partitions:
                    await consumer.position(partition)  # resolve the end now: later events are all read
                self.caches.enabled = True
                self.ready.set()
                log.info("reading revocations", extra={"partitions": len(partitions)})
                checked = time.monotonic()
                while True:
                    batches = await consumer.getmany(timeout_ms=500)
                    for records in batches.values():
                        for record in records:
                            self.apply(record.value)
                    if time.monotonic() - checked > LIVENESS_SECONDS:
                        # The consumer retries quietly while the broker is away: ask it something to find out.
                        await asyncio.wait_for(consumer.end_offsets(partitions), LIVENESS_SECONDS)
                        checked = time.monotonic()
            except asyncio.CancelledError:
                self._off()
                raise
            except Exception as exc:  # noqa: BLE001 - broker gone: no caching until we read the topic again
                self._off()
                log.warning("revocations unreadable; caches off", extra={"error": type(exc).__name__})
                await asyncio.sleep(1.0)
            finally:
                try:
                    await asyncio.wait_for(consumer.stop(), 5)
                except Exception:  # noqa: BLE001
                    log.debug("consumer stop failed", exc_info=True)
