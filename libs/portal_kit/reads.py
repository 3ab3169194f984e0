"""Hot read paths: SELECTs built once at import, run on a pooled connection without an ORM session.

A `ReadQuery` wraps a Core `select()` whose values are bind parameters, one of them the tenant (`tenant_scope()`).
It is compiled once per dialect. On PostgreSQL a `Reader` runs the compiled text straight on the asyncpg connection
of SQLAlchemy's pool, where asyncpg keeps it as a prepared statement: no statement building, cache-key generation,
session or result processing per call. On any other database (SQLite in the local run), or inside an ambient unit of
work, the same statement runs through SQLAlchemy Core, so both paths answer the same rows.

Rows are positional (the select's columns, in order). Only parameters that need no conversion may be bound (ints,
strings, bools): a statement whose parameters need SQLAlchemy's bind processing is refused when it is compiled.

A ReadQuery may also be a `text()` statement written for PostgreSQL with untyped parameters (their types given by
CASTs in the text), e.g. one INSERT ... RETURNING with data-modifying CTEs: run by a `DriverReader` outside any
transaction, such a statement is its own transaction (see services/billing/new_invoices).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from opentelemetry.trace import SpanKind
from sqlalchemy import BindParameter, ColumnElement, String, Table, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select, TextClause

from portal_kit import tracing

TENANT_PARAM = "tenant"


def tenant_param() -> BindParameter[str]:
    return bindparam(TENANT_PARAM, type_=String)


def tenant_scope(table: Table) -> ColumnElement[bool]:
    """`tenant_id = :tenant` for a table of a ReadQuery (the tenant is bound on every run)."""
    return table.c.tenant_id == tenant_param()


class ReadQuery:
    """A SELECT built once (or a `text()` statement), with bind parameters, that must be scoped by the tenant
    (`tenant_scope()`, or `:tenant` in a text)."""

    def __init__(self, statement: Select[Any] | TextClause) -> None:
        names = set(statement.compile().params)
        if TENANT_PARAM not in names:
            raise ValueError("a ReadQuery needs the tenant condition (tenant_scope())")
        self.statement = statement
        self.param_names = frozenset(names)
        self._compiled: dict[str, tuple[str, tuple[str, ...]]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, tuple[str, ...]]:
        """The statement's SQL text for `dialect` and its parameters' names in positional order."""
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            converted = sorted(compiled._bind_processors)  # no public accessor; such a parameter would be wrong raw
            if converted:
                raise TypeError(f"parameters needing conversion cannot be bound raw: {converted}")
            found = str(compiled), tuple(compiled.positiontup or ())
            self._compiled[dialect.name] = found
        return found

    def check(self, params: dict[str, Any]) -> None:
        if params.keys() != self.param_names:
            raise TypeError(f"expected parameters {sorted(self.param_names)}, got {sorted(params)}")


class Reader(Protocol):
    async def rows(self, query: ReadQuery, tenant: str, **params: Any) -> Sequence[Sequence[Any]]:
        """The rows of `query` for `tenant`, as tuples of the select's columns."""
        ...


def _statement_span(system: str, statement: str) -> Any:
    operation = (statement.lstrip().split(None, 1) or ["SQL"])[0].upper()[:20]
    attributes = {"db.system": system, "db.operation": operation, "db.statement": statement[:2000]}
    return tracing.tracer().start_span(operation, kind=SpanKind.CLIENT, attributes=attributes)


class DriverReader:
    """Runs ReadQueries on an asyncpg connection (a prepared statement per query and connection)."""

    def __init__(self, driver: Any, dialect: Dialect, server_error: type[BaseException]) -> None:
        self.driver = driver
        self.dialect = dialect
        self.server_error = server_error
        self.broken: BaseException | None = None  # what left the connection in an unknown state, if anything did

    async def rows(self, query: ReadQuery, tenant: str, **params: Any) -> Sequence[Sequence[Any]]:
        params[TENANT_PARAM] = tenant
        query.check(params)
        sql, names = query.compiled(self.dialect)
        args = [params[name] for name in names]
        span = _statement_span("postgresql", sql) if tracing.in_span() else None
        try:
            return await self.driver.fetch(sql, *args)  # type: ignore[no-any-return]  # asyncpg Records
        except BaseException as error:
            if not isinstance(error, self.server_error) or self.driver.is_closed():
                self.broken = error
            if span is not None:
                tracing.mark_error(span, type(error).__name__)
            raise
        finally:
            if span is not None:
                span.end()


class CoreReader:
    """Runs ReadQueries through SQLAlchemy Core on a connection (SQLite, or the connection of an ambient unit of
    work); the engine's statement hooks (tracing) see them as usual."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def rows(self, query: ReadQuery, tenant: str, **params: Any) -> Sequence[Sequence[Any]]:
        params[TENANT_PARAM] = tenant
        query.check(params)
        return (await self.connection.execute(query.statement, params)).all()
