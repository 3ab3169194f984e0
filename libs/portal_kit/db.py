"""Async database access: one engine per service, one unit of work per request/RPC, committed at the edge."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from opentelemetry.trace import SpanKind
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

from portal_kit import tracing
from portal_kit.reads import CoreReader, DriverReader, Reader


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _enable_sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]  # DB-API objects are untyped
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


_SPAN = "_portal_span"


def trace_statements(engine: Engine, system: str) -> None:
    """A client span per SQL statement, a child of the current span (the RPC or event being handled): its
    operation and the statement with placeholders (never the parameters). Hooked only while tracing is on;
    statements outside any span (background polls) make none."""

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if not tracing.in_span():
            return
        operation = (statement.lstrip().split(None, 1) or ["SQL"])[0].upper()[:20]
        attributes = {"db.system": system, "db.operation": operation, "db.statement": statement[:2000]}
        if context is not None:
            setattr(context, _SPAN, tracing.tracer().start_span(operation, kind=SpanKind.CLIENT, attributes=attributes))

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        span = getattr(context, _SPAN, None)
        if span is not None:
            span.end()
            setattr(context, _SPAN, None)

    def failed(error: ExceptionContext) -> None:
        span = getattr(error.execution_context, _SPAN, None)
        if span is not None:
            tracing.mark_error(span, type(error.original_exception).__name__)
            span.end()
            setattr(error.execution_context, _SPAN, None)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)


def pool_size() -> int:
    """Connections kept open per service: enough for the calls one process serves at once (the gateway sends
    up to 16 concurrent pages x 2 calls), so that no PostgreSQL backend is opened under load."""
    return int(os.environ.get("PORTAL_DB_POOL_SIZE") or "24")


_ambient: ContextVar[tuple[Database, AsyncSession] | None] = ContextVar("ambient_unit_of_work", default=None)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        if is_sqlite(url):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: AsyncEngine = create_async_engine(url)
            event.listen(self.engine.sync_engine, "connect", _enable_sqlite_pragmas)
        else:
            # No pre-ping (it costs a round trip per unit of work): a dropped connection fails the one unit of
            # work that meets it, SQLAlchemy recognises the disconnect and invalidates the pool, and the next unit
            # of work gets a fresh connection. asyncpg's prepared statements are kept per connection.
            self.engine = create_async_engine(
                url,
                pool_size=pool_size(),
                max_overflow=8,
                pool_pre_ping=False,
                pool_recycle=3600,
                connect_args={
                    "prepared_statement_cache_size": 500,
                    # Every statement is tenant-scoped and written for its indexes: a generic plan is right for all
                    # of them. PostgreSQL would otherwise plan again on every execution whenever a business's
                    # rows are skewed (a customer with 25 invoices in a business with 1,000,000).
                    "server_settings": {"plan_cache_mode": "force_generic_plan"},
                },
            )
        if tracing.active():
            trace_statements(self.engine.sync_engine, "sqlite" if is_sqlite(url) else "postgresql")
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._raw_reads = self.engine.dialect.driver == "asyncpg"
        # An error the server answered leaves the connection usable; anything else (a dropped connection, a
        # cancelled statement) does not.
        self._server_error: type[BaseException] = (
            self.engine.dialect.dbapi.asyncpg.PostgresError if self._raw_reads else Exception  # type: ignore[union-attr]  # the asyncpg adaptor module
        )

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """Commits when the block ends normally, rolls back on any exception. Services only flush().

        Inside an `ambient_unit_of_work()` of the same database, joins it instead: the outer block commits."""
        ambient = _ambient.get()
        if ambient is not None and ambient[0] is self:
            yield ambient[1]
            return
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def read_only(self) -> AsyncIterator[AsyncSession]:
        """For calls that only read: each statement runs on its own (autocommit), so a call costs no BEGIN and
        COMMIT round trips. Writes through it would not be atomic: anything that writes uses unit_of_work().

        Inside an `ambient_unit_of_work()` of the same database, joins it (reads see its writes)."""
        ambient = _ambient.get()
        if ambient is not None and ambient[0] is self:
            yield ambient[1]
            return
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                yield session

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[Reader]:
        """For the hottest reads (portal_kit.reads): ReadQueries on one pooled connection, each statement on its own
        (autocommit), with no session. On PostgreSQL they run on the asyncpg connection itself, as prepared
        statements; elsewhere through SQLAlchemy Core. Inside an `ambient_unit_of_work()` of the same database, they
        run on its connection (they see its writes)."""
        ambient = _ambient.get()
        if ambient is not None and ambient[0] is self:
            yield CoreReader(await ambient[1].connection())
            return
        if not self._raw_reads:
            async with self.engine.connect() as connection:
                yield CoreReader(connection)
            return
        pooled = await self.engine.raw_connection()
        # A raw asyncpg connection is in autocommit unless a transaction is started: none is, here.
        reader = DriverReader(pooled.driver_connection, self.engine.dialect, self._server_error)
        try:
            yield reader
        finally:
            if reader.broken is None:
                await greenlet_spawn(pooled.close)
            else:
                # A dropped connection, or a statement cancelled half way: its state is unknown, so it is closed
                # rather than given to the next call.
                await greenlet_spawn(pooled.invalidate, reader.broken)

    def single_statement_writes(self) -> bool:
        """Whether a write made of ONE statement may run on `reads()`'s driver connection as its own transaction
        (no BEGIN and COMMIT round trips): on PostgreSQL, outside an `ambient_unit_of_work()` (whose writes must
        join its transaction and its session, e.g. a keyed call's stored reply). Otherwise use unit_of_work()."""
        ambient = _ambient.get()
        return self._raw_reads and (ambient is None or ambient[0] is not self)

    @asynccontextmanager
    async def ambient_unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that every `unit_of_work()` of this database opened inside it joins (one transaction)."""
        async with self.unit_of_work() as session:
            token = _ambient.set((self, session))
            try:
                yield session
            finally:
                _ambient.reset(token)

    async def dispose(self) -> None:
        await self.engine.dispose()
