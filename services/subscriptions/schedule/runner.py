"""The billing scheduler: bills every due subscription period exactly once, ends subscriptions that are done, and
follows their invoices' payment (past_due, then the business's past-due action).

Exactly once, with several replicas, restarts and billing outages:
- each period is billed in one transaction that holds the subscription's row (`FOR UPDATE SKIP LOCKED`: another
  replica skips it), asks billing for the period's invoice (idempotent by business + subscription + period start),
  then writes the billed period (unique per subscription and period start), marks the pending proration lines
  billed and advances the subscription. Nothing is written until billing answered;
- a crash after billing answered and before the commit leaves the period unbilled here: the next pass asks again
  and billing returns the same invoice;
- billing down: the transaction rolls back, the subscription stays due, the next pass bills it. Periods are billed
  one at a time from the subscription's `cycles_billed`, so catching up bills each missed period once, in order.

Payment state is asked of billing on each pass (GetSubscriptionInvoiceStates) for the periods not paid yet.
Transitions (ended, past due, active again, canceled for non-payment) write their event and email as
`BillingCall` rows in the same transaction; the pass then makes those calls with their idempotency keys.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.message import Message
from portal.billing.v1 import invoices_pb2
from portal.billing.v1 import subscription_invoices_pb2 as billing_pb
from portal.subscriptions.v1 import subscriptions_pb2 as subs_pb
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.timestamps import unix
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.schedule.clock import Clock
from services.subscriptions.schedule.invoicing import Invoicing
from services.subscriptions.schedule.models import BilledPeriod, BillingCall
from services.subscriptions.schedule.past_due import FixedPolicy, PastDuePolicy, PolicyOf, fixed
from services.subscriptions.schedule.repository import (
    BilledPeriodRepository,
    DueQueue,
    PendingCalls,
    UnsettledPeriods,
)
from services.subscriptions.subscriptions import links, operations
from services.subscriptions.subscriptions.invoices import line_to_pb
from services.subscriptions.subscriptions.models import PendingProrationLine, Subscription
from services.subscriptions.subscriptions.pricing import Line, Priced, pending_line
from services.subscriptions.subscriptions.repository import PendingLineRepository, SubscriptionRepository
from services.subscriptions.subscriptions.servicer import subscription_to_pb

log = logging.getLogger(__name__)
SETTLE_BATCH = 500
CANDIDATES_BATCH = 200
CALLS_BATCH = 100
OVERDUE_AFTER = timedelta(days=1)
PAST_DUE_REASON = "Canceled after its invoice stayed unpaid past due."


class BillingUnavailable(Exception):
    """Billing did not answer (or refused): nothing was written; the subscription is retried on a later pass."""


@dataclass
class PassResult:
    billed: int = 0  # periods invoiced
    ended: int = 0  # subscriptions finished or canceled at period end
    failed: int = 0  # subscriptions whose billing failed this pass (retried on the next)
    transitions: int = 0  # past_due / active again / canceled for non-payment
    calls: int = 0  # events and emails delivered to billing
    skipped: set[int] = field(default_factory=set)


def _period_lines(
    priced: Priced, index: int, pending: list[PendingProrationLine]
) -> tuple[list[Line], list[PendingProrationLine]]:
    """The period's plan and addon lines, then the pending proration lines. Credits that would make the invoice
    negative stay pending for a later period (an invoice total cannot be below zero)."""
    lines = priced.lines(priced.period(index))
    total = sum(line.amount for line in lines)
    taken = []
    for pending_row in pending:
        line = pending_line(pending_row)
        if total + line.amount < 0:
            continue
        total += line.amount
        lines.append(line)
        taken.append(pending_row)
    return lines, taken


async def bill_period(
    session: AsyncSession,
    invoicing: Invoicing,
    secret_key: bytes,
    priced: Priced,
    index: int,
    now: datetime,
    presentation: invoices_pb2.Presentation | None = None,
) -> BilledPeriod:
    """Bills period `index` of a subscription locked by the caller's transaction (SubscriptionRepository.
    get_for_update) and advances it, in that transaction, once billing answered: BillingUnavailable (nothing
    changed) when it did not. Sign-up pages call it for the first period; the scheduler then finds it billed.
    `presentation`: the business's name and portal URL when the caller has them (billing remembers them)."""
    sub = priced.subscription
    period = priced.period(index)
    pending = await PendingLineRepository(session).unbilled(sub.id, lock=True)
    lines, taken = _period_lines(priced, index, pending)
    previous_state = (sub.cycles_billed, sub.period_start, sub.period_end, sub.updated_at)
    sub.cycles_billed, sub.period_start, sub.period_end, sub.updated_at = (
        sub.cycles_billed + 1,
        period.start,
        period.end,
        now,
    )
    request = billing_pb.CreateSubscriptionInvoiceRequest(
        subscription=subscription_to_pb(priced, secret_key, now),
        period_start=unix(period.start),
        period_end=unix(period.end),
        lines=[line_to_pb(line) for line in lines],
        plan_name=priced.plan.name,
    )
    if presentation is not None:
        request.presentation.CopyFrom(presentation)
    try:
        reply = await invoicing.create_invoice(request)
    except grpc.aio.AioRpcError as error:
        sub.cycles_billed, sub.period_start, sub.period_end, sub.updated_at = previous_state
        log.warning("subscription not billed", extra={"subscription": sub.id, "period": index,
                                                      "code": error.code().name})  # fmt: skip
        raise BillingUnavailable(str(error.code())) from None
    invoice = reply.invoice
    if not reply.created:  # made by an earlier try that did not commit here: lines added since are not on it
        taken = [row for row in taken if _aware(row.created_at).timestamp() * 1000 <= invoice.created_at_ms]
    billed = BilledPeriod(
        tenant_id=sub.tenant_id, subscription_id=sub.id, period_index=index, period_start=period.start,
        period_end=period.end, invoice_id=invoice.invoice_id, invoice_number=invoice.number, total=invoice.total,
        currency=invoice.currency, settled=invoice.paid or invoice.voided or invoice.balance <= 0,
    )  # fmt: skip
    if invoice.HasField("due_date"):
        billed.due_date = datetime.fromtimestamp(invoice.due_date, UTC)
    if billed.settled:
        billed.settled_at = now
    session.add(billed)
    session.add(sub)
    await PendingLineRepository(session).mark_billed(taken, invoice.invoice_id, now)
    await session.flush()
    return billed


