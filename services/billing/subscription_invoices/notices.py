"""Emails to the customer when its subscription's status changes (past due, active again, canceled, finished)."""

from __future__ import annotations

from portal.billing.v1 import events_pb2
from portal.mailer.v1 import email_pb2
from portal.subscriptions.v1 import subscriptions_pb2 as subs_pb
from portal_kit.errors import InvalidArgument
from portal_kit.outbox import record_event
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import invoices
from services.billing.delivery import EMAIL_REQUESTED_TOPIC, Presentation
from services.billing.repository import ContactRepository, CustomerRepository, InvoiceRepository
from services.billing.subscription_invoices import presentation as presentations
from services.billing.subscription_invoices.making import manage_link

NOTICES = ("past_due", "reactivated", "canceled", "finished")


async def send(
    session: AsyncSession,
    secret_key: bytes,
    subscription: subs_pb.Subscription,
    notice: str,
    plan_name: str,
    given: Presentation | None,
    invoice_id: int | None,
) -> bool:
    """Records the email request in the outbox; False when there is nobody to send it to or no portal URL."""
    if notice not in NOTICES:
        raise InvalidArgument(f"notice must be one of {', '.join(NOTICES)}.", "notice")
    if given is not None:
        await presentations.remember(session, given)
    shown = await presentations.known(session)
    customer = await CustomerRepository(session).get(subscription.customer)
    recipients = [email_pb2.Recipient(name=customer.name, email=customer.email)] if customer.email else []
    for contact in await ContactRepository(session).primaries(customer.id):
        if contact.email and contact.email.lower() not in {r.email.lower() for r in recipients}:
            recipients.append(email_pb2.Recipient(name=contact.name, email=contact.email))
    if shown is None or not recipients:
        return False
    email = events_pb2.SubscriptionNoticeEmail(
        customer_name=customer.name,
        notice=notice,
        plan_name=plan_name or subscription.plan,
        manage_link=manage_link(shown.portal_url, subscription.manage_token),
        currency=subscription.currency,
    )
    if invoice_id:
        invoice = await InvoiceRepository(session).get(invoice_id)
        email.invoice_number = invoice.number
        email.balance = invoice.balance
        email.currency = invoice.currency
        token = invoices.link_token(secret_key, invoice.link_nonce)
        email.invoice_link = f"{shown.portal_url}/invoices/{token}"
    envelope = email_pb2.Envelope(to=recipients[:50], from_name=shown.business_name)
    message = events_pb2.EmailRequested(envelope=envelope, subscription_notice=email)
    await record_event(session, EMAIL_REQUESTED_TOPIC, key=subscription.id, message=message)
    return True
