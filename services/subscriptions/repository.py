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
