"""The gateway's copies of validated sessions and API keys: lifetimes, timeouts, revocations."""

from __future__ import annotations

import asyncio

import pytest
from portal.auth.v1 import auth_pb2
from portal.auth.v1 import revocations_pb2 as pb

from services.gateway.caches import ActivityReporter, GatewayCaches, RevocationListener

WALL_START = 1_800_000_000.0


class Clocks:
    def __init__(self) -> None:
        self.mono = 100.0
        self.wall = WALL_START

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds


def caches(clocks: Clocks, seconds: float = 5.0) -> GatewayCaches:
    made = GatewayCaches(seconds, monotonic=lambda: clocks.mono, wall=lambda: clocks.wall)
    made.enabled = True
    return made


def session(
    sid: str, customer: int = 7, expires_in: float = 1800, email: str = "", ids: tuple[int, ...] = ()
) -> auth_pb2.Session:
    return auth_pb2.Session(
        id=sid,
        customer_id=customer,
        customer_ids=list(ids or (customer,)),
        email=email,
        expires_at=int(WALL_START + expires_in),
    )


def test_a_session_is_reused_for_the_cache_lifetime_only() -> None:
    clocks = Clocks()
    cache = caches(clocks)
    cache.keep_session("biz-a", "token-1", session("s1"))
    clocks.advance(4.9)
    assert cache.session("biz-a", "token-1") == session("s1")
    assert cache.session("biz-b", "token-1") is None  # another business's portal: never the same entry
    assert cache.session("biz-a", "token-2") is None
    clocks.advance(0.2)
    assert cache.session("biz-a", "token-1") is None


def test_an_idle_or_absolute_timeout_ends_a_cached_session_at_its_time() -> None:
    clocks = Clocks()
    cache = caches(clocks, seconds=60)
    cache.keep_session("biz-a", "token-1", session("s1", expires_in=2))  # auth: this session ends in 2 s
    clocks.advance(1.9)
    assert cache.session("biz-a", "token-1") is not None
    clocks.advance(0.2)
    assert cache.session("biz-a", "token-1") is None
    cache.keep_session("biz-a", "token-2", session("s2", expires_in=-1))  # already over: not kept at all
    assert cache.session("biz-a", "token-2") is None


def timed_session(sid: str, idle: int = 300, absolute_in: float = 3600, seen_ago: float = 0) -> auth_pb2.Session:
    """A session as auth describes it now: its recorded activity, idle timeout and absolute expiry."""
    return auth_pb2.Session(
        id=sid,
        customer_id=7,
        customer_ids=[7],
        last_seen_at=int(WALL_START - seen_ago),
        idle_timeout_seconds=idle,
        absolute_expires_at=int(WALL_START + absolute_in),
        expires_at=int(min(WALL_START - seen_ago + idle, WALL_START + absolute_in)),
    )


def test_a_copy_ends_after_the_idle_timeout_counted_from_its_latest_use() -> None:
    clocks = Clocks()
    cache = caches(clocks, seconds=600)
    cache.keep_session("biz-a", "token-1", timed_session("s1", idle=300))
    clocks.advance(299)
    assert cache.session("biz-a", "token-1") is not None  # used: the idle timeout counts from now
    clocks.advance(299)
    assert cache.session("biz-a", "token-1") is not None  # 598 s after auth's answer, still in use
    clocks.advance(300.5)
    assert cache.session("biz-a", "token-1") is None  # idle for longer than 5 minutes


def test_a_copy_ends_at_the_absolute_expiry_however_busy() -> None:
    clocks = Clocks()
    cache = caches(clocks, seconds=600)
    cache.keep_session("biz-a", "token-1", timed_session("s1", idle=300, absolute_in=100))
    for _ in range(9):
        clocks.advance(11)
        assert cache.session("biz-a", "token-1") is not None
    clocks.advance(2)
    assert cache.session("biz-a", "token-1") is None
    cache.keep_session("biz-a", "token-2", timed_session("s2", idle=300, absolute_in=-1))  # over: not kept
    assert cache.session("biz-a", "token-2") is None


def test_activity_on_copies_is_queued_for_auth_once_it_runs_30_seconds_ahead() -> None:
    clocks = Clocks()
    cache = caches(clocks, seconds=600)
    cache.keep_session("biz-a", "fresh", timed_session("s1"))
    cache.keep_session("biz-a", "stale", timed_session("s2", seen_ago=50))  # auth's record is 50 s old
    cache.keep_session("biz-b", "other", timed_session("s3"))
    clocks.advance(10)
    for token in ("fresh", "stale"):
        assert cache.session("biz-a", token) is not None
    assert cache.session("biz-b", "other") is not None
    assert cache.take_activity() == {"biz-a": {"s2": WALL_START + 10}}
    clocks.advance(25)
    for token in ("fresh", "stale"):
        assert cache.session("biz-a", token) is not None
    assert cache.session("biz-b", "other") is not None
    assert cache.take_activity() == {"biz-a": {"s1": WALL_START + 35}, "biz-b": {"s3": WALL_START + 35}}
    assert cache.session("biz-a", "fresh") is not None
    assert cache.take_activity() == {}  # reported already: nothing more until it is 30 s ahead again


