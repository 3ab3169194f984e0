"""Getting an invoice to the customer: the PDF, and sending it by email through the outbox.

The email request is a template name and its data (portal.billing.v1.EmailRequested); the mailer renders it and
fetches the PDF from this service (RenderInvoicePdf) when it sends, so no document rides in the event.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime

from portal.billing.v1 import events_pb2
from portal.mailer.v1 import email_pb2
from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.outbox import record_event
from portal_kit.timestamps import unix, utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import invoices, validation
from services.billing.models import Customer, Invoice
from services.billing.pdf import pdf_filename, render_invoice_pdf
from services.billing.repository import ContactRepository, InvoiceRepository

EMAIL_REQUESTED_TOPIC = "billing.email_requested.v1"
TEMPLATE = "new_invoice_email"  # the Invoiced API's name for the email's template
MAX_RECIPIENTS = 50  # the mailer sends one message to at most this many addresses


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


@dataclass(frozen=True)
class Presentation:
    business_name: str
    portal_url: str


@dataclass(frozen=True)
class QueuedEmail:
    id: str
    state: str
    email: str
    subject: str
    message: str
    template: str
    created_at: datetime


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    filename: str


def default_subject(invoice: Invoice, business_name: str) -> str:
    return f"Invoice {invoice.number} from {business_name}"


def default_message(invoice: Invoice, business_name: str) -> str:
    return f"Here is invoice {invoice.number} from {business_name}."


def _unique(recipients: list[Recipient]) -> list[Recipient]:
    """First occurrence wins; emails compare case-insensitively."""
    by_email: dict[str, Recipient] = {}
    for recipient in recipients:
        by_email.setdefault(recipient.email.lower(), recipient)
    return list(by_email.values())


def _given_recipients(to: list[Recipient]) -> list[Recipient]:
    checked = []
    for i, recipient in enumerate(to):
        address = validation.email(recipient.email, f"to[{i}].email")
        if address is None:
            raise InvalidArgument("Each recipient needs an email address.", f"to[{i}].email")
        checked.append(Recipient(" ".join(recipient.name.split()), address))
    return _unique(checked)


async def _default_recipients(session: AsyncSession, customer: Customer) -> list[Recipient]:
    recipients = [Recipient(customer.name, customer.email)] if customer.email else []
    for contact in await ContactRepository(session).primaries(customer.id):
        if contact.email:
            recipients.append(Recipient(contact.name, contact.email))
    return _unique(recipients)


def _presentation(presentation: Presentation) -> Presentation:
    name = " ".join(presentation.business_name.split())  # one line: it becomes the From name
    url = presentation.portal_url.strip().rstrip("/")
    if not name:
        raise InvalidArgument("The business name is needed to send an invoice.", "presentation.business_name")
    if not url.startswith(("http://", "https://")):
        raise InvalidArgument("The portal URL must be an absolute http(s) URL.", "presentation.portal_url")
    return Presentation(name, url)


async def send_invoice(
    session: AsyncSession,
    secret_key: bytes,
    invoice_id: int,
    to: list[Recipient],
    subject: str | None,
    message: str | None,
    presentation: Presentation,
    manage_link: str = "",
) -> tuple[list[QueuedEmail], invoices.InvoiceRecord]:
    """Marks the invoice sent and records one email request (with the PDF) in the same unit of work.
    `manage_link`: a subscription's invoice gets a Manage Subscription button too."""
    invoice = await InvoiceRepository(session).get(invoice_id)
    if invoice.voided:
        raise FailedPrecondition("A voided invoice cannot be sent.")
    presentation = _presentation(presentation)
    customer = await invoices.customer_of(session, invoice)
    recipients = _given_recipients(to) if to else await _default_recipients(session, customer)
    if not recipients:
        raise FailedPrecondition("This customer has no email address.")
    if len(recipients) > MAX_RECIPIENTS:
        limit = f"An invoice can be emailed to at most {MAX_RECIPIENTS} addresses at once"
        if to:
            raise InvalidArgument(f"{limit}; this send has {len(recipients)}.", "to")
        raise InvalidArgument(
            f"{limit}; this customer has {len(recipients)} (its email and primary contacts). List them in `to`.",
            "to",
        )
    # One line: it becomes a header.
    subject = validation.text(" ".join((subject or "").split()), "subject", 255)
    subject = subject or default_subject(invoice, presentation.business_name)
    message = validation.text(message or "", "message", 10_000)
    record = await invoices.load(session, invoice)
    token = invoices.link_token(secret_key, invoice.link_nonce)

    invoice.draft = False
    invoice.sent = True
    invoice.updated_at = utcnow()
    invoice.link_issued_at = invoice.updated_at  # a fresh email: the link works for another LINK_DAYS
    session.add(invoice)
    await session.flush()
    email = events_pb2.InvoiceEmail(
        invoice_id=invoice.id,
        number=invoice.number,
        customer_name=customer.name,
        subject=subject,
        message=message or "",
        total=invoice.total,
        balance=invoice.balance,
        currency=invoice.currency,
        link=f"{presentation.portal_url}/invoices/{token}",
        manage_link=manage_link,
    )
    if invoice.due_date is not None:
        email.due_date = unix(invoice.due_date)
    event = events_pb2.EmailRequested(
        envelope=email_pb2.Envelope(
            to=[email_pb2.Recipient(name=r.name, email=r.email) for r in recipients],
            from_name=presentation.business_name,
            attachments=[email_pb2.DocumentRef(invoice_pdf=invoice.id)],
        ),
        new_invoice=email,
    )
    await record_event(session, EMAIL_REQUESTED_TOPIC, key=invoice.id, message=event)
    now = utcnow()
    shown = message or default_message(invoice, presentation.business_name)
    queued = [QueuedEmail(secrets.token_hex(16), "queued", r.email, subject, shown, TEMPLATE, now) for r in recipients]
    return queued, record


async def invoice_pdf(
    session: AsyncSession, secret_key: bytes, invoice_id: int | None, token: str | None, business_name: str
) -> RenderedPdf:
    """By id (the business) or by the customer's link token."""
    if token is not None:
        invoice = await invoices.find_by_link(session, secret_key, token)
    elif invoice_id is not None:
        invoice = await InvoiceRepository(session).get(invoice_id)
    else:
        raise InvalidArgument("Give the id or the link token of the invoice to render.", "id")
    record = await invoices.load(session, invoice)
    customer = await invoices.customer_of(session, invoice)
    content = await asyncio.to_thread(render_invoice_pdf, invoice, record.items, customer, business_name.strip())
    return RenderedPdf(content, pdf_filename(invoice))
