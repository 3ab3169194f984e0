"""The scheduler's SQL. The due queue and the unsettled periods span every business (the job serves them all);
everything else is scoped by the tenant bound for the subscription at hand."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from portal_kit.repository import TenantRepository
from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.schedule.models import BilledPeriod, BillingCall
from services.subscriptions.subscriptions.models import Subscription

BILLING_STATUSES = ("active", "past_due")  # stored statuses that still bill (not_started is shown from the dates)


def due_condition(now: datetime):  # type: ignore[no-untyped-def]  # a SQL expression
    """The subscription's next period starts by `now` (its first: after the trial too), or its last period ended
    and it must be ended (canceling at period end, cycles done): next_period_index and the runner decide which."""
    first_due = and_(
        col(Subscription.cycles_billed) == 0,
        col(Subscription.period_start) <= now,
        or_(col(Subscription.trial_end).is_(None), col(Subscription.trial_end) <= now),
    )
    next_due = and_(col(Subscription.cycles_billed) > 0, col(Subscription.period_end) <= now)
    return and_(
        col(Subscription.status).in_(BILLING_STATUSES),
        col(Subscription.paused).is_(False),
        or_(first_due, next_due),
    )


class DueQueue:
    """Across businesses: the next due subscription, locked for this transaction (`FOR UPDATE SKIP LOCKED` on
    PostgreSQL: replicas and lanes take different ones; a subscription being billed is skipped, not waited for)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due_ids(self, now: datetime, limit: int, leave_out: Collection[int]) -> list[int]:
        """Ids of due subscriptions, oldest period end first, without locking them."""
        query = select(Subscription.id).where(due_condition(now))
        if leave_out:
            query = query.where(col(Subscription.id).not_in(list(leave_out)))
        query = query.order_by(col(Subscription.period_end), col(Subscription.pk)).limit(limit)
        return [int(row) for row in (await self.session.exec(query)).all()]

    async def lock_if_due(self, subscription_id: int, now: datetime) -> Subscription | None:
        """The subscription, locked for this transaction, if it is still due; None when it is not or when another
        transaction holds it (`SKIP LOCKED` on PostgreSQL)."""
        query = select(Subscription).where(col(Subscription.id) == subscription_id, due_condition(now))
        dialect = (await self.session.connection()).dialect.name
        if dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return (await self.session.exec(query)).first()


class UnsettledPeriods:
    """Across businesses: billed periods whose invoice was not paid yet, with their subscription's status."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def batch(self, after_pk: int, limit: int) -> list[tuple[BilledPeriod, Subscription]]:
        query = (
            select(BilledPeriod, Subscription)
            .join(
                Subscription,
                and_(
                    col(Subscription.id) == col(BilledPeriod.subscription_id),
                    col(Subscription.tenant_id) == col(BilledPeriod.tenant_id),
                ),
            )
            .where(col(BilledPeriod.settled).is_(False), col(BilledPeriod.pk) > after_pk)
            .order_by(col(BilledPeriod.pk))
            .limit(limit)
        )
        return [(period, sub) for period, sub in (await self.session.exec(query)).all()]


class BilledPeriodRepository(TenantRepository[BilledPeriod]):
    model = BilledPeriod
    noun = "billed period"

    async def of_subscription(self, subscription_id: int) -> list[BilledPeriod]:
        query = self.base().where(col(BilledPeriod.subscription_id) == subscription_id)
        return await self.all(query.order_by(col(BilledPeriod.period_start)))

    async def unsettled_of(self, subscription_id: int) -> list[BilledPeriod]:
        query = self.base().where(
            col(BilledPeriod.subscription_id) == subscription_id, col(BilledPeriod.settled).is_(False)
        )
        return await self.all(query.order_by(col(BilledPeriod.period_start)))


class PendingCalls:
    """Across businesses: calls to billing decided by committed transitions, oldest first."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def oldest(self, limit: int) -> list[BillingCall]:
        query = select(BillingCall).order_by(col(BillingCall.pk)).limit(limit)
        dialect = (await self.session.connection()).dialect.name
        if dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.exec(query)).all())
