"""Keyed writes run once: the reply commits with the write, a failure frees the key, another request is refused.

A probe PlanService (the generated base class) writes a row per CreatePlan into a real SQLite database, behind the
same GrpcServer and stamped client channel the services use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc
from sqlmodel import Field, SQLModel, col, func, select

from portal_kit import grpc_client, idempotency
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.grpc_server import GrpcServer, Registration
from portal_kit.ids import new_uuid
from portal_kit.replays import IN_PROGRESS, MISMATCH, RETENTION, IdempotentReply, purge
from portal_kit.service_auth import ServiceCredential, ServiceTrust, generate_tokens
from portal_kit.timestamps import utcnow

TENANT = "tenant-a"
TOKENS = generate_tokens()


class ProbeRow(SQLModel, table=True):
    __tablename__ = "replay_probe_rows"

    id: str = Field(default_factory=new_uuid, primary_key=True)
    name: str


class ProbeServicer(plans_pb2_grpc.PlanServiceServicer):
    """CreatePlan writes a row, then fails on demand or waits to be released; GetPlan only reads."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.port = 0

    async def CreatePlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.CreatePlanResponse:
        self.entered.set()
        async with self.db.unit_of_work() as session:
            row = ProbeRow(name=request.plan.name)
            session.add(row)
            await session.flush()
            match request.plan.name:
                case "crash":
                    raise RuntimeError("after the write")
                case "recursion":
                    raise RecursionError("maximum recursion depth exceeded")
        await self.release.wait()
        return plans_pb2.CreatePlanResponse(plan=plans_pb2.Plan(id=row.id, name=row.name))

    async def GetPlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.GetPlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.GetPlanResponse:
        async with self.db.unit_of_work() as session:
            count = (await session.exec(select(func.count()).select_from(ProbeRow))).one()
        return plans_pb2.GetPlanResponse(plan=plans_pb2.Plan(id=request.id, name=str(count)))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/replays.db")
    async with database.engine.begin() as connection:
        await connection.run_sync(
            SQLModel.metadata.create_all,
            tables=[IdempotentReply.__table__, ProbeRow.__table__],  # type: ignore[attr-defined]
        )
    yield database
    await database.dispose()


@pytest.fixture
async def servicer(db: Database) -> AsyncIterator[ProbeServicer]:
    probe = ProbeServicer(db)  # type: ignore[abstract]  # ListPlans is never called here
    registration = Registration(
        "portal.subscriptions.v1.PlanService", plans_pb2_grpc.add_PlanServiceServicer_to_server, probe
    )
    trust = ServiceTrust.of("subscriptions", TOKENS)
    server = GrpcServer([registration], 0, trust=trust, host="127.0.0.1", replays=db)
    await server.start()
    probe.port = server.port
    try:
        yield probe
    finally:
        await server.stop(0)


@pytest.fixture
async def plans(servicer: ProbeServicer) -> AsyncIterator[plans_pb2_grpc.PlanServiceStub]:
    gateway = ServiceCredential("gateway", TOKENS["gateway"])
    channel = grpc_client.channel(f"127.0.0.1:{servicer.port}", default_timeout=10, credential=gateway)
    try:
        yield plans_pb2_grpc.PlanServiceStub(channel)
    finally:
        await channel.close()


async def rows(db: Database, model: type[SQLModel]) -> int:
    async with db.unit_of_work() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def create(
    plans: plans_pb2_grpc.PlanServiceStub, name: str, key: str | None, fingerprint: str = "request-1"
) -> tuple[plans_pb2.CreatePlanResponse, bool]:
    """One keyed request's call, in its own context as the gateway makes it; the reply and whether it was replayed."""

    async def call() -> tuple[plans_pb2.CreatePlanResponse, bool]:
        request = plans_pb2.CreatePlanRequest(plan=plans_pb2.Plan(name=name))
        with bound(TENANT):
            if key is None:
                return await plans.CreatePlan(request), False
            with idempotency.claimed(key, fingerprint) as claim:
                return await plans.CreatePlan(request), claim.replayed

    return await asyncio.create_task(call())  # a task: a fresh copy of the context, like each HTTP request


async def failure(plans: plans_pb2_grpc.PlanServiceStub, name: str, key: str, fingerprint: str) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await create(plans, name, key, fingerprint)
    return info.value


async def test_a_keyed_write_runs_once_and_the_retry_gets_the_same_reply(
    db: Database, plans: plans_pb2_grpc.PlanServiceStub
) -> None:
    first, first_replayed = await create(plans, "basic", "key-000001")
    again, again_replayed = await create(plans, "basic", "key-000001")
    assert again == first and (first_replayed, again_replayed) == (False, True)
    assert await rows(db, ProbeRow) == 1 and await rows(db, IdempotentReply) == 1
    other, _ = await create(plans, "basic", "key-000002")
    unkeyed, _ = await create(plans, "basic", None)
    assert len({first.plan.id, other.plan.id, unkeyed.plan.id}) == 3
    assert await rows(db, ProbeRow) == 3


async def test_the_same_key_for_another_request_is_refused_and_never_replayed(
    db: Database, plans: plans_pb2_grpc.PlanServiceStub
) -> None:
    await create(plans, "basic", "key-000003", fingerprint="request-1")
    refused = await failure(plans, "basic", "key-000003", fingerprint="request-2")
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and refused.details() == MISMATCH
    assert grpc_client.domain_error(refused).param == "Idempotency-Key"
    assert await rows(db, ProbeRow) == 1


