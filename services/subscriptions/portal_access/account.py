"""The customer's side of subscriptions (the portal): what the principal may see, and the changes the business's
settings allow, checked here whatever the portal's pages offered.

- Visibility: a customer sees its own subscriptions; a guest from a "Manage Subscription" link in subscription
  scope sees that one subscription only. Anything else reads as missing (NotFound), like another tenant's.
- Settings: a change the business does not allow is PermissionDenied with a sentence for the customer.
- Step-up: when the business keeps `require_full_sign_in` on, a guest (temporary session) may not cancel, pause,
  resume or make a change that raises the recurring total: PermissionDenied with param `sign_in`, which the
  gateway turns into the full-sign-in page.
- Pause (Invoiced's `paused`): no period is billed while paused; resuming bills from the next period on. Offered
  only when the business turns `allow_pause` on.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from portal_kit.principal import Principal
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.models import Plan
from services.subscriptions.portal_access import settings as portal_settings
from services.subscriptions.portal_access.models import SubscriptionPortalSettings
from services.subscriptions.repository import PlanRepository
from services.subscriptions.subscriptions import links, operations
from services.subscriptions.subscriptions.models import Subscription
from services.subscriptions.subscriptions.operations import ENDED, SubscriptionIn
from services.subscriptions.subscriptions.pricing import Priced
from services.subscriptions.subscriptions.repository import SubscriptionRepository

SUBSCRIPTION = "subscription"  # the principal's document type for a subscription-scope guest
SIGN_IN = "sign_in"  # the param of a refusal that a full sign-in would lift
LISTED = ("active", "past_due", "canceled", "finished")
MAX_LISTED = 100
NEEDS_SIGN_IN = "Sign in to your account to {action}: the link you opened lets you look, not make this change."


def may_see(principal: Principal, sub: Subscription) -> bool:
    return principal.may_see(SUBSCRIPTION, sub.id, sub.customer_id)


async def own(session: AsyncSession, principal: Principal, subscription_id: int) -> Priced:
    """The principal's subscription, or NotFound (worded like a missing one)."""
    found = await SubscriptionRepository(session).find(subscription_id)
    if found is None or not may_see(principal, found):
        raise NotFound(f"No such subscription: '{subscription_id}'", "id")
    [priced] = await operations.load(session, [found])
    return priced


async def listing(session: AsyncSession, principal: Principal) -> list[Priced]:
    """The principal's subscriptions: the live ones first, then the ended ones, newest first within each."""
    if not principal.whole_account:
        if principal.document_type != SUBSCRIPTION or principal.document_id is None:
            return []
        try:
            return [await own(session, principal, principal.document_id)]
        except NotFound:
            return []
    rows, _ = await SubscriptionRepository(session).listing(1, MAX_LISTED, principal.customer_id, None, LISTED)
    rows.sort(key=lambda s: (s.status in ENDED, -s.created_at.timestamp(), -(s.pk or 0)))
    return await operations.load(session, rows)


async def switchable_plans(session: AsyncSession, settings: SubscriptionPortalSettings, priced: Priced) -> list[Plan]:
    """The plans this subscription may switch to: the business's switchable ones, same currency (and, once billed,
    same interval), other than its own; none when plan changes are off."""
    if not settings.allow_plan_change or priced.subscription.status in ENDED:
        return []
    found = await PlanRepository(session).by_ids(list(settings.switchable_plans))
    current = priced.plan
    billed = priced.subscription.cycles_billed > 0
    return [
        found[plan_id]
        for plan_id in settings.switchable_plans
        if plan_id in found
        and plan_id != current.id
        and found[plan_id].currency == current.currency
        and (not billed or (found[plan_id].interval, found[plan_id].interval_count)
             == (current.interval, current.interval_count))
    ]  # fmt: skip


@dataclass(frozen=True)
class Change:
    plan: str | None = None
    quantity: int | None = None