class _Candidates:
    """Due subscription ids for the lanes of one pass: refilled by one query a batch at a time, never handing out
    an id a lane is working on or one that failed this pass."""

    def __init__(self, db: Database, now: datetime, skipped: set[int]) -> None:
        self.db = db
        self.now = now
        self.skipped = skipped
        self.waiting: list[int] = []
        self.in_hand: set[int] = set()
        self.left: set[int] = set()  # not due after all, or held by another replica: not asked again this pass
        self.refilling = asyncio.Lock()

    async def take(self) -> int | None:
        async with self.refilling:
            if not self.waiting:
                async with self.db.read_only() as session:
                    due = await DueQueue(session).due_ids(
                        self.now, CANDIDATES_BATCH, self.skipped | self.in_hand | self.left
                    )
                self.waiting = list(reversed(due))
            if not self.waiting:
                return None
            sub_id = self.waiting.pop()
            self.in_hand.add(sub_id)
            return sub_id

    def done(self, sub_id: int, leave: bool = False) -> None:
        self.in_hand.discard(sub_id)
        if leave:
            self.left.add(sub_id)


def _call(tenant_id: str, method: str, request: Message) -> BillingCall:
    return BillingCall(tenant_id=tenant_id, key=f"sched-{uuid.uuid4().hex}", method=method,
                       request=request.SerializeToString())  # fmt: skip


