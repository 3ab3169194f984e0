"""Plans: what a subscription bills, at which price and interval. Currency, amount and interval are fixed after
create (subscriptions and their invoices rely on them); name and metadata change."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.ids import new_uuid
from portal_kit.money import normalize_currency
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.models import Plan
from services.subscriptions.periods import INTERVALS
from services.subscriptions.repository import PlanRepository
from services.subscriptions.subscriptions.repository import SubscriptionRepository

PLAN_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
MAX_METADATA_KEYS = 10


def checked_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Invoiced's metadata limits: at most 10 keys, keys of 1–40 characters, values of at most 255."""
    if len(metadata) > MAX_METADATA_KEYS:
        raise InvalidArgument(f"metadata may have at most {MAX_METADATA_KEYS} keys.", "metadata")
    for key, value in metadata.items():
        if not 1 <= len(key) <= 40:
            raise InvalidArgument("metadata keys must have 1 to 40 characters.", "metadata")
        if len(value) > 255:
            raise InvalidArgument(f"metadata[{key}] may have at most 255 characters.", f"metadata[{key}]")
    return dict(metadata)


def metadata_of(stored: str) -> dict[str, str]:
    loaded = json.loads(stored or "{}")
    return {str(k): str(v) for k, v in loaded.items()}


@dataclass(frozen=True)
class NewPlan:
    """A plan to create. An empty id gets a generated one; amount is in minor units of the currency."""

    id: str
    name: str
    currency: str
    amount: int
    interval: str
    interval_count: int = 1
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanChanges:
    """An update. Only name and metadata may change; the fixed fields are here to be refused with a message."""

    name: str | None = None
    metadata: dict[str, str] | None = None
    currency: str | None = None
    amount: int | None = None
    interval: str | None = None
    interval_count: int | None = None


async def create_plan(session: AsyncSession, new: NewPlan) -> Plan:
    plans = PlanRepository(session)
    plan_id = new.id or f"plan-{new_uuid()[:12]}"
    if not PLAN_ID.match(plan_id):
        raise InvalidArgument("A plan id may use letters, digits, '-' and '_' (at most 100).", "id")
    if not new.name.strip():
        raise InvalidArgument("A plan needs a name.", "name")
    if len(new.name.strip()) > 200:
        raise InvalidArgument("A plan's name may have at most 200 characters.", "name")
    if new.interval not in INTERVALS:
        raise InvalidArgument("interval must be one of day, week, month, year.", "interval")
    if not 1 <= new.interval_count <= 1000:
        raise InvalidArgument("interval_count must be between 1 and 1000.", "interval_count")
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
        metadata_json=json.dumps(checked_metadata(new.metadata), sort_keys=True),
    )
    return await plans.add_new(plan)


async def get_plan(session: AsyncSession, plan_id: str) -> Plan:
    return await PlanRepository(session).get(plan_id)


async def list_plans(session: AsyncSession, page: int, per_page: int) -> tuple[list[Plan], int]:
    return await PlanRepository(session).oldest_first(max(page, 1), min(max(per_page, 1), 100))


async def update_plan(session: AsyncSession, plan_id: str, changes: PlanChanges) -> Plan:
    plan = await PlanRepository(session).get_for_update(plan_id)
    fixed = {
        "currency": changes.currency is not None and normalize_currency(changes.currency) != plan.currency,
        "amount": changes.amount is not None and changes.amount != plan.amount,
        "interval": changes.interval is not None and changes.interval != plan.interval,
        "interval_count": changes.interval_count is not None and changes.interval_count != plan.interval_count,
    }
    for name, changed in fixed.items():
        if changed:
            raise InvalidArgument(
                f"A plan's {name} cannot change after it is created (subscriptions bill it); "
                "create a new plan and move the subscriptions to it.",
                name,
            )
    if changes.name is not None:
        if not changes.name.strip():
            raise InvalidArgument("A plan needs a name.", "name")
        if len(changes.name.strip()) > 200:
            raise InvalidArgument("A plan's name may have at most 200 characters.", "name")
        plan.name = changes.name.strip()
    if changes.metadata is not None:
        plan.metadata_json = json.dumps(checked_metadata(changes.metadata), sort_keys=True)
    plan.updated_at = utcnow()
    return await PlanRepository(session).save(plan)


async def delete_plan(session: AsyncSession, plan_id: str) -> None:
    """Deletes a plan no live subscription bills (as its plan or an addon); FailedPrecondition otherwise."""
    plans = PlanRepository(session)
    plan = await plans.get_for_update(plan_id)
    if await SubscriptionRepository(session).plan_in_live_use(plan.id):
        raise FailedPrecondition(
            f"Plan '{plan.id}' is billed by a live subscription; cancel or move those subscriptions first.", "id"
        )
    await plans.discard(plan)
