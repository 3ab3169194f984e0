"""A business's subscription portal settings: what customers may change themselves, how "Manage Subscription"
links open, and what happens to a subscription left past due. No row means the defaults below."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from portal_kit.errors import InvalidArgument
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.portal_access.models import SubscriptionPortalSettings
from services.subscriptions.portal_access.repository import PortalSettingsRepository
from services.subscriptions.repository import PlanRepository

SCOPES = ("subscription", "account")
PAST_DUE_ACTIONS = ("keep", "cancel")
MAX_SWITCHABLE_PLANS = 100
MAX_QUANTITY = 1_000_000_000
MAX_PAST_DUE_DAYS = 365
FIELDS = ("allow_cancel", "allow_cancel_now", "allow_plan_change", "switchable_plans", "allow_quantity_change",
          "min_quantity", "max_quantity", "allow_pause", "require_full_sign_in", "manage_link_scope",
          "past_due_days", "past_due_action")  # fmt: skip


@dataclass(frozen=True)
class PastDuePolicy:
    """What the billing run does with a subscription past due: after `days` days, `action` it."""

    days: int
    action: Literal["keep", "cancel"]


async def current(session: AsyncSession) -> SubscriptionPortalSettings:
    """The business's settings, or the defaults when it never changed them."""
    repository = PortalSettingsRepository(session)
    found = await repository.current()
    return found if found is not None else SubscriptionPortalSettings(tenant_id=repository.tenant_id)


async def past_due_policy(session: AsyncSession) -> PastDuePolicy:
    settings = await current(session)
    return PastDuePolicy(settings.past_due_days, "cancel" if settings.past_due_action == "cancel" else "keep")


async def update(
    session: AsyncSession, changes: SubscriptionPortalSettings, fields: Iterable[str]
) -> SubscriptionPortalSettings:
    """Copies the named fields of `changes` onto the business's settings, then checks the whole: a refused
    change writes nothing."""
    repository = PortalSettingsRepository(session)
    settings = await repository.current() or SubscriptionPortalSettings(tenant_id=repository.tenant_id)
    for name in fields:
        if name not in FIELDS:
            raise InvalidArgument(f"'{name}' is not a subscription setting.", name)
        setattr(settings, name, getattr(changes, name))
    settings.switchable_plans = await _known_plans(session, settings.switchable_plans)
    _check(settings)
    settings.updated_at = utcnow()
    return await repository.add(settings)


async def _known_plans(session: AsyncSession, plan_ids: list[str]) -> list[str]:
    unique = list(dict.fromkeys(p.strip() for p in plan_ids))
    if len(unique) > MAX_SWITCHABLE_PLANS:
        raise InvalidArgument(f"At most {MAX_SWITCHABLE_PLANS} switchable plans.", "switchable_plans")
    plans = PlanRepository(session)
    for plan_id in unique:
        if not plan_id or await plans.find(plan_id) is None:
            raise InvalidArgument(f"No such plan: '{plan_id}'.", "switchable_plans")
    return unique


def _check(settings: SubscriptionPortalSettings) -> None:
    if not 1 <= settings.min_quantity <= MAX_QUANTITY:
        raise InvalidArgument(f"min_quantity must be between 1 and {MAX_QUANTITY:,}.", "min_quantity")
    if settings.max_quantity != 0 and not settings.min_quantity <= settings.max_quantity <= MAX_QUANTITY:
        raise InvalidArgument(
            "max_quantity must be 0 (no limit) or between min_quantity and 1,000,000,000.", "max_quantity"
        )
    if settings.manage_link_scope not in SCOPES:
        raise InvalidArgument("manage_link_scope must be 'subscription' or 'account'.", "manage_link_scope")
    if not 0 <= settings.past_due_days <= MAX_PAST_DUE_DAYS:
        raise InvalidArgument(f"past_due_days must be between 0 and {MAX_PAST_DUE_DAYS}.", "past_due_days")
    if settings.past_due_action not in PAST_DUE_ACTIONS:
        raise InvalidArgument("past_due_action must be 'keep' or 'cancel'.", "past_due_action")