class Scheduler:
    def __init__(
        self, db: Database, invoicing: Invoicing, clock: Clock, secret_key: bytes, lanes: int = 4,
        past_due: PolicyOf = fixed(FixedPolicy()),
    ) -> None:  # fmt: skip
        """`past_due` reads the business's past-due policy (the tenant bound)."""
        self.db = db
        self.past_due = past_due
        self.invoicing = invoicing
        self.clock = clock
        self.secret_key = secret_key
        self.lanes = max(1, lanes)

    # ---- one pass ----

    async def run_once(self) -> PassResult:
        now = self.clock.now()
        result = PassResult()
        await self.bill_due(now, result)
        await self.settle(now, result)
        await self.deliver_calls(result)
        return result

    async def bill_due(self, now: datetime, result: PassResult) -> None:
        """Bills (or ends) every subscription due at `now`, `lanes` at a time. The lanes share one list of due
        ids, read without locks a batch at a time; each subscription is then locked on its own (SKIP LOCKED: one
        another replica holds is left to it) and checked to be still due."""
        queue = _Candidates(self.db, now, result.skipped)
        await asyncio.gather(*(self._lane(now, queue, result) for _ in range(self.lanes)))

    async def _lane(self, now: datetime, queue: _Candidates, result: PassResult) -> None:
        while True:
            sub_id = await queue.take()
            if sub_id is None:
                return
            try:
                step = await self.step(now, sub_id)
            except BillingUnavailable:
                result.failed += 1
                result.skipped.add(sub_id)
                queue.done(sub_id)
                continue
            except BaseException:
                queue.done(sub_id)
                raise
            queue.done(sub_id, leave=step is None)
            if step == "billed":
                result.billed += 1
            elif step == "ended":
                result.ended += 1

    async def step(self, now: datetime, sub_id: int) -> str | None:
        """Bills (or ends) one due subscription: "billed", "ended", or None when it is not due (any more) or
        another replica holds it. BillingUnavailable when billing did not answer (nothing was written)."""
        async with self.db.unit_of_work() as session:
            sub = await DueQueue(session).lock_if_due(sub_id, now)
            if sub is None:
                return None
            with bound(sub.tenant_id):
                return await self._advance(session, sub, now)

    async def _advance(self, session: AsyncSession, sub: Subscription, now: datetime) -> str:
        [priced] = await operations.load(session, [sub])
        index = operations.next_period_index(sub)
        if index is None:  # due only once its last period ended: canceling at period end, or cycles done
            await self._end(session, priced, now)
            return "ended"
        await self.bill_period(session, priced, index, now)
        return "billed"

    async def bill_period(self, session: AsyncSession, priced: Priced, index: int, now: datetime) -> BilledPeriod:
        return await bill_period(session, self.invoicing, self.secret_key, priced, index, now)

    async def _end(self, session: AsyncSession, priced: Priced, now: datetime) -> None:
        """The last period is over: canceled (cancel_at_period_end) or finished (cycles done), no invoice."""
        sub = priced.subscription
        before = subscription_to_pb(priced, self.secret_key, now, with_token=False)
        if sub.cancel_at_period_end:
            sub.status, sub.canceled_at, event, notice = "canceled", sub.period_end, "subscription.canceled", "canceled"
        else:
            sub.status, event, notice = "finished", "subscription.finished", "finished"
        sub.updated_at = now
        session.add(sub)
        await session.flush()
        self._record(session, priced, event, before, notice, now, invoice_id=None)

    def _record(
        self, session: AsyncSession, priced: Priced, event: str | None, before: subs_pb.Subscription | None,
        notice: str, now: datetime, invoice_id: int | None,
    ) -> None:  # fmt: skip
        sub = priced.subscription
        if event is not None:
            record = billing_pb.RecordSubscriptionEventRequest(
                type=event, subscription=subscription_to_pb(priced, self.secret_key, now, with_token=False)
            )
            if before is not None:
                record.previous.CopyFrom(before)
            session.add(_call(sub.tenant_id, "event", record))
        email = billing_pb.SendSubscriptionNoticeRequest(  # the link's token is added when sent (tokens are not stored)
            subscription=subscription_to_pb(priced, self.secret_key, now, with_token=False),
            notice=notice,
            plan_name=priced.plan.name,
        )
        if invoice_id:
            email.invoice_id = invoice_id
        session.add(_call(sub.tenant_id, "notice", email))

    # ---- payments: past_due, active again, canceled for non-payment ----

    async def settle(self, now: datetime, result: PassResult) -> None:
        after = 0
        while True:
            async with self.db.read_only() as session:
                rows = await UnsettledPeriods(session).batch(after, SETTLE_BATCH)
            if not rows:
                return
            after = rows[-1][0].pk or after
            by_tenant: dict[str, list[BilledPeriod]] = defaultdict(list)
            status = {}
            for period, sub in rows:
                by_tenant[period.tenant_id].append(period)
                status[sub.id] = sub
            for tenant_id, periods in by_tenant.items():
                with bound(tenant_id):
                    try:
                        states = await self.invoicing.invoice_states([p.invoice_id for p in periods])
                    except grpc.aio.AioRpcError as error:
                        log.warning("invoice states not read", extra={"code": error.code().name})
                        continue
                    paid = {s.invoice_id for s in states if s.paid or s.voided or s.balance <= 0}
                    owed = {s.invoice_id for s in states if s.invoice_id not in paid and s.balance > s.pending_amount}
                    subs = {p.subscription_id for p in periods}
                    for sub_id in subs:
                        mine = [p for p in periods if p.subscription_id == sub_id]
                        if await self._follow_payment(status[sub_id], mine, paid, owed, now):
                            result.transitions += 1
            if len(rows) < SETTLE_BATCH:
                return

    async def _follow_payment(
        self, seen: Subscription, periods: list[BilledPeriod], paid: set[int], owed: set[int], now: datetime
    ) -> bool:
        """Records newly paid periods and moves the subscription between active, past_due and canceled (an invoice
        whose balance a payment in flight covers is not held against it). True when its status changed."""
        sub_id = seen.id
        newly_paid = [p for p in periods if p.invoice_id in paid]
        overdue = [p for p in periods if p.invoice_id in owed and _overdue(p, now)]
        if not newly_paid and not _needs_transition(seen, bool(overdue), now, None):
            return False
        async with self.db.unit_of_work() as session:
            subs = SubscriptionRepository(session)
            sub = await subs.get_for_update(sub_id)
            billed = BilledPeriodRepository(session)
            for period in await billed.unsettled_of(sub_id):
                if period.invoice_id in paid:
                    period.settled, period.settled_at = True, now
                    session.add(period)
            policy = await self.past_due(session)
            change = _needs_transition(sub, bool(overdue), now, policy)
            if change is None:
                return False
            [priced] = await operations.load(session, [sub])
            before = subscription_to_pb(priced, self.secret_key, now, with_token=False)
            unpaid = overdue[0].invoice_id if overdue else None
            if change == "past_due":
                sub.status, sub.past_due_since = "past_due", now
                event, notice = "subscription.updated", "past_due"
            elif change == "reactivated":
                sub.status, sub.past_due_since = "active", None
                event, notice, unpaid = "subscription.updated", "reactivated", None
            else:
                sub.status, sub.canceled_at, sub.canceled_reason = "canceled", now, PAST_DUE_REASON
                event, notice = "subscription.canceled", "canceled"
            sub.updated_at = now
            session.add(sub)
            await session.flush()
            self._record(session, priced, event, before, notice, now, invoice_id=unpaid)
            return True

    # ---- events and emails ----

    async def deliver_calls(self, result: PassResult) -> None:
        while True:
            delivered = 0
            async with self.db.unit_of_work() as session:
                calls = await PendingCalls(session).oldest(CALLS_BATCH)
                for call in calls:
                    with bound(call.tenant_id):
                        try:
                            await self._deliver(session, call)
                        except grpc.aio.AioRpcError as error:
                            call.attempts += 1
                            session.add(call)
                            log.warning("billing call not made", extra={"method": call.method,
                                                                       "code": error.code().name})  # fmt: skip
                            return
                    await session.delete(call)
                    delivered += 1
                    result.calls += 1
            if delivered < CALLS_BATCH:
                return

    async def _deliver(self, session: AsyncSession, call: BillingCall) -> None:
        if call.method == "event":
            event = billing_pb.RecordSubscriptionEventRequest.FromString(call.request)
            await self.invoicing.record_event(event, call.key)
            return
        notice = billing_pb.SendSubscriptionNoticeRequest.FromString(call.request)
        sub = await SubscriptionRepository(session).find(notice.subscription.id)
        if sub is not None:  # the link's token is derived again, never stored
            notice.subscription.manage_token = links.manage_token(self.secret_key, sub.manage_nonce)
        await self.invoicing.send_notice(notice, call.key)

    # ---- the Worker ----

    async def run_forever(self, every_seconds: float, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                done = await self.run_once()
                if done.billed or done.ended or done.transitions or done.failed:
                    log.info("billing pass", extra={"billed": done.billed, "ended": done.ended,
                                                    "failed": done.failed, "transitions": done.transitions})  # fmt: skip
            except Exception:  # noqa: BLE001 - the job keeps running; the next pass retries
                log.exception("billing pass failed")
            try:
                await asyncio.wait_for(stopping.wait(), every_seconds)
            except TimeoutError:
                pass


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _overdue(period: BilledPeriod, now: datetime) -> bool:
    """Unpaid a full day after its due date (an invoice due on receipt leaves the customer that day to pay)."""
    return period.due_date is not None and now >= _aware(period.due_date) + OVERDUE_AFTER


def _needs_transition(sub: Subscription, overdue: bool, now: datetime, policy: PastDuePolicy | None) -> str | None:
    """past_due, reactivated, canceled, or None. `policy` None: only whether one could be needed (before reading
    the business's past-due setting)."""
    if sub.status == "active" and overdue:
        return "past_due"
    if sub.status == "past_due" and not overdue:
        return "reactivated"
    if sub.status == "past_due" and overdue:
        if policy is None:
            return "canceled"
        since = _aware(sub.past_due_since) if sub.past_due_since is not None else now
        if policy.action == "cancel" and now >= since + timedelta(days=policy.days):
            return "canceled"
    return None
