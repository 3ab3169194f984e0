"""Applies the comments service's comment-flag events to invoices: the flag, its history, the emails.

Each event is applied once: the consumer skips event ids it has handled (portal_kit.consumer), and an event whose
thread version is not above the version applied last changes nothing, so a duplicate or an event overtaken by a
later one (reordering) is harmless. An event naming an invoice that is not its customer's is ignored.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from portal.billing.v1 import events_pb2, invoices_pb2
from portal.comments.v1 import events_pb2 as comment_events
from portal.mailer.v1 import email_pb2
from portal_kit.consumer import Event
from portal_kit.outbox import record_event
from portal_kit.timestamps import from_unix, utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import invoices
from services.billing.attention import notices
from services.billing.attention.models import AttentionChange, InvoiceAttention
from services.billing.attention.repository import AttentionChangeRepository, InvoiceAttentionRepository
from services.billing.delivery import EMAIL_REQUESTED_TOPIC, _default_recipients
from services.billing.event_log import record
from services.billing.messages import invoice_to_pb
from services.billing.models import Invoice
from services.billing.repository import InvoiceRepository

log = logging.getLogger("billing.attention")
COMMENT_FLAG_TOPIC = "comments.comment_flag.v1"
Change = comment_events.CommentFlag.Change


async def _tell_customer(
    session: AsyncSession, secret_key: bytes, invoice: Invoice, flag: comment_events.CommentFlag
) -> None:
    """The business replied or resolved: an email to the invoice's customer (and its primary contacts)."""
    customer = await invoices.customer_of(session, invoice)
    recipients = await _default_recipients(session, customer)
    portal_url = flag.portal_url.rstrip("/")
    if not recipients or not portal_url.startswith(("http://", "https://")):
        return
    token = invoices.link_token(secret_key, invoice.link_nonce)
    update = events_pb2.CommentUpdateEmail(
        number=invoice.number,
        customer_name=customer.name,
        resolved=flag.change == Change.CHANGE_RESOLVED,
        author=flag.author,
        excerpt=flag.excerpt,
        link=f"{portal_url}/invoices/{token}",
    )
    event = events_pb2.EmailRequested(
        envelope=email_pb2.Envelope(
            to=[email_pb2.Recipient(name=r.name, email=r.email) for r in recipients[:50]],
            from_name=flag.business_name or "Billing portal",
        ),
        comment_update=update,
    )
    await record_event(session, EMAIL_REQUESTED_TOPIC, key=invoice.id, message=event)


async def _invoice_pb(session: AsyncSession, invoice: Invoice) -> invoices_pb2.Invoice:
    """The invoice as the event log keeps it: no link token, since bearer secrets stay out of the log."""
    return invoice_to_pb(await invoices.load(session, invoice), "", utcnow())


class CommentFlagHandler:
    """The billing consumer's handler for comments.comment_flag.v1."""

    def __init__(self, secret_key: bytes, digest_window: timedelta) -> None:
        self.secret_key = secret_key
        self.digest_window = digest_window

    async def __call__(self, event: Event, session: AsyncSession) -> None:
        flag = event.decode(comment_events.CommentFlag)
        if flag.document_type != "invoice":
            return  # estimates have no flag (yet); their threads live in the comments service alone
        invoice = await InvoiceRepository(session).find(flag.document_id)
        if invoice is None or invoice.customer_id != flag.customer_id:
            log.warning("comment flag for an unknown invoice ignored", extra={"event_id": event.event_id})
            return
        attention_rows = InvoiceAttentionRepository(session)
        attention = await attention_rows.of_invoice(invoice.id)
        if attention is None:
            attention = await attention_rows.add(InvoiceAttention(tenant_id=invoice.tenant_id, invoice_id=invoice.id))
        if flag.version <= attention.version:
            return  # a duplicate, or older than what was applied
        was = invoice.needs_attention
        attention.version = flag.version
        attention.updated_at = utcnow()
        if flag.change == Change.CHANGE_COMMENTED:
            attention.author, attention.excerpt = flag.author, flag.excerpt
        if flag.needs_attention != was:
            before = await _invoice_pb(session, invoice)
            invoice.needs_attention = flag.needs_attention
            session.add(invoice)
            change = AttentionChange(tenant_id=invoice.tenant_id, invoice_id=invoice.id, version=flag.version,
                                     change="flagged" if flag.needs_attention else "resolved",
                                     event_id=event.event_id, at=from_unix(flag.at) if flag.at else utcnow())  # fmt: skip
            await AttentionChangeRepository(session).add(change)
            attention.notice_pending = flag.needs_attention
            attention.flagged_at = change.at if flag.needs_attention else attention.flagged_at
            kind = "invoice.needs_attention" if flag.needs_attention else "invoice.attention_resolved"
            after = await _invoice_pb(session, invoice)
            await record(session, kind, after, customer_id=invoice.customer_id, previous=before)
        await attention_rows.save(attention)
        if flag.change in (Change.CHANGE_REPLIED, Change.CHANGE_RESOLVED):
            await _tell_customer(session, self.secret_key, invoice, flag)
        if flag.change == Change.CHANGE_COMMENTED:
            await notices.remember_address(session, flag.notification_email, flag.business_name, flag.portal_url)
            if attention.notice_pending:
                await notices.send_if_due(session, self.digest_window)
