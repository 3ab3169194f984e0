"""Subscriptions' SQL, scoped by tenant."""

from __future__ import annotations

from portal_kit.errors import AlreadyExists
from portal_kit.repository import TenantRepository
from sqlmodel import col

from services.subscriptions.models import Plan


class PlanRepository(TenantRepository[Plan]):
    model = Plan
    noun = "plan"

    async def add_new(self, plan: Plan) -> Plan:
        """Inserts a plan; an id taken, even by a concurrent call, is AlreadyExists."""
        refusal = AlreadyExists(f"A plan with id '{plan.id}' already exists.", "id")
        plan_id = plan.id
        async with self.unique(lambda: self._taken(plan_id), refusal):
            await self.add(plan)
        return plan

    async def _taken(self, plan_id: str) -> bool:
        return await self.find(plan_id) is not None

    async def oldest_first(self, page: int, per_page: int) -> tuple[list[Plan], int]:
        return await self.page(self.base().order_by(col(Plan.created_at), col(Plan.pk)), page, per_page)

    async def by_ids(self, plan_ids: list[str], share_lock: bool = False) -> dict[str, Plan]:
        """The plans among these ids; `share_lock` keeps them from being deleted until the transaction ends."""
        if not plan_ids:
            return {}
        query = self.base().where(col(Plan.id).in_(sorted(set(plan_ids))))
        if share_lock:
            query = query.with_for_update(read=True)
        return {p.id: p for p in await self.all(query)}

    async def get_for_update(self, plan_id: str) -> Plan:
        found = await self.first(self.base().where(col(Plan.id) == plan_id).with_for_update())
        return found if found is not None else await self.get(plan_id)
