"""ReadQuery and Database.reads(): the same rows on PostgreSQL (raw asyncpg) and SQLite (Core), always for one
tenant; a connection left in an unknown state is not given to the next call."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import BigInteger, Integer, MetaData, bindparam, literal_column, select, text
from sqlmodel import Field, SQLModel

from devtools.localservers import PostgresLike
from portal_kit import tracing
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.reads import DriverReader, ReadQuery, tenant_scope
from portal_kit.repository import table_of
from portal_kit.timestamps import utcnow


class IsolatedModel(SQLModel):
    """Keeps the test table out of SQLModel.metadata, which the services' migrations are compared with."""

    metadata = MetaData()


class Entry(IsolatedModel, table=True):
    __tablename__ = "reads_test_entries"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(sa_type=BigInteger, unique=True)
    text: str
    done: bool = False
    made_at: datetime = Field(default_factory=utcnow)


ENTRIES = table_of(Entry)
BY_TENANT = ReadQuery(
    select(ENTRIES.c.id, ENTRIES.c.text, ENTRIES.c.done, ENTRIES.c.made_at)
    .where(tenant_scope(ENTRIES), ENTRIES.c.id > bindparam("above", type_=BigInteger))
    .order_by(ENTRIES.c.id)
    .limit(bindparam("limit", type_=Integer))
)
_numbers = itertools.count()


