from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.context import bound

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.auth.server import MIGRATIONS, build
from services.auth.settings import AuthSettings
from services.auth.tests.conftest import Clock

State = pb.BeginIdempotentRequestResponse.State


@pytest.fixture(params=["sqlite", "postgres"])
async def service(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> AsyncIterator[RunningService]:
    """Idempotency depends on the database's unique constraint under concurrency: check both engines."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/auth.db"
    else:
        databases: ServiceDatabases = request.getfixturevalue("service_databases")
        url = await databases.fresh("auth", MIGRATIONS)
    settings = settings_for_test(AuthSettings, url)
    async with running_service(settings, MIGRATIONS, lambda db, s: build(db, s, now=clock)) as running:
        yield running


def stub(service: RunningService) -> auth_pb2_grpc.IdempotencyServiceStub:
    return auth_pb2_grpc.IdempotencyServiceStub(service.channel)


async def begin(
    service: RunningService, key: str, method: str = "POST", path: str = "/api/invoices"
) -> pb.BeginIdempotentRequestResponse:
    return await stub(service).BeginIdempotentRequest(
        pb.BeginIdempotentRequestRequest(key=key, method=method, path=path)
    )


async def complete(service: RunningService, key: str, status: int = 201, body: bytes = b'{"id": 1}') -> None:
    await stub(service).CompleteIdempotentRequest(
        pb.CompleteIdempotentRequestRequest(
            key=key, status_code=status, body=body, headers_json='{"content-type": "application/json"}'
        )
    )


async def test_begin_complete_replay_and_mismatch(service: RunningService) -> None:
    with bound("tenant-a"):
        assert (await begin(service, "key-000001")).state == State.STATE_NEW
        assert (await begin(service, "key-000001")).state == State.STATE_IN_PROGRESS
        await complete(service, "key-000001")
        replay = await begin(service, "key-000001")
        assert replay.state == State.STATE_COMPLETED
        assert replay.status_code == 201
        assert replay.body == b'{"id": 1}'
        assert replay.headers_json == '{"content-type": "application/json"}'
        assert (await begin(service, "key-000001", method="post")).state == State.STATE_COMPLETED
        assert (await begin(service, "key-000001", path="/api/customers")).state == State.STATE_MISMATCH
        assert (await begin(service, "key-000001", method="PATCH")).state == State.STATE_MISMATCH

        with pytest.raises(grpc.aio.AioRpcError) as again:
            await complete(service, "key-000001")
        assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_abandon_frees_an_in_progress_key_but_keeps_a_completed_one(service: RunningService) -> None:
    idempotency = stub(service)
    with bound("tenant-a"):
        assert (await begin(service, "key-000002")).state == State.STATE_NEW
        await idempotency.AbandonIdempotentRequest(pb.AbandonIdempotentRequestRequest(key="key-000002"))
        assert (await begin(service, "key-000002")).state == State.STATE_NEW
        await complete(service, "key-000002")
        await idempotency.AbandonIdempotentRequest(pb.AbandonIdempotentRequestRequest(key="key-000002"))
        assert (await begin(service, "key-000002")).state == State.STATE_COMPLETED
        await idempotency.AbandonIdempotentRequest(pb.AbandonIdempotentRequestRequest(key="never-used"))


async def test_key_length_is_checked_and_unknown_keys_cannot_complete(service: RunningService) -> None:
    with bound("tenant-a"):
        for bad in ("", "12345", "k" * 65):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await begin(service, bad)
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert dict(refused.value.trailing_metadata() or ())["x-portal-param"] == "Idempotency-Key"
        assert (await begin(service, "k" * 64)).state == State.STATE_NEW
        assert (await begin(service, "123456")).state == State.STATE_NEW
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await complete(service, "never-begun")
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


async def test_concurrent_begins_let_exactly_one_request_run(service: RunningService, clock: Clock) -> None:
    with bound("tenant-a"):
        for round_ in range(5):
            key = f"race-{round_:04d}"
            states = await asyncio.gather(*(begin(service, key) for _ in range(2)))
            assert sorted(s.state for s in states) == [State.STATE_NEW, State.STATE_IN_PROGRESS]
        # The same race on a key whose previous record has expired.
        clock.advance(timedelta(hours=25))
        states = await asyncio.gather(*(begin(service, "race-0000") for _ in range(2)))
        assert sorted(s.state for s in states) == [State.STATE_NEW, State.STATE_IN_PROGRESS]


async def test_records_expire_after_24_hours(service: RunningService, clock: Clock) -> None:
    with bound("tenant-a"):
        assert (await begin(service, "key-000003")).state == State.STATE_NEW
        await complete(service, "key-000003")
        assert (await begin(service, "key-000004")).state == State.STATE_NEW  # left in progress
        clock.advance(timedelta(hours=23, minutes=59))
        assert (await begin(service, "key-000003")).state == State.STATE_COMPLETED
        assert (await begin(service, "key-000004")).state == State.STATE_IN_PROGRESS
        clock.advance(timedelta(minutes=2))
        assert (await begin(service, "key-000003", path="/api/other")).state == State.STATE_NEW
        assert (await begin(service, "key-000004")).state == State.STATE_NEW
        assert (await begin(service, "key-000003", path="/api/other")).state == State.STATE_IN_PROGRESS


async def test_keys_are_per_tenant(service: RunningService) -> None:
    with bound("tenant-a"):
        assert (await begin(service, "shared-key")).state == State.STATE_NEW
        await complete(service, "shared-key", body=b"tenant a")
    with bound("tenant-b"):
        assert (await begin(service, "shared-key", path="/api/customers")).state == State.STATE_NEW
        await complete(service, "shared-key", body=b"tenant b")
        assert (await begin(service, "shared-key", path="/api/customers")).body == b"tenant b"
        await stub(service).AbandonIdempotentRequest(pb.AbandonIdempotentRequestRequest(key="shared-key"))
    with bound("tenant-a"):
        assert (await begin(service, "shared-key")).body == b"tenant a"


async def test_idempotency_needs_a_tenant(service: RunningService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await begin(service, "key-000005")
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
