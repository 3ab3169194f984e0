"""A subscription period's invoice, made once per (business, subscription, period start).

The unique key of `subscription_invoices` decides: a repeated request (the scheduler retrying after a timeout, or
two replicas) finds the first invoice. The invoice, its link row, its email request and the `subscription.renewed`
event are written in one transaction, so a period is either fully invoiced or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from portal.billing.v1 import events_pb2
from portal.mailer.v1 import email_pb2
from portal.subscriptions.v1 import subscriptions_pb2 as subs_pb
from portal_kit.errors import InvalidArgument
from portal_kit.outbox import record_event
from portal_kit.timestamps import from_unix, unix
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import delivery, invoices
from services.billing.event_log import log
from services.billing.invoice_items import ItemInput
from services.billing.invoices import InvoiceChanges, InvoiceFields
from services.billing.models import Invoice
from services.billing.repository import CustomerLookupRepository, CustomerRepository, InvoiceRepository
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
    it first: the caller reads it again in a new transaction.

    Everything but the email request is written before the invoice takes its number: the number locks the
    business's invoice sequence until the commit, and a business's subscriptions are billed many at a time."""
    _checked(request)
    found = await existing(session, request.subscription.id, request.period_start)
    if found is not None:
        return found
    subscription = request.subscription
    terms = await CustomerLookupRepository(session).invoice_terms(subscription.customer)
    if terms is None:
        raise InvalidArgument(f"No such customer: {subscription.customer}", "subscription.customer")
    if request.presentation is not None:
        await presentations.remember(session, request.presentation)
    shown = await presentations.known(session)
    customer = await CustomerRepository(session).get(subscription.customer)
    to: list[delivery.Recipient] = []
    if shown is not None:  # noqa: SLF001 below: the default recipients, as the other emails take them
        to = (await delivery._default_recipients(session, customer))[: delivery.MAX_RECIPIENTS]  # noqa: SLF001
    fields = InvoiceFields(
        customer=subscription.customer,
        name=(request.plan_name or subscription.plan)[:255],
        currency=subscription.currency,
        date=request.period_start,
        # Without payment terms a subscription invoice is due on receipt (Invoiced's default for AutoPay too).
        due_date=None if terms.payment_terms else request.period_start,
        items=_items(list(request.lines)),
    )
    link = SubscriptionInvoice(
        tenant_id="", id=0, subscription_id=subscription.id, period_start=from_unix(request.period_start),
        period_end=from_unix(request.period_end),
    )  # fmt: skip

    async def before_numbering(invoice: Invoice) -> None:
        invoice.subscription_id = subscription.id
        if to:
            invoice.sent, invoice.link_issued_at = True, invoice.created_at
        session.add(invoice)
        link.tenant_id, link.id = invoice.tenant_id, invoice.id
        session.add(link)
        await session.flush()
        logged = subs_pb.Subscription()
        logged.CopyFrom(subscription)
        logged.manage_token = ""  # the event log keeps no bearer secrets
        await log.record(
            session,
            "subscription.renewed",
            logged,
            customer_id=subscription.customer,
            related=[("invoice", invoice.id)],
        )

    record = await invoices.create_invoice(session, secret_key, InvoiceChanges(fields), before_numbering)
    invoice = record.invoice
    if shown is None:
        log_.warning("subscription invoice not emailed: no portal URL known", extra={"invoice": invoice.id})
    elif not to:
        log_.info("subscription invoice not emailed: the customer has no email address", extra={"invoice": invoice.id})
    else:
        await _email(session, secret_key, invoice, customer.name, to, shown, request.subscription.manage_token)
    return Made(link, invoice, created=True)


async def _email(
    session: AsyncSession, secret_key: bytes, invoice: Invoice, customer_name: str, to: list[delivery.Recipient],
    shown: delivery.Presentation, manage_token: str,
) -> None:  # fmt: skip
    """The new-invoice email (the template of an invoice sent by the business) with a Manage Subscription button."""
    token = invoices.link_token(secret_key, invoice.link_nonce)
    email = events_pb2.InvoiceEmail(
        invoice_id=invoice.id, number=invoice.number, customer_name=customer_name,
        subject=delivery.default_subject(invoice, shown.business_name), total=invoice.total, balance=invoice.balance,
        currency=invoice.currency, link=f"{shown.portal_url}/invoices/{token}",
        manage_link=manage_link(shown.portal_url, manage_token),
    )  # fmt: skip
    if invoice.due_date is not None:
        email.due_date = unix(invoice.due_date)
    event = events_pb2.EmailRequested(
        envelope=email_pb2.Envelope(
            to=[email_pb2.Recipient(name=r.name, email=r.email) for r in to],
            from_name=shown.business_name,
            attachments=[email_pb2.DocumentRef(invoice_pdf=invoice.id)],
        ),
        new_invoice=email,
    )
    await record_event(session, delivery.EMAIL_REQUESTED_TOPIC, key=invoice.id, message=event)
