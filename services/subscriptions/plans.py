"""Plans: what a subscription bills, at which price and interval."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal_kit.errors import InvalidArgument
from portal_kit.ids import new_uuid
from portal_kit.money import normalize_currency
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.models import Plan
from services.subscriptions.repository import PlanRepository

INTERVALS = {"day", "week", "month", "year"}
PLAN_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


@dataclass(frozen=True)
class NewPlan:
    """A plan to create. An empty id gets a generated one; amount is in minor units of the currency."""

    id: str
    name: str
    currency: str
    amount: int
    interval: str
    interval_count: int = 1


async def create_plan(session: AsyncSession, new: NewPlan) -> Plan:
    plans = PlanRepository(session)
    plan_id = new.id or f"plan-{new_uuid()[:12]}"
    if not PLAN_ID.match(plan_id):
        raise InvalidArgument("A plan id may use letters, digits, '-' and '_' (at most 100).", "id")
    if not new.name.strip():
        raise InvalidArgument("A plan needs a name.", "name")
    if new.interval not in INTERVALS:
        raise InvalidArgument("interval must be one of day, week, month, year.", "interval")
    if new.interval_count < 1:
        raise InvalidArgument("interval_count must be at least 1.", "interval_count")
    if new.amount < 0:
        raise InvalidArgument("amount cannot be negative.", "amount")
    plan = Plan(
        tenant_id=plans.tenant_id,
        id=plan_id,
        name=new.name.strip(),
        currency=normalize_currency(new.currency),
        amount=new.amount,
        interval=new.interval,
        interval_count=new.interval_count,
    )
    return await plans.add_new(plan)


async def get_plan(session: AsyncSession, plan_id: str) -> Plan:
    return await PlanRepository(session).get(plan_id)


async def list_plans(session: AsyncSession, page: int, per_page: int) -> tuple[list[Plan], int]:
    return await PlanRepository(session).oldest_first(max(page, 1), min(max(per_page, 1), 100))
