"""Tenant-scoped repositories: every query, update and delete starts from a condition on the tenant.

Domain modules never build SQL; they call repository methods. A subclass adds the queries of its domain on top of
`base()`, `scope()`, `update()`, `delete()` and `count()`, so none of them repeats the tenant condition by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache, partial
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Table, bindparam, func, insert, tuple_
from sqlalchemy import delete as sql_delete
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Result
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from portal_kit.context import current_tenant
from portal_kit.errors import DomainError, NotFound
from portal_kit.keyset import AFTER, BEFORE, CursorCodec, Walk, last_page_size, sort_key_of, walk_of
from portal_kit.reads import TENANT_PARAM

M = TypeVar("M", bound=SQLModel)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class (SQLModel types `__table__` loosely)."""
    table = model.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table=True classes only
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


_IMMUTABLE = (type(None), bool, int, float, str, bytes)


@cache
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]], frozenset[str]]:
    """A model's constant defaults, its default factories and its required fields."""
    constant: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    required = set()
    for name, info in model.model_fields.items():
        if info.is_required():
            required.add(name)
        elif info.default_factory is not None and not info.default_factory_takes_validated_data:
            factories.append((name, info.default_factory))  # type: ignore[arg-type]  # a factory of no arguments
        elif isinstance(info.default, _IMMUTABLE):
            constant[name] = info.default
        else:
            factories.append((name, partial(info.get_default, call_default_factory=True, validated_data={})))
    return constant, factories, frozenset(required)