@pytest.mark.parametrize("crash", ["crash", "recursion"])
async def test_a_call_that_raises_leaves_nothing_and_frees_its_key(
    db: Database, plans: plans_pb2_grpc.PlanServiceStub, crash: str
) -> None:
    failed = await failure(plans, crash, "key-000004", fingerprint="request-1")
    assert failed.code() == grpc.StatusCode.INTERNAL
    assert await rows(db, ProbeRow) == 0 and await rows(db, IdempotentReply) == 0  # rolled back with the write
    retried, replayed = await create(plans, "basic", "key-000004", fingerprint="request-1")
    assert retried.plan.name == "basic" and not replayed
    assert await rows(db, ProbeRow) == 1


async def test_reads_store_nothing(db: Database, plans: plans_pb2_grpc.PlanServiceStub) -> None:
    async def keyed_read() -> str:
        with bound(TENANT), idempotency.claimed("key-000005", "request-1"):
            return (await plans.GetPlan(plans_pb2.GetPlanRequest(id="p"))).plan.name

    before = await asyncio.create_task(keyed_read())
    await create(plans, "basic", None)
    after = await asyncio.create_task(keyed_read())
    assert (before, after) == ("0", "1")  # answered live both times
    assert await rows(db, IdempotentReply) == 0


async def test_a_second_call_while_the_first_runs_is_told_it_is_in_progress(
    db: Database, servicer: ProbeServicer, plans: plans_pb2_grpc.PlanServiceStub
) -> None:
    servicer.release.clear()
    first = asyncio.create_task(create(plans, "basic", "key-000006"))
    await asyncio.wait_for(servicer.entered.wait(), 10)
    servicer.entered.clear()
    second = asyncio.create_task(create(plans, "basic", "key-000006"))
    await asyncio.wait_for(servicer.entered.wait(), 10)  # the second has looked for a reply and found none
    servicer.release.set()
    (reply, replayed), refused = await asyncio.gather(first, second, return_exceptions=True)  # type: ignore[misc]
    assert not replayed and reply.plan.name == "basic"
    assert isinstance(refused, grpc.aio.AioRpcError)
    assert refused.code() == grpc.StatusCode.ABORTED and refused.details() == IN_PROGRESS
    assert await rows(db, ProbeRow) == 1 and await rows(db, IdempotentReply) == 1
    assert (await create(plans, "basic", "key-000006"))[1] is True


async def test_an_expired_reply_does_not_count_and_is_purged(
    db: Database, plans: plans_pb2_grpc.PlanServiceStub
) -> None:
    await create(plans, "basic", "key-000007", fingerprint="request-1")
    async with db.unit_of_work() as session:
        [stored] = (await session.exec(select(IdempotentReply))).all()
        stored.created_at = utcnow() - RETENTION - timedelta(seconds=1)
        session.add(stored)
    assert (await create(plans, "basic", "key-000007", fingerprint="request-2"))[1] is False
    assert await rows(db, ProbeRow) == 2 and await rows(db, IdempotentReply) == 1
    async with db.unit_of_work() as session:
        assert await purge(session, utcnow()) == 0
        assert await purge(session, utcnow() + RETENTION) == 1
    assert await rows(db, IdempotentReply) == 0


async def test_keys_are_per_tenant(db: Database, plans: plans_pb2_grpc.PlanServiceStub) -> None:
    await create(plans, "basic", "key-000008")

    async def elsewhere() -> bool:
        with bound("tenant-b"), idempotency.claimed("key-000008", "request-1") as claim:
            await plans.CreatePlan(plans_pb2.CreatePlanRequest(plan=plans_pb2.Plan(name="basic")))
            return claim.replayed

    assert await asyncio.create_task(elsewhere()) is False
    assert await rows(db, ProbeRow) == 2
    async with db.unit_of_work() as session:
        tenants = (await session.exec(select(IdempotentReply.tenant_id).order_by(col(IdempotentReply.tenant_id)))).all()
    assert list(tenants) == ["tenant-a", "tenant-b"]


def test_keys_and_fingerprints() -> None:
    for bad in ("short", "k" * 65, "key with\nnewline", "clé-000001"):
        with pytest.raises(Exception, match="6 to 64 printable ASCII"):
            idempotency.validate_key(bad)
    assert idempotency.validate_key("k" * 64) == "k" * 64
    base = idempotency.fingerprint("POST", "/api/customers", "", b'{"name": "A"}')
    assert base == idempotency.fingerprint("post", "/api/customers", "", b'{"name": "A"}')
    for changed in (
        idempotency.fingerprint("PATCH", "/api/customers", "", b'{"name": "A"}'),
        idempotency.fingerprint("POST", "/api/invoices", "", b'{"name": "A"}'),
        idempotency.fingerprint("POST", "/api/customers", "expand=customer", b'{"name": "A"}'),
        idempotency.fingerprint("POST", "/api/customers", "", b'{"name": "B"}'),
        idempotency.fingerprint("POST", "/api/customer", "s", b'{"name": "A"}'),  # parts cannot slide into each other
    ):
        assert changed != base
