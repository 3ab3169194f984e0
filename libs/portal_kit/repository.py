"""Tenant-scoped repositories: every query starts from a base that already filters on the tenant."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import func
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from portal_kit.context import current_tenant
from portal_kit.errors import NotFound

M = TypeVar("M", bound=SQLModel)


class TenantRepository(Generic[M]):
    """Subclasses set `model` (with `tenant_id` and `id` columns) and `noun` (for error messages)."""

    model: type[M]
    noun: str = "object"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.tenant_id = current_tenant()

    def base(self) -> SelectOfScalar[M]:
        return select(self.model).where(self.model.tenant_id == self.tenant_id)  # type: ignore[attr-defined]

    async def find(self, object_id: Any) -> M | None:
        result = await self.session.exec(self.base().where(self.model.id == object_id))  # type: ignore[attr-defined]
        return result.first()

    async def get(self, object_id: Any) -> M:
        """A wrong-tenant id answers exactly like a missing one."""
        found = await self.find(object_id)
        if found is None:
            raise NotFound(f"No such {self.noun}: '{object_id}'", "id")
        return found

    async def add(self, obj: M) -> M:
        obj.tenant_id = self.tenant_id  # type: ignore[attr-defined]
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def page(self, query: SelectOfScalar[M], page: int, per_page: int) -> tuple[list[M], int]:
        count_query = select(func.count()).select_from(query.order_by(None).subquery())
        total = (await self.session.exec(count_query)).one()
        rows = await self.session.exec(query.offset((page - 1) * per_page).limit(per_page))
        return list(rows.all()), int(total)
