"""Creating, changing, canceling and listing subscriptions, and what they will bill.

Rules the API relies on:
- A subscription bills its plan (quantity × unit amount, the custom `amount` if set) plus its addons, every period of
  the plan's interval from `start_date` (services/subscriptions/periods.py).
- Addons are plans of the subscription's currency and interval; one addon line per plan.
- Changing plan, quantity, amount or addons during a period already billed records prorated credit and charge lines
  (services/subscriptions/proration.py) for the next invoice, unless `prorate` is false. Before the first period is
  billed nothing is prorated: the first invoice bills the new price.
- Canceling never erases: `status` canceled, `canceled_at`, an optional reason. A canceled or finished subscription
  changes no more.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.ids import new_public_id
from portal_kit.money import to_minor
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions import periods
from services.subscriptions.models import Plan
from services.subscriptions.plans import checked_metadata
from services.subscriptions.proration import proration_lines
from services.subscriptions.repository import PlanRepository
from services.subscriptions.subscriptions import events, links
from services.subscriptions.subscriptions.messages import metadata_of, status_of  # noqa: F401  (part of this module's interface)
from services.subscriptions.subscriptions.models import PendingProrationLine, Subscription, SubscriptionAddon
from services.subscriptions.subscriptions.pricing import Priced
from services.subscriptions.subscriptions.repository import (
    AddonRepository,
    PendingLineRepository,
    SubscriptionRepository,
)

MAX_QUANTITY = 10**9
MAX_TOTAL = 2**63 // 32  # a period's total; its MRR (up to ×30.4375 for daily plans) still fits int64
MAX_ADDONS = 20
MAX_CYCLES = 10_000
ENDED = ("canceled", "finished")
CLEARABLE = {"amount", "cycles", "trial_end"}


@dataclass(frozen=True)
class AddonIn:
    plan: str
    quantity: int = 1
    description: str | None = None
    amount_decimal: str | None = None


@dataclass(frozen=True)
class SubscriptionIn:
    """Create or update input; None = not given. `cleared` names fields set back to unset on update."""

    customer: int | None = None
    plan: str | None = None
    quantity: int | None = None
    amount_decimal: str | None = None
    start_date: datetime | None = None
    cycles: int | None = None
    cancel_at_period_end: bool | None = None
    addons: list[AddonIn] | None = None
    trial_end: datetime | None = None
    metadata: dict[str, str] | None = None
    prorate: bool = True
    proration_date: datetime | None = None
    cleared: frozenset[str] = field(default_factory=frozenset)
    sign_up_page: int | None = None  # create only: the sign-up page it came from


async def load(session: AsyncSession, subs: Sequence[Subscription]) -> list[Priced]:
    """The subscriptions with their plans and addons (one query each for all)."""
    addons = await AddonRepository(session).of([s.id for s in subs])
    wanted = {s.plan_id for s in subs} | {a.plan_id for found in addons.values() for a in found}
    plans = await PlanRepository(session).by_ids(sorted(wanted))
    priced = []
    for sub in subs:
        mine = addons[sub.id]
        priced.append(Priced(sub, plans[sub.plan_id], mine, {a.plan_id: plans[a.plan_id] for a in mine}))
    return priced


async def get(session: AsyncSession, subscription_id: int) -> Priced:
    [found] = await load(session, [await SubscriptionRepository(session).get(subscription_id)])
    return found


def _plan(plans: dict[str, Plan], plan_id: str, param: str) -> Plan:
    plan = plans.get(plan_id)
    if plan is None:
        raise InvalidArgument(f"No such plan: '{plan_id}'.", param)
    return plan


def _quantity(value: int, param: str) -> int:
    if not 1 <= value <= MAX_QUANTITY:
        raise InvalidArgument(f"{param} must be a whole number of at least 1.", param)
    return value


def _unit_amount(decimal: str, currency: str, param: str) -> int:
    minor = to_minor(decimal, currency, param)
    if minor < 0:
        raise InvalidArgument(f"{param} cannot be negative.", param)
    return minor


def _addons(
    given: list[AddonIn], plans: dict[str, Plan], main: Plan, subscription_id: int, now: datetime
) -> list[SubscriptionAddon]:
    if len(given) > MAX_ADDONS:
        raise InvalidArgument(f"A subscription may have at most {MAX_ADDONS} addons.", "addons")
    made: list[SubscriptionAddon] = []
    seen: set[str] = set()
    for index, entry in enumerate(given):
        param = f"addons[{index}]"
        plan = _plan(plans, entry.plan, f"{param}.plan")
        if plan.currency != main.currency:
            raise InvalidArgument(
                f"Addon plan '{plan.id}' is in {plan.currency.upper()}, the subscription's plan in "
                f"{main.currency.upper()}: an addon must be in the subscription's currency.",
                f"{param}.plan",
            )
        if (plan.interval, plan.interval_count) != (main.interval, main.interval_count):
            raise InvalidArgument(
                f"Addon plan '{plan.id}' bills every {plan.interval_count} {plan.interval}(s), the subscription "
                f"every {main.interval_count} {main.interval}(s): an addon must have the subscription's interval.",
                f"{param}.plan",
            )
        if plan.id in seen:
            raise InvalidArgument(f"Plan '{plan.id}' is an addon twice; use one addon with a quantity.", param)
        seen.add(plan.id)
        amount = None
        if entry.amount_decimal is not None:
            amount = _unit_amount(entry.amount_decimal, plan.currency, f"{param}.amount")
        description = (entry.description or "").strip() or None
        if description is not None and len(description) > 1000:
            raise InvalidArgument("An addon's description may have at most 1000 characters.", f"{param}.description")
        made.append(
            SubscriptionAddon(
                tenant_id="",
                id=new_public_id(),
                subscription_id=subscription_id,
                plan_id=plan.id,
                quantity=_quantity(entry.quantity, f"{param}.quantity"),
                description=description,
                amount=amount,
                created_at=now,
                updated_at=now,
            )
        )
    return made


def _check_total(priced: Priced) -> None:
    if priced.recurring_total > MAX_TOTAL:
        raise InvalidArgument("This subscription's total per period is too large.", "quantity")


def _cycles(value: int) -> int:
    if not 1 <= value <= MAX_CYCLES:
        raise InvalidArgument(f"cycles must be between 1 and {MAX_CYCLES} (or null: until canceled).", "cycles")
    return value


async def _plans_for(session: AsyncSession, given: SubscriptionIn, current: Sequence[str] = ()) -> dict[str, Plan]:
    """The plans the input names (and `current` ones), share-locked so that none is deleted meanwhile."""
    wanted = [*current, *([given.plan] if given.plan else []), *(a.plan for a in given.addons or [])]
    return await PlanRepository(session).by_ids(wanted, share_lock=True)


def build_new(
    given: SubscriptionIn, plans: dict[str, Plan], customer_currency: str | None, secret_key: bytes, now: datetime
) -> Priced:
    """A new subscription from the input, checked; not saved (create and preview both use it)."""
    if not given.plan:
        raise InvalidArgument("A subscription needs a plan.", "plan")
    plan = _plan(plans, given.plan, "plan")
    if customer_currency and customer_currency != plan.currency:
        raise InvalidArgument(
            f"Plan '{plan.id}' is in {plan.currency.upper()} and the customer is billed in "
            f"{customer_currency.upper()}.",
            "plan",
        )
    start = given.start_date or now
    nonce = links.new_nonce()
    sub = Subscription(
        tenant_id="",
        id=new_public_id(),
        customer_id=given.customer or 0,
        plan_id=plan.id,
        quantity=_quantity(given.quantity if given.quantity is not None else 1, "quantity"),
        amount=_unit_amount(given.amount_decimal, plan.currency, "amount")
        if given.amount_decimal is not None
        else None,
        currency=plan.currency,
        start_date=start,
        cycles=_cycles(given.cycles) if given.cycles is not None else None,
        period_start=start,
        period_end=start,
        cancel_at_period_end=bool(given.cancel_at_period_end),
        trial_end=given.trial_end,
        sign_up_page=given.sign_up_page,
        manage_nonce=nonce,
        manage_hash=links.manage_hash(secret_key, links.manage_token(secret_key, nonce)),
        metadata_json=json.dumps(checked_metadata(given.metadata or {}), sort_keys=True),
        created_at=now,
        updated_at=now,
    )
    addons = _addons(given.addons or [], plans, plan, sub.id, now)
    priced = Priced(sub, plan, addons, {a.plan_id: plans[a.plan_id] for a in addons})
    _check_total(priced)
    first = priced.period(0)
    sub.period_start, sub.period_end = first.start, first.end
    if given.trial_end is not None and given.trial_end < start:
        raise InvalidArgument("trial_end cannot be before start_date.", "trial_end")
    return priced


async def create(
    session: AsyncSession, given: SubscriptionIn, customer_currency: str | None, secret_key: bytes
) -> Priced:
    """Creates a subscription for a customer billing has confirmed (its currency, if any, in `customer_currency`)."""
    if not given.customer:
        raise InvalidArgument("A subscription needs a customer.", "customer")
    plans = await _plans_for(session, given)
    priced = build_new(given, plans, customer_currency, secret_key, utcnow())
    subs = SubscriptionRepository(session)
    priced.subscription.tenant_id = subs.tenant_id
    await subs.add(priced.subscription)
    for addon in priced.addons:
        AddonRepository(session).stage(addon)
    await session.flush()
    await events.record(session, "subscription.created", priced)
    return priced


@dataclass
class Updated:
    priced: Priced
    previous: Priced
    proration: list[PendingProrationLine]


def _same_calendar(a: Plan, b: Plan) -> bool:
    return (a.interval, a.interval_count) == (b.interval, b.interval_count)


async def update(session: AsyncSession, subscription_id: int, given: SubscriptionIn) -> Updated:
    subs = SubscriptionRepository(session)
    sub = await subs.get_for_update(subscription_id)
    [before] = await load(session, [sub])
    previous = Priced(_copy(sub), before.plan, [_copy_addon(a) for a in before.addons], dict(before.addon_plans))
    if sub.status in ENDED:
        raise FailedPrecondition(f"This subscription is {sub.status}: it cannot change any more.", "id")
    if given.customer is not None and given.customer != sub.customer_id:
        raise InvalidArgument("A subscription's customer cannot change; cancel it and create one for the other.",
                              "customer")  # fmt: skip
    unknown = given.cleared - CLEARABLE
    if unknown:
        raise InvalidArgument(f"{sorted(unknown)[0]} cannot be cleared.", sorted(unknown)[0])
    now = utcnow()
    plans = await _plans_for(session, given, [sub.plan_id, *before.addon_plans])
    plan = before.plan
    started_billing = sub.cycles_billed > 0
    if given.plan is not None and given.plan != sub.plan_id:
        plan = _plan(plans, given.plan, "plan")
        if plan.currency != sub.currency:
            raise InvalidArgument(
                f"Plan '{plan.id}' is in {plan.currency.upper()}, this subscription in {sub.currency.upper()}: "
                "a subscription keeps its currency.",
                "plan",
            )
        if started_billing and not _same_calendar(plan, before.plan):
            raise InvalidArgument(
                f"Plan '{plan.id}' bills every {plan.interval_count} {plan.interval}(s), this subscription every "
                f"{before.plan.interval_count} {before.plan.interval}(s): after its first invoice a subscription "
                "changes only to a plan of the same interval.",
                "plan",
            )
        sub.plan_id = plan.id
    if given.quantity is not None:
        sub.quantity = _quantity(given.quantity, "quantity")
    if given.amount_decimal is not None:
        sub.amount = _unit_amount(given.amount_decimal, sub.currency, "amount")
    elif "amount" in given.cleared:
        sub.amount = None
    if given.cycles is not None:
        sub.cycles = _cycles(given.cycles)
        if sub.cycles < sub.cycles_billed:
            raise InvalidArgument(f"cycles cannot be below the {sub.cycles_billed} periods already billed.", "cycles")
    elif "cycles" in given.cleared:
        sub.cycles = None
    if given.cancel_at_period_end is not None:
        sub.cancel_at_period_end = given.cancel_at_period_end
    if given.trial_end is not None:
        sub.trial_end = given.trial_end
    elif "trial_end" in given.cleared:
        sub.trial_end = None
    if given.metadata is not None:
        sub.metadata_json = json.dumps(checked_metadata(given.metadata), sort_keys=True)
    if given.start_date is not None and given.start_date != sub.start_date:
        if started_billing or now >= sub.start_date:
            raise InvalidArgument("start_date can change only before the subscription starts.", "start_date")
        sub.start_date = given.start_date
    addons = before.addons
    if given.addons is not None:
        addons = _addons(given.addons, plans, plan, sub.id, now)
    else:
        for index, addon in enumerate(addons):
            if (
                not _same_calendar(before.addon_plans[addon.plan_id], plan)
                or plans[addon.plan_id].currency != plan.currency
            ):
                raise InvalidArgument(f"Addon plan '{addon.plan_id}' does not have plan '{plan.id}''s interval; change "
                                      "the addons with the plan.", f"addons[{index}].plan")  # fmt: skip
    after = Priced(sub, plan, addons, {a.plan_id: plans[a.plan_id] for a in addons})
    _check_total(after)
    if not started_billing:
        first = after.period(0)
        sub.period_start, sub.period_end = first.start, first.end
    if sub.trial_end is not None and sub.trial_end < sub.start_date:
        raise InvalidArgument("trial_end cannot be before start_date.", "trial_end")
    lines: list[PendingProrationLine] = []
    if given.prorate and started_billing and previous.charges() != after.charges():
        at = given.proration_date or now
        if not sub.period_start <= at <= sub.period_end:
            raise InvalidArgument("proration_date must be within the current period "
                                  f"({sub.period_start:%Y-%m-%d %H:%M} – {sub.period_end:%Y-%m-%d %H:%M} UTC).",
                                  "proration_date")  # fmt: skip
        pending = PendingLineRepository(session)
        for line in proration_lines(previous.charges(), after.charges(), sub.period_start, sub.period_end, at):
            row = PendingProrationLine(tenant_id="", id=new_public_id(), subscription_id=sub.id, name=line.name,
                                       description=line.description, plan_id=line.plan, quantity=1,
                                       unit_cost=line.amount, amount=line.amount, period_start=line.period_start,
                                       period_end=line.period_end, created_at=now)  # fmt: skip
            lines.append(pending.stage(row))
    sub.updated_at = now
    await subs.save(sub)
    if given.addons is not None:
        await AddonRepository(session).replace(sub.id, addons)
    await events.record(session, "subscription.updated", after, previous)
    return Updated(after, previous, lines)


def _copy(sub: Subscription) -> Subscription:
    return Subscription.model_validate(sub.model_dump())


def _copy_addon(addon: SubscriptionAddon) -> SubscriptionAddon:
    return SubscriptionAddon.model_validate(addon.model_dump())


@dataclass
class Canceled:
    priced: Priced
    previous: Priced
    changed: bool


async def cancel(session: AsyncSession, subscription_id: int, reason: str | None, at_period_end: bool) -> Canceled:
    """Cancels now, or at the end of the current period (the scheduler ends it then, with no further invoice).
    Canceling a canceled subscription again changes nothing."""
    subs = SubscriptionRepository(session)
    sub = await subs.get_for_update(subscription_id)
    [before] = await load(session, [sub])
    previous = Priced(_copy(sub), before.plan, before.addons, before.addon_plans)
    if sub.status == "canceled":
        return Canceled(before, previous, changed=False)
    if sub.status == "finished":
        raise FailedPrecondition("This subscription has finished: there is nothing left to cancel.", "id")
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 1000:
        raise InvalidArgument("canceled_reason may have at most 1000 characters.", "canceled_reason")
    now = utcnow()
    if at_period_end:
        sub.cancel_at_period_end = True
    else:
        sub.status = "canceled"
        sub.canceled_at = now
    sub.canceled_reason = reason or sub.canceled_reason
    sub.updated_at = now
    await subs.save(sub)
    # At the period's end: an update now (cancel_at_period_end), and `.canceled` when the scheduler ends it.
    await events.record(session, "subscription.updated" if at_period_end else "subscription.canceled", before, previous)
    return Canceled(before, previous, changed=True)


def statuses_listed(canceled: bool, finished: bool) -> tuple[str, ...]:
    """Live ones by default; `canceled`/`finished` list those instead (both: both)."""
    if canceled or finished:
        return (*(("canceled",) if canceled else ()), *(("finished",) if finished else ()))
    return ("active", "past_due")


async def listing(
    session: AsyncSession,
    page: int,
    per_page: int,
    customer: int | None = None,
    plan: str | None = None,
    canceled: bool = False,
    finished: bool = False,
) -> tuple[list[Priced], int]:
    page, per_page = max(page, 1), min(max(per_page, 1), 100)
    rows, total = await SubscriptionRepository(session).listing(
        page, per_page, customer, plan, statuses_listed(canceled, finished)
    )
    return await load(session, rows), total


async def preview(
    session: AsyncSession, given: SubscriptionIn, customer_currency: str | None, secret_key: bytes
) -> Priced:
    """The subscription the input would create, checked, with nothing saved."""
    plans = await PlanRepository(session).by_ids(
        [*([given.plan] if given.plan else []), *(a.plan for a in given.addons or [])]
    )
    return build_new(given, plans, customer_currency, secret_key, utcnow())


async def unbilled_lines(session: AsyncSession, subscription_id: int) -> list[PendingProrationLine]:
    return await PendingLineRepository(session).unbilled(subscription_id)


def next_period_index(sub: Subscription) -> int | None:
    """The period the next invoice bills, or None when no invoice will come (ended, canceling, cycles done)."""
    if sub.status in ENDED:
        return None
    if sub.cycles is not None and sub.cycles_billed >= sub.cycles:
        return None
    if sub.cancel_at_period_end and sub.cycles_billed > 0:
        return None
    return sub.cycles_billed + sub.periods_skipped


async def set_paused(session: AsyncSession, subscription_id: int, paused: bool, now: datetime | None = None) -> Updated:
    """Pauses or resumes (the portal's setting decides who may). A canceled or finished one cannot."""
    subs = SubscriptionRepository(session)
    sub = await subs.get_for_update(subscription_id)
    [before] = await load(session, [sub])
    previous = Priced(_copy(sub), before.plan, before.addons, before.addon_plans)
    if sub.status in ENDED:
        raise FailedPrecondition(f"This subscription is {sub.status}: it cannot change any more.", "id")
    now = now or utcnow()
    if sub.paused and not paused:
        _skip_paused_periods(before, now)
    sub.paused = paused
    sub.updated_at = now
    await subs.save(sub)
    await events.record(session, "subscription.updated", before, previous)
    return Updated(before, previous, [])


def _skip_paused_periods(priced: Priced, now: datetime) -> None:
    """On resume, the periods that started while it was paused are passed over, never billed (no catch-up): the
    next invoice bills the first period that starts after `now`."""
    sub = priced.subscription
    index = next_period_index(sub)
    if index is None or priced.period(index).start > now:
        return
    current = periods.period_at(sub.start_date, priced.plan.interval, priced.plan.interval_count, now)
    sub.periods_skipped += current.index + 1 - index
    # period_start/end: the last period (billed, or here passed over) once billing started, else the first to bill.
    shown = current if sub.cycles_billed > 0 else priced.period(current.index + 1)
    sub.period_start, sub.period_end = shown.start, shown.end