def test_activity_that_auth_did_not_take_goes_with_the_next_report() -> None:
    clocks = Clocks()
    cache = caches(clocks, seconds=600)
    cache.keep_session("biz-a", "token-1", timed_session("s1", seen_ago=40))
    assert cache.session("biz-a", "token-1") is not None
    reported: list[tuple[str, dict[str, float]]] = []
    failing = True

    async def record(business_id: str, sessions: dict[str, float]) -> None:
        if failing:
            raise ConnectionError("auth is away")
        reported.append((business_id, sessions))

    reporter = ActivityReporter(cache, record)
    asyncio.run(reporter.report())
    assert reported == []
    failing = False
    asyncio.run(reporter.report())
    assert reported == [("biz-a", {"s1": WALL_START})]
    asyncio.run(reporter.report())
    assert len(reported) == 1


@pytest.mark.parametrize("enabled", [True, False])
def test_nothing_is_queued_from_a_cache_that_is_off(enabled: bool) -> None:
    cache = caches(Clocks(), seconds=600)
    cache.keep_session("biz-a", "token-1", timed_session("s1", seen_ago=40))
    cache.enabled = enabled
    cache.session("biz-a", "token-1")
    assert bool(cache.take_activity()) is enabled


def test_nothing_is_served_while_revocations_are_not_read() -> None:
    clocks = Clocks()
    cache = caches(clocks)
    cache.keep_session("biz-a", "token-1", session("s1"))
    cache.keep_key("key_1", auth_pb2.Business(id="biz-a"))
    cache.enabled = False
    assert cache.session("biz-a", "token-1") is None
    assert cache.business_of_key("key_1") is None


def test_revocations_drop_exactly_the_sessions_they_name() -> None:
    cache = caches(Clocks())
    cache.keep_session("biz-a", "t1", session("s1", customer=7))
    cache.keep_session("biz-a", "t2", session("s2", customer=8, ids=(8, 7)))
    cache.keep_session("biz-a", "t3", session("s3", customer=9))
    cache.keep_session("biz-b", "t4", session("s4", customer=7))  # same customer number, other business

    cache.revoke(pb.Revocation(business_id="biz-a", sessions=pb.SessionsRevoked(session_ids=["s3"])))
    assert cache.session("biz-a", "t3") is None and cache.session("biz-a", "t1") is not None

    cache.revoke(pb.Revocation(business_id="biz-a", customer=pb.CustomerRevoked(customer_id=7)))
    assert cache.session("biz-a", "t1") is None
    assert cache.session("biz-a", "t2") is None  # may act for customer 7
    assert cache.session("biz-b", "t4") is not None

    cache.revoke(pb.Revocation(business_id="biz-b", all_sessions=pb.AllSessionsRevoked()))
    assert cache.session("biz-b", "t4") is None


def test_signing_out_everywhere_drops_the_persons_sessions_only() -> None:
    cache = caches(Clocks())
    cache.keep_session("biz-a", "t1", session("s1", email="pat@example.com"))
    cache.keep_session("biz-a", "t2", session("s2", email="pat@example.com", customer=8))
    cache.keep_session("biz-a", "t3", session("s3", email="kim@example.com"))
    cache.revoke_person("biz-a", session("s1", email="pat@example.com"))
    assert cache.session("biz-a", "t1") is None and cache.session("biz-a", "t2") is None
    assert cache.session("biz-a", "t3") is not None


def test_api_keys_are_reused_until_revoked_or_expired() -> None:
    clocks = Clocks()
    cache = caches(clocks)
    cache.keep_key("key_a", auth_pb2.Business(id="biz-a"))
    cache.keep_key("key_b", auth_pb2.Business(id="biz-b"))
    assert cache.business_of_key("key_a") == auth_pb2.Business(id="biz-a")
    cache.revoke(pb.Revocation(business_id="biz-a", api_keys=pb.ApiKeysRevoked()))
    assert cache.business_of_key("key_a") is None
    assert cache.business_of_key("key_b") is not None
    clocks.advance(5.1)
    assert cache.business_of_key("key_b") is None


def test_a_revoked_business_loses_sessions_keys_and_its_portal() -> None:
    cache = caches(Clocks())
    cache.keep_session("biz-a", "t1", session("s1"))
    cache.keep_key("key_a", auth_pb2.Business(id="biz-a"))
    forgotten: list[str] = []
    listener = RevocationListener("unused:9092", cache, forgotten.append)
    listener.apply(pb.Revocation(business_id="biz-a", business=pb.BusinessRevoked()).SerializeToString())
    assert cache.session("biz-a", "t1") is None and cache.business_of_key("key_a") is None
    assert forgotten == ["biz-a"]


def test_an_unreadable_revocation_drops_everything() -> None:
    cache = caches(Clocks())
    cache.keep_session("biz-a", "t1", session("s1"))
    RevocationListener("unused:9092", cache).apply(b"\xff\xff not a protobuf")
    assert cache.session("biz-a", "t1") is None
