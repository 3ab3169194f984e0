"""A subscription period's invoice, made once per (business, subscription, period start).

The unique key of `subscription_invoices` decides: a repeated request (the scheduler retrying after a timeout, or
two replicas) finds the first invoice. The invoice, its link row, its email request and the `subscription.renewed`
event are written in one transaction, so a period is either fully invoiced or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from portal.subscriptions.v1 import subscriptions_pb2 as subs_pb
from portal_kit.errors import DomainError, InvalidArgument
from portal_kit.timestamps import from_unix
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import delivery, invoices
from services.billing.event_log import log
from services.billing.invoice_items import ItemInput
from services.billing.invoices import InvoiceChanges, InvoiceFields
from services.billing.models import Invoice
from services.billing.repository import CustomerLookupRepository, InvoiceRepository
from services.billing.subscription_invoices import presentation as presentations
from services.billing.subscription_invoices.models import SubscriptionInvoice
from services.billing.subscription_invoices.repository import SubscriptionInvoiceRepository

log_ = logging.getLogger(__name__)
MAX_LINES = 100
LINE_TYPES = {True: "proration", False: "subscription"}


@dataclass(frozen=True)
class PeriodInvoiceRequest:
    subscription: subs_pb.Subscription
    period_start: int
    period_end: int
    lines: list[subs_pb.InvoiceLine]
    plan_name: str
    presentation: delivery.Presentation | None


@dataclass(frozen=True)
class Made:
    link: SubscriptionInvoice
    invoice: Invoice
    created: bool


def manage_link(portal_url: str, manage_token: str) -> str:
    return f"{portal_url}/subscriptions/{manage_token}" if manage_token else ""


def _items(lines: list[subs_pb.InvoiceLine]) -> list[ItemInput]:
    if not lines:
        raise InvalidArgument("A subscription invoice needs at least one line.", "lines")
    if len(lines) > MAX_LINES:
        raise InvalidArgument(f"A subscription invoice can have at most {MAX_LINES} lines.", "lines")
    items = []
    for i, line in enumerate(lines):
        if line.quantity < 0:
            raise InvalidArgument("A line's quantity cannot be negative.", f"lines[{i}].quantity")
        if line.amount != line.quantity * line.unit_cost:
            raise InvalidArgument("A line's amount must be its quantity times its unit cost.", f"lines[{i}].amount")
        texts = {"name": line.name or line.plan or "Subscription", "type": LINE_TYPES[line.proration]}
        if line.description:
            texts["description"] = line.description
        if line.plan:
            texts["catalog_item"] = line.plan
        metadata = {"period_start": str(line.period_start), "period_end": str(line.period_end)}
        items.append(ItemInput(quantity=str(line.quantity), unit_cost=line.unit_cost, texts=texts, metadata=metadata))
    return items


def _checked(request: PeriodInvoiceRequest) -> None:
    subscription = request.subscription
    if subscription.id <= 0 or subscription.customer <= 0:
        raise InvalidArgument("The subscription's id and customer are needed.", "subscription")
    if not 0 < request.period_start < request.period_end:
        raise InvalidArgument("The period must start before it ends.", "period_start")
    if not subscription.currency:
        raise InvalidArgument("The subscription's currency is needed.", "subscription.currency")


async def existing(session: AsyncSession, subscription_id: int, period_start: int) -> Made | None:
    link = await SubscriptionInvoiceRepository(session).of_period(subscription_id, from_unix(period_start))
    if link is None:
        return None
    return Made(link, await InvoiceRepository(session).get(link.id), created=False)


async def make(session: AsyncSession, secret_key: bytes, request: PeriodInvoiceRequest) -> Made:
    """The period's invoice (created=False when it existed). Raises IntegrityError when a concurrent request made
    it first: the caller reads it again in a new transaction."""
    _checked(request)
    found = await existing(session, request.subscription.id, request.period_start)
    if found is not None:
        return found
    subscription = request.subscription
    terms = await CustomerLookupRepository(session).invoice_terms(subscription.customer)
    if terms is None:
        raise InvalidArgument(f"No such customer: {subscription.customer}", "subscription.customer")
    fields = InvoiceFields(
        customer=subscription.customer,
        name=(request.plan_name or subscription.plan)[:255],
        currency=subscription.currency,
        date=request.period_start,
        # Without payment terms a subscription invoice is due on receipt (Invoiced's default for AutoPay too).
        due_date=None if terms.payment_terms else request.period_start,
        items=_items(list(request.lines)),
    )
    record = await invoices.create_invoice(session, secret_key, InvoiceChanges(fields))
    invoice = record.invoice
    invoice.subscription_id = subscription.id
    session.add(invoice)
    link = SubscriptionInvoice(
        tenant_id=invoice.tenant_id,
        id=invoice.id,
        subscription_id=subscription.id,
        period_start=from_unix(request.period_start),
        period_end=from_unix(request.period_end),
    )
    session.add(link)
    await session.flush()
    logged = subs_pb.Subscription()
    logged.CopyFrom(subscription)
    logged.manage_token = ""  # the event log keeps no bearer secrets
    await log.record(
        session, "subscription.renewed", logged, customer_id=subscription.customer, related=[("invoice", invoice.id)]
    )
    await _send(session, secret_key, invoice, request)
    return Made(link, invoice, created=True)


async def _send(session: AsyncSession, secret_key: bytes, invoice: Invoice, request: PeriodInvoiceRequest) -> None:
    """Emails the invoice when the business's portal URL is known and the customer has an address; an invoice not
    sent stays "not sent" in the business's list (it can send it itself)."""
    if request.presentation is not None:
        await presentations.remember(session, request.presentation)
    shown = await presentations.known(session)
    if shown is None:
        log_.warning("subscription invoice not emailed: no portal URL known", extra={"invoice": invoice.id})
        return
    try:
        async with session.begin_nested():
            await delivery.send_invoice(
                session, secret_key, invoice.id, [], None, None, shown,
                manage_link=manage_link(shown.portal_url, request.subscription.manage_token),
            )  # fmt: skip
    except DomainError as refused:  # e.g. a customer without an email address
        log_.info("subscription invoice not emailed", extra={"invoice": invoice.id, "reason": refused.message})
