"""Plans: what a subscription bills, at which price and interval."""

from __future__ import annotations

import re

from portal_kit.errors import AlreadyExists, InvalidArgument
from portal_kit.ids import new_uuid
from portal_kit.money import normalize_currency
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.models import Plan
from services.subscriptions.repository import PlanRepository

INTERVALS = {"day", "week", "month", "year"}
PLAN_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


async def create_plan(
    session: AsyncSession, *, plan_id: str, name: str, currency: str, amount: int, interval: str, interval_count: int
) -> Plan:
    plans = PlanRepository(session)
    plan_id = plan_id or f"plan-{new_uuid()[:12]}"
    if not PLAN_ID.match(plan_id):
        raise InvalidArgument("A plan id may use letters, digits, '-' and '_' (at most 100).", "id")
    if not name.strip():
        raise InvalidArgument("A plan needs a name.", "name")
    if interval not in INTERVALS:
        raise InvalidArgument("interval must be one of day, week, month, year.", "interval")
    if interval_count < 1:
        raise InvalidArgument("interval_count must be at least 1.", "interval_count")
    if amount < 0:
        raise InvalidArgument("amount cannot be negative.", "amount")
    if await plans.find(plan_id) is not None:
        raise AlreadyExists(f"A plan with id '{plan_id}' already exists.", "id")
    plan = Plan(
        tenant_id=plans.tenant_id,
        id=plan_id,
        name=name.strip(),
        currency=normalize_currency(currency),
        amount=amount,
        interval=interval,
        interval_count=interval_count,
    )
    return await plans.add(plan)


async def get_plan(session: AsyncSession, plan_id: str) -> Plan:
    return await PlanRepository(session).get(plan_id)


async def list_plans(session: AsyncSession, page: int, per_page: int) -> tuple[list[Plan], int]:
    plans = PlanRepository(session)
    query = plans.base().order_by(Plan.created_at, Plan.pk)  # type: ignore[arg-type]
    return await plans.page(query, max(page, 1), min(max(per_page, 1), 100))
