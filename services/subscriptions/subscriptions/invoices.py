"""What a subscription's invoices will hold, as the subscriptions contract's InvoicePreview: the next period's
invoice (plan and addon lines plus the pending proration lines) and the first invoice of a preview."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal_kit.timestamps import unix, utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.subscriptions import operations
from services.subscriptions.subscriptions.models import PendingProrationLine
from services.subscriptions.subscriptions.operations import SubscriptionIn
from services.subscriptions.subscriptions.pricing import Line, Priced, pending_line
from services.subscriptions.subscriptions.repository import PendingLineRepository


def line_to_pb(line: Line) -> pb.InvoiceLine:
    return pb.InvoiceLine(name=line.name, description=line.description, quantity=line.quantity,
                          unit_cost=line.unit_cost, amount=line.amount, plan=line.plan,
                          period_start=unix(line.period_start), period_end=unix(line.period_end),
                          proration=line.proration)  # fmt: skip


def invoice_preview(currency: str, lines: Sequence[Line], date: datetime) -> pb.InvoicePreview:
    total = sum(line.amount for line in lines)
    return pb.InvoicePreview(currency=currency, lines=[line_to_pb(line) for line in lines], subtotal=total,
                             total=total, date=unix(date))  # fmt: skip


def next_invoice(priced: Priced, pending: Sequence[PendingProrationLine]) -> pb.InvoicePreview:
    """The invoice of the next period to bill: its plan and addon lines plus the pending proration lines."""
    sub = priced.subscription
    index = operations.next_period_index(sub)
    if index is None:
        return pb.InvoicePreview(currency=sub.currency)
    period = priced.period(index)
    date = max(period.start, sub.trial_end) if sub.trial_end is not None and index == 0 else period.start
    return invoice_preview(sub.currency, [*priced.lines(period), *(pending_line(p) for p in pending)], date)


def first_invoice(priced: Priced) -> pb.InvoicePreview:
    """The first invoice of a subscription not billed yet (a preview's): period 0, at the start or the trial's end."""
    return next_invoice(priced, [])


@dataclass(frozen=True)
class ChangePreview:
    proration: pb.InvoicePreview  # the credits and charges the change records now (they go on the next invoice)
    next_invoice: pb.InvoicePreview  # the next invoice with the change made


async def preview_change(session: AsyncSession, subscription_id: int, given: SubscriptionIn) -> ChangePreview:
    """What `operations.update(session, subscription_id, given)` would record and bill, with nothing kept: the
    change runs in a savepoint that is rolled back (checks and refusals are exactly the update's)."""
    savepoint = await session.begin_nested()
    try:
        updated = await operations.update(session, subscription_id, given)
        pending = await PendingLineRepository(session).unbilled(subscription_id)
        currency = updated.priced.subscription.currency
        lines = [pending_line(line) for line in updated.proration]
        preview = ChangePreview(invoice_preview(currency, lines, given.proration_date or utcnow()),
                                next_invoice(updated.priced, pending))  # fmt: skip
    finally:
        await savepoint.rollback()
    return preview