def new_row(model: type[M], **values: Any) -> M:
    """A new, unsaved `model` with `values` and the model's defaults for the rest: the object `model(**values)`
    makes, built the way the ORM builds the rows it loads, with the values put straight into the instance's dict.

    SQLModel's constructor sets every field through SQLAlchemy's and pydantic's attribute machinery one by one
    (it validates nothing for a table model), which costs more than writing a small row; rows written with Core
    (`column_values`, `bound_insert`) are built with this instead."""
    constant, factories, required = _defaults(model)
    unknown = values.keys() - model.model_fields.keys()
    missing = required - values.keys()
    if unknown or missing:
        raise TypeError(f"{model.__name__}: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
    obj: M = manager_of_class(model).new_instance()
    fields = obj.__dict__
    fields.update(constant)
    for name, factory in factories:
        fields[name] = factory()
    fields.update(values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    return obj


@cache
def insert_columns(table: Table) -> tuple[str, ...]:
    """The columns an INSERT of a new row of `table` writes: all but an autoincrementing primary key."""
    return tuple(column.key for column in table.columns if column is not table.autoincrement_column)


def column_values(obj: SQLModel) -> dict[str, Any]:
    """What an INSERT of `obj` (a new row) writes: its value of every `insert_columns()` column."""
    fields = obj.__dict__
    return {name: fields[name] for name in insert_columns(table_of(type(obj)))}


def bound_insert(table: Table, names: Sequence[str], prefix: str = "") -> Insert:
    """An INSERT of one row whose values are bind parameters, `prefix` + column name (see `bound_values`). Built
    once and executed with parameters, a statement costs SQLAlchemy no building and no cache key per execution."""
    return insert(table).values({name: bindparam(prefix + name, type_=table.c[name].type) for name in names})


def unnest_insert(table: Table, names: Sequence[str], prefix: str, **same: ColumnElement[Any]) -> Insert:
    """An INSERT of many rows for PostgreSQL: each column of `names` is bound as one array, `prefix` + column name
    (see `bound_arrays`), and unnested; the columns of `same` take that SQL expression in every row. Its text does
    not depend on the number of rows, so it is compiled and prepared once (SQLAlchemy compiles a multi-row VALUES
    anew at every execution)."""
    arrays = [bindparam(prefix + name, type_=ARRAY(table.c[name].type)) for name in names]
    given = func.unnest(*arrays).table_valued(*names).render_derived(name="given")
    columns = [*(given.c[name] for name in names), *same.values()]
    return insert(table).from_select([*names, *same], select(*columns))


def bound_values(prefix: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a `bound_insert` for one row."""
    return {prefix + name: value for name, value in values.items()}


def bound_arrays(prefix: str, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The parameters of an `unnest_insert` for these rows."""
    return {prefix + name: [row[name] for row in rows] for name in names}


def adopt(session: AsyncSession, obj: SQLModel, **written: Any) -> None:
    """Puts a new row written with Core into the session as if a query had loaded it, with what the database gave
    it (`written`, e.g. its primary key): later changes to it are flushed as UPDATEs."""
    obj.__dict__.update(written)
    make_transient_to_detached(obj)
    session.add(obj)


class TenantRepository(Generic[M]):
    """Subclasses set `model` (with `tenant_id` and `id` columns) and `noun` (for error messages)."""

    model: type[M]
    noun: str = "object"

    def __init__(self, session: AsyncSession, tenant_id: str | None = None) -> None:
        """The tenant is the call's, or `tenant_id` for a call that finds its tenant itself (an operator's, by name)."""
        self.session = session
        self.tenant_id = tenant_id or current_tenant()

    @property
    def dialect(self) -> str:
        """The database's dialect name ("postgresql", "sqlite"), for the statements written for one of them."""
        return self.session.sync_session.get_bind().dialect.name

    def scope(self, model: type[SQLModel] | None = None) -> ColumnElement[bool]:
        """`tenant_id = <this tenant>` for `model` (default: this repository's), for joins and subqueries."""
        return table_of(model or self.model).c.tenant_id == self.tenant_id

    async def execute_bound(self, statement: Executable, **params: Any) -> Result[Any]:
        """Runs a statement built once with `portal_kit.reads.tenant_scope()` conditions (no building and no cache
        key per call) in this repository's session, for its tenant."""
        return await self.session.execute(statement, {TENANT_PARAM: self.tenant_id, **params})

    def base(self) -> SelectOfScalar[M]:
        return select(self.model).where(self.scope())

    async def first(self, query: SelectOfScalar[M]) -> M | None:
        return (await self.session.exec(query)).first()

    async def all(self, query: SelectOfScalar[M]) -> list[M]:
        return list((await self.session.exec(query)).all())

    async def find(self, object_id: Any) -> M | None:
        return await self.first(self.base().where(table_of(self.model).c.id == object_id))

    async def get(self, object_id: Any) -> M:
        """A wrong-tenant id answers exactly like a missing one."""
        found = await self.find(object_id)
        if found is None:
            raise NotFound(f"No such {self.noun}: '{object_id}'", "id")
        return found

    async def add(self, obj: M) -> M:
        self.stage(obj)
        await self.session.flush()
        return obj

    def stage(self, obj: M) -> M:
        """Adds an object for this tenant, written by the session's next flush (with whatever else is staged)."""
        obj.tenant_id = self.tenant_id
        self.session.add(obj)
        return obj

    async def save(self, obj: M) -> M:
        """Writes the changes made to an object this repository loaded."""
        self._check_own(obj)
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def discard(self, obj: M) -> None:
        """Deletes an object this repository loaded."""
        self._check_own(obj)
        await self.session.delete(obj)
        await self.session.flush()

    async def update(self, *conditions: ColumnElement[bool], values: Mapping[str, Any]) -> int:
        """UPDATE this tenant's rows that match all conditions; the number of rows changed.

        Objects of these rows already loaded in the session keep the values they were loaded with (callers compare
        before and after, e.g. to count what was still active).
        """
        statement = sql_update(self.model).where(self.scope(), *conditions).values(dict(values))
        return await self._rowcount(statement.execution_options(synchronize_session=False))

    async def delete(self, *conditions: ColumnElement[bool]) -> int:
        """DELETE this tenant's rows that match all conditions; the number of rows deleted.

        A row that a concurrent call already removed is no error. Loaded objects of these rows leave the session.
        """
        return await self._rowcount(sql_delete(self.model).where(self.scope(), *conditions))

    async def count(self, *conditions: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(table_of(self.model)).where(self.scope(), *conditions)
        return int((await self.session.exec(query)).one())

    async def exists(self, *conditions: ColumnElement[bool]) -> bool:
        return await self.first(self.base().where(*conditions).limit(1)) is not None

    @asynccontextmanager
    async def unique(self, taken: Callable[[], Awaitable[bool]], refusal: DomainError) -> AsyncIterator[None]:
        """Runs the writes inside in a savepoint, so a unique constraint decides races between concurrent calls.

        On an integrity error the savepoint is rolled back (the transaction stays usable) and `taken()` says whether
        the unique value was the cause: then `refusal` is raised instead of an internal error.
        """
        try:
            async with self.session.begin_nested():
                yield
        except IntegrityError:
            if await taken():
                raise refusal from None
            raise

    async def page(self, query: SelectOfScalar[M], page: int, per_page: int) -> tuple[list[M], int]:
        count_query = select(func.count()).select_from(query.order_by(None).subquery())
        total = (await self.session.exec(count_query)).one()
        rows = await self.all(query.offset((page - 1) * per_page).limit(per_page))
        return rows, int(total)

    async def walk(
        self, query: SelectOfScalar[M], codec: CursorCodec, key: str, page: int, per_page: int, cursor: str
    ) -> Walk:
        """A page of `query` (unordered) in (created_at, pk) order. With a cursor (from a previous page of the same
        list, see portal_kit.keyset), the page starts at its sort key through the (tenant, created_at, pk) index:
        no count and no OFFSET. Without one, `page` is counted and skipped to, as page numbers always were."""
        table = table_of(self.model)
        created, pk = table.c.created_at, table.c.pk
        if not cursor:
            rows, total = await self.page(query.order_by(created, pk), page, per_page)
            return walk_of(codec, self.tenant_id, key, rows, total, page, per_page)
        position = codec.open(self.tenant_id, key, cursor)
        if position.direction == AFTER:
            query = query.where(tuple_(created, pk) > tuple_(*sort_key_of(position))).order_by(created, pk)
            rows = await self.all(query.limit(per_page))
        else:
            if position.direction == BEFORE:
                query = query.where(tuple_(created, pk) < tuple_(*sort_key_of(position)))
                size = per_page
            else:
                size = last_page_size(position.total, per_page)
            rows = list(reversed(await self.all(query.order_by(created.desc(), pk.desc()).limit(size))))
        return walk_of(codec, self.tenant_id, key, rows, position.total, position.page, per_page)

    def _check_own(self, obj: M) -> None:
        if getattr(obj, "tenant_id", None) != self.tenant_id:
            raise NotFound(f"No such {self.noun}", "id")

    async def _rowcount(self, statement: UpdateBase) -> int:
        result = await self.session.exec(statement)
        return int(result.rowcount)
