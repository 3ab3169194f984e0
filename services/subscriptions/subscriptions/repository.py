"""Subscriptions' SQL, scoped by tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from portal_kit.repository import TenantRepository
from sqlmodel import col, or_, select

from services.subscriptions.subscriptions.models import PendingProrationLine, Subscription, SubscriptionAddon

LIVE = ("active", "past_due")  # stored statuses of subscriptions that still bill (not_started/paused included)


class SubscriptionRepository(TenantRepository[Subscription]):
    model = Subscription
    noun = "subscription"

    async def get_for_update(self, subscription_id: int) -> Subscription:
        """The subscription, locked until the transaction ends (changes to one subscription run one at a time)."""
        found = await self.first(self.base().where(col(Subscription.id) == subscription_id).with_for_update())
        if found is None:
            return await self.get(subscription_id)  # NotFound, worded as everywhere
        return found

    async def by_manage_hash(self, manage_hash: str) -> Subscription | None:
        return await self.first(self.base().where(col(Subscription.manage_hash) == manage_hash))

    async def listing(
        self,
        page: int,
        per_page: int,
        customer: int | None,
        plan: str | None,
        statuses: Sequence[str],
    ) -> tuple[list[Subscription], int]:
        query = self.base().where(col(Subscription.status).in_(list(statuses)))
        if customer is not None:
            query = query.where(col(Subscription.customer_id) == customer)
        if plan is not None:
            query = query.where(col(Subscription.plan_id) == plan)
        return await self.page(query.order_by(col(Subscription.created_at), col(Subscription.pk)), page, per_page)

    async def plan_in_live_use(self, plan_id: str) -> bool:
        """Whether a live subscription bills this plan, as its plan or as an addon."""
        live = col(Subscription.status).in_(LIVE)
        as_addon = (
            select(SubscriptionAddon.subscription_id)
            .where(self.scope(SubscriptionAddon), col(SubscriptionAddon.plan_id) == plan_id)
            .scalar_subquery()
        )
        return await self.exists(live, or_(col(Subscription.plan_id) == plan_id, col(Subscription.id).in_(as_addon)))


class AddonRepository(TenantRepository[SubscriptionAddon]):
    model = SubscriptionAddon
    noun = "subscription addon"

    async def of(self, subscription_ids: Sequence[int]) -> dict[int, list[SubscriptionAddon]]:
        found: dict[int, list[SubscriptionAddon]] = {sid: [] for sid in subscription_ids}
        if not subscription_ids:
            return found
        query = (
            self.base()
            .where(col(SubscriptionAddon.subscription_id).in_(list(subscription_ids)))
            .order_by(col(SubscriptionAddon.pk))
        )
        for addon in await self.all(query):
            found[addon.subscription_id].append(addon)
        return found

    async def replace(self, subscription_id: int, addons: list[SubscriptionAddon]) -> None:
        await self.delete(col(SubscriptionAddon.subscription_id) == subscription_id)
        for addon in addons:
            self.stage(addon)
        await self.session.flush()


class PendingLineRepository(TenantRepository[PendingProrationLine]):
    model = PendingProrationLine
    noun = "pending line"

    async def unbilled(self, subscription_id: int, lock: bool = False) -> list[PendingProrationLine]:
        """The lines not billed yet, oldest first; `lock` holds them until the transaction ends."""
        query = (
            self.base()
            .where(
                col(PendingProrationLine.subscription_id) == subscription_id,
                col(PendingProrationLine.billed_at).is_(None),
            )
            .order_by(col(PendingProrationLine.pk))
        )
        if lock:
            query = query.with_for_update()
        return await self.all(query)

    async def mark_billed(self, lines: Sequence[PendingProrationLine], invoice_id: int, at: datetime) -> int:
        """Marks these lines billed on `invoice_id`; only lines still unbilled change. The number changed."""
        if not lines:
            return 0
        return await self.update(
            col(PendingProrationLine.pk).in_([line.pk for line in lines]),
            col(PendingProrationLine.billed_at).is_(None),
            values={"billed_at": at, "invoice_id": invoice_id},
        )