@pytest.fixture(params=["postgresql", "sqlite"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "postgresql":
        postgres: PostgresLike = request.getfixturevalue("postgres")
        name = f"reads_{next(_numbers)}"
        postgres.create_database(name)
        database = Database(postgres.url(name))
    else:
        database = Database(f"sqlite+aiosqlite:///{tmp_path}/reads.db")
    async with database.engine.begin() as connection:
        await connection.run_sync(IsolatedModel.metadata.create_all)
        rows = [{"tenant_id": tenant, "id": n, "text": f"{tenant} {n}", "done": n % 2 == 0, "made_at": utcnow()}
                for tenant, ids in (("tenant-a", (1, 2, 3)), ("tenant-b", (4, 5))) for n in ids]  # fmt: skip
        await connection.execute(ENTRIES.insert(), rows)
    yield database
    await database.dispose()


async def test_rows_are_the_tenants_only_and_typed_alike_on_both_databases(db: Database) -> None:
    async with db.reads() as reader:
        mine = await reader.rows(BY_TENANT, "tenant-a", above=1, limit=10)
        theirs = await reader.rows(BY_TENANT, "tenant-b", above=0, limit=1)
        nobody = await reader.rows(BY_TENANT, "tenant-c", above=0, limit=10)
    assert [tuple(row[:3]) for row in mine] == [(2, "tenant-a 2", True), (3, "tenant-a 3", False)]
    assert [row[0] for row in theirs] == [4]
    assert nobody == []
    made_at = mine[0][3]
    assert isinstance(made_at, datetime)
    offset = made_at.utcoffset()  # aware, in UTC, on both databases
    assert offset is not None and offset.total_seconds() == 0
    assert (utcnow() - made_at).total_seconds() < 60


def test_a_query_without_the_tenant_condition_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="tenant"):
        ReadQuery(select(ENTRIES.c.id).where(ENTRIES.c.id == bindparam("id", type_=BigInteger)))


async def test_parameters_must_be_exactly_the_querys(db: Database) -> None:
    async with db.reads() as reader:
        with pytest.raises(TypeError, match="expected parameters"):
            await reader.rows(BY_TENANT, "tenant-a", above=1)
        with pytest.raises(TypeError, match="expected parameters"):
            await reader.rows(BY_TENANT, "tenant-a", above=1, limit=1, extra=2)


def test_a_parameter_that_needs_conversion_cannot_be_bound_raw() -> None:
    """The raw path passes values to asyncpg as they are: a type with its own bind processing is refused."""
    since = ReadQuery(select(ENTRIES.c.id).where(tenant_scope(ENTRIES), ENTRIES.c.made_at > bindparam("since")))
    with pytest.raises(TypeError, match="since"):
        since.compiled(Database("postgresql+asyncpg://nobody@127.0.0.1:1/none").engine.dialect)


async def test_inside_an_ambient_unit_of_work_reads_see_its_writes(db: Database) -> None:
    with bound("tenant-a"):
        async with db.ambient_unit_of_work() as session:
            session.add(Entry(tenant_id="tenant-a", id=9, text="not committed yet"))
            await session.flush()
            async with db.reads() as reader:
                found = await reader.rows(BY_TENANT, "tenant-a", above=8, limit=10)
            assert [row[1] for row in found] == ["not committed yet"]
            await session.rollback()


@pytest.fixture
def postgres_db(postgres: PostgresLike) -> Iterator[Database]:
    name = f"reads_{next(_numbers)}"
    postgres.create_database(name)
    database = Database(postgres.url(name))
    yield database


async def _prepared(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(IsolatedModel.metadata.create_all)


async def _server_pid(database: Database) -> int:
    async with database.reads() as reader:
        assert isinstance(reader, DriverReader)
        await reader.rows(BY_TENANT, "tenant-a", above=0, limit=1)
        return int(reader.driver.get_server_pid())


async def test_a_dropped_connection_fails_one_read_and_the_next_gets_a_fresh_one(
    postgres_db: Database, postgres: PostgresLike
) -> None:
    await _prepared(postgres_db)
    try:
        pid = await _server_pid(postgres_db)
        assert await _server_pid(postgres_db) == pid  # the pool gives the same connection back
        admin = await asyncpg.connect(postgres.url().replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        with pytest.raises(Exception):  # noqa: B017, PT011  (asyncpg answers a killed backend in several ways)
            await _server_pid(postgres_db)
        assert await _server_pid(postgres_db) != pid
    finally:
        await postgres_db.dispose()


async def test_a_read_cancelled_half_way_does_not_leave_its_connection_to_the_next_call(postgres_db: Database) -> None:
    await _prepared(postgres_db)
    slow = ReadQuery(select(literal_column("pg_sleep(5)::text")).where(tenant_scope(ENTRIES)))
    try:
        pid = await _server_pid(postgres_db)

        async def sleeping() -> None:
            async with postgres_db.reads() as reader:
                await reader.rows(slow, "tenant-a")

        async with postgres_db.engine.begin() as connection:  # one row, so that pg_sleep runs
            await connection.execute(ENTRIES.insert(), [{"tenant_id": "tenant-a", "id": 1, "text": "x", "done": False,
                                                         "made_at": utcnow()}])  # fmt: skip
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(sleeping(), 0.5)
        assert await _server_pid(postgres_db) != pid
        assert postgres_db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]  # QueuePool
    finally:
        await postgres_db.dispose()


async def test_a_traced_raw_read_is_a_client_span_with_the_statement(
    postgres_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SDK_DISABLED", "OTEL_TRACES_SAMPLER"):
        monkeypatch.delenv(name, raising=False)
    exporter = InMemorySpanExporter()
    assert tracing.configure("test-service", exporter=exporter)
    try:
        await _prepared(postgres_db)
        with tracing.span("request", SpanKind.SERVER):
            async with postgres_db.reads() as reader:
                await reader.rows(BY_TENANT, "tenant-a", above=0, limit=1)
        [statement] = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.CLIENT]
        assert statement.attributes is not None and statement.attributes["db.system"] == "postgresql"
        assert str(statement.attributes["db.statement"]).startswith("SELECT reads_test_entries.id")
        assert "tenant-a" not in str(statement.attributes["db.statement"])  # placeholders only
    finally:
        tracing.shutdown()
        await postgres_db.dispose()


ADD_ENTRY = ReadQuery(
    text("INSERT INTO reads_test_entries (tenant_id, id, text, done, made_at) "
         "VALUES (CAST(:tenant AS VARCHAR), CAST(:id AS BIGINT), CAST(:text AS VARCHAR), false, now()) RETURNING id")
)  # fmt: skip


async def test_a_single_statement_write_commits_on_its_own_where_single_statement_writes_are_allowed(
    db: Database,
) -> None:
    """On PostgreSQL a write of one statement runs on the driver connection as its own transaction; inside an ambient
    unit of work (whose transaction a write must join) or on SQLite, single_statement_writes() says no."""
    if db.engine.dialect.name != "postgresql":
        assert not db.single_statement_writes()
        return
    assert db.single_statement_writes()
    async with db.reads() as reader:
        assert [tuple(row) for row in await reader.rows(ADD_ENTRY, "tenant-a", id=10, text="written")] == [(10,)]
    async with db.ambient_unit_of_work():
        assert not db.single_statement_writes()
    async with db.reads() as reader:  # another connection, or the same one returned to the pool: committed
        assert [row[1] for row in await reader.rows(BY_TENANT, "tenant-a", above=9, limit=10)] == ["written"]


async def test_a_prepared_read_is_planned_once_never_again_per_execution(postgres_db: Database) -> None:
    """Generic plans (`plan_cache_mode`): PostgreSQL's default plans the first executions anew and may keep doing so
    when a business's rows are skewed, which at 1,000,000 invoices cost more than running the statement."""
    await _prepared(postgres_db)
    async with postgres_db.reads() as reader:
        assert isinstance(reader, DriverReader)
        for _ in range(8):
            await reader.rows(BY_TENANT, "tenant-a", above=0, limit=5)
        sql, _ = BY_TENANT.compiled(reader.dialect)
        plans = await reader.driver.fetch(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", sql
        )
    assert [(row["generic_plans"], row["custom_plans"]) for row in plans] == [(8, 0)]
