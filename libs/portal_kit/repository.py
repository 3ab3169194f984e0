"""Tenant-scoped repositories: every query, update and delete starts from a condition on the tenant.

Domain modules never build SQL; they call repository methods. A subclass adds the queries of its domain on top of
`base()`, `scope()`, `update()`, `delete()` and `count()`, so none of them repeats the tenant condition by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Table, func, tuple_
from sqlalchemy import delete as sql_delete
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from portal_kit.context import current_tenant
from portal_kit.errors import DomainError, NotFound
from portal_kit.keyset import AFTER, BEFORE, CursorCodec, Walk, last_page_size, sort_key_of, walk_of

M = TypeVar("M", bound=SQLModel)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class (SQLModel types `__table__` loosely)."""
    table = model.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table=True classes only
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


class TenantRepository(Generic[M]):
    """Subclasses set `model` (with `tenant_id` and `id` columns) and `noun` (for error messages)."""

    model: type[M]
    noun: str = "object"

    def __init__(self, session: AsyncSession, tenant_id: str | None = None) -> None:
        """The tenant is the call's, or `tenant_id` for a call that finds its tenant itself (an operator's, by name)."""
        self.session = session
        self.tenant_id = tenant_id or current_tenant()

    def scope(self, model: type[SQLModel] | None = None) -> ColumnElement[bool]:
        """`tenant_id = <this tenant>` for `model` (default: this repository's), for joins and subqueries."""
        return table_of(model or self.model).c.tenant_id == self.tenant_id

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
