"""The receipt email: requested through the outbox in the unit of work of the payment it is about; the mailer
renders template "payment_receipt" and attaches the receipt PDF it fetches from billing."""

from __future__ import annotations

from portal.billing.v1 import events_pb2
from portal.mailer.v1 import email_pb2
from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.money import format_money
from portal_kit.outbox import record_event
from portal_kit.timestamps import unix
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.delivery import (
    EMAIL_REQUESTED_TOPIC,
    MAX_RECIPIENTS,
    Presentation,
    Recipient,
    _default_recipients,
    _given_recipients,
    _presentation,
)
from services.billing.payments.models import SUCCEEDED
from services.billing.payments.receipt_pdf import method_name
from services.billing.payments.records import PaymentRecord
from services.billing.repository import CustomerRepository

PAYMENTS_PAGE = "/account/payments"
TEMPLATE = "payment_receipt"


def subject(record: PaymentRecord, presentation: Presentation) -> str:
    """What the mailer's template puts in the subject line (for the API's answer)."""
    amount = format_money(record.payment.amount, record.payment.currency)
    return f"Receipt for your payment of {amount} to {' '.join(presentation.business_name.split())}"


async def queue_receipt(
    session: AsyncSession, record: PaymentRecord, presentation: Presentation, to: list[Recipient] | None = None
) -> list[Recipient]:
    """Requests the receipt email of a succeeded payment; returns who it goes to (none: the customer has no
    email address, and nothing is sent)."""
    payment = record.payment
    if payment.status != SUCCEEDED:
        raise FailedPrecondition("Only a payment that went through has a receipt to send.")
    presentation = _presentation(presentation)
    customer = await CustomerRepository(session).get(payment.customer_id)
    recipients = _given_recipients(to) if to else (await _default_recipients(session, customer))[:MAX_RECIPIENTS]
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidArgument(f"A receipt can be emailed to at most {MAX_RECIPIENTS} addresses at once.", "to")
    if not recipients:
        return []
    receipt = events_pb2.PaymentReceiptEmail(
        payment_id=payment.id,
        customer_name=customer.name,
        amount=payment.amount,
        currency=payment.currency,
        date=unix(payment.date),
        method=method_name(payment.method),
        invoice_numbers=[record.invoice_numbers.get(a.invoice_id, "") for a in record.applications],
        link=f"{presentation.portal_url}{PAYMENTS_PAGE}",
    )
    event = events_pb2.EmailRequested(
        envelope=email_pb2.Envelope(
            to=[email_pb2.Recipient(name=r.name, email=r.email) for r in recipients],
            from_name=presentation.business_name,
            attachments=[email_pb2.DocumentRef(receipt_pdf=payment.id)],
        ),
        payment_receipt=receipt,
    )
    await record_event(session, EMAIL_REQUESTED_TOPIC, key=payment.id, message=event)
    return recipients