def _check_change(
    settings: SubscriptionPortalSettings, priced: Priced, change: Change, switchable: list[Plan]
) -> SubscriptionIn:
    """The settings' verdict on a change; the input for operations.update when allowed."""
    sub = priced.subscription
    plan = change.plan if change.plan is not None and change.plan != sub.plan_id else None
    quantity = change.quantity if change.quantity is not None and change.quantity != sub.quantity else None
    if plan is None and quantity is None:
        raise InvalidArgument("Choose a different plan or quantity to change.", "quantity")
    if plan is not None:
        if not settings.allow_plan_change:
            raise PermissionDenied("The business does not let customers change plans here.", "plan")
        if plan not in {p.id for p in switchable}:
            raise PermissionDenied("You cannot switch to that plan here. Contact the business to change it.", "plan")
    if quantity is not None:
        if not settings.allow_quantity_change:
            raise PermissionDenied("The business does not let customers change the quantity here.", "quantity")
        if quantity < settings.min_quantity or (settings.max_quantity and quantity > settings.max_quantity):
            raise PermissionDenied(f"The quantity must be {_limits(settings)}.", "quantity")
    return SubscriptionIn(plan=plan, quantity=quantity)


def _limits(settings: SubscriptionPortalSettings) -> str:
    if settings.max_quantity:
        return f"between {settings.min_quantity} and {settings.max_quantity}"
    return f"at least {settings.min_quantity}"


def _step_up(principal: Principal, settings: SubscriptionPortalSettings, action: str) -> None:
    if principal.guest and settings.require_full_sign_in:
        raise PermissionDenied(NEEDS_SIGN_IN.format(action=action), SIGN_IN)


def _live(priced: Priced) -> None:
    status = priced.subscription.status
    if status in ENDED:
        raise FailedPrecondition(f"This subscription is {status}: it cannot change any more.", "id")


@dataclass
class Changed:
    updated: operations.Updated
    needs_full_sign_in: bool  # a guest may not confirm it (it raises the recurring total)


async def change(
    session: AsyncSession, principal: Principal, subscription_id: int, wanted: Change, preview: bool = False
) -> Changed:
    """Changes plan and/or quantity as the settings allow, prorated (subs-core's one rule). A preview runs this
    same function (`preview=True`: the step-up is reported, not enforced) in a transaction it rolls back."""
    priced = await own(session, principal, subscription_id)
    _live(priced)
    settings = await portal_settings.current(session)
    given = _check_change(settings, priced, wanted, await switchable_plans(session, settings, priced))
    before = priced.recurring_total
    updated = await operations.update(session, subscription_id, given)
    costs_more = updated.priced.recurring_total > before
    needs_sign_in = costs_more and principal.guest and settings.require_full_sign_in
    if needs_sign_in and not preview:
        _step_up(principal, settings, "make a change that costs more")
    return Changed(updated, needs_sign_in)


async def cancel(
    session: AsyncSession, principal: Principal, subscription_id: int, at_period_end: bool, reason: str | None
) -> Priced:
    priced = await own(session, principal, subscription_id)
    _live(priced)
    settings = await portal_settings.current(session)
    if not settings.allow_cancel:
        raise PermissionDenied("The business does not let customers cancel here. Contact the business.", "id")
    if not at_period_end and not settings.allow_cancel_now:
        raise PermissionDenied("This subscription can be canceled at the end of the current period only.",
                               "at_period_end")  # fmt: skip
    _step_up(principal, settings, "cancel")
    return (await operations.cancel(session, subscription_id, reason, at_period_end)).priced


async def pause(session: AsyncSession, principal: Principal, subscription_id: int, paused: bool) -> Priced:
    """Pauses (no period billed while paused) or resumes. Pausing a paused one, or resuming a running one, changes
    nothing."""
    priced = await own(session, principal, subscription_id)
    _live(priced)
    settings = await portal_settings.current(session)
    if not settings.allow_pause:
        raise PermissionDenied("The business does not let customers pause subscriptions here.", "paused")
    sub = priced.subscription
    if paused and sub.status == "past_due":
        raise FailedPrecondition("A subscription with an unpaid invoice cannot be paused: pay the invoice first.",
                                 "paused")  # fmt: skip
    _step_up(principal, settings, "pause or resume")
    if sub.paused == paused:
        return priced
    return (await operations.set_paused(session, subscription_id, paused)).priced


async def manage_link_target(session: AsyncSession, secret_key: bytes, token: str) -> tuple[Subscription, str]:
    """What a "Manage Subscription" link opens: a live subscription and the scope of its guest session."""
    found = await links.by_manage_token(session, secret_key, token)
    if found is None or found.status in ENDED:
        raise NotFound("This subscription link is not valid.", "token")
    return found, (await portal_settings.current(session)).manage_link_scope
