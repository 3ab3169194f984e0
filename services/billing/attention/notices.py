"""The business hears about flagged invoices by email, grouped so a flood of comments never floods its inbox.

How they are grouped:
- per invoice: only the flag going up (the first comment since the thread was last resolved) queues a notice;
  more comments on a flagged invoice add nothing;
- per business: at most one email per digest window (default 10 minutes). The first flag after a quiet window is
  emailed at once; flags within the window wait, and one email then lists every invoice flagged meanwhile
  (the first 20, and how many more). The digest loop sends those when the window ends.
A business without a notification address (comment settings) gets no email; the flag and the API still show it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from portal.billing.v1 import events_pb2
from portal.mailer.v1 import email_pb2
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.outbox import OutboxRelay, record_event
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.attention.models import AttentionNotice
from services.billing.attention.repository import (
    AttentionNoticeRepository,
    InvoiceAttentionRepository,
    businesses_due,
)
from services.billing.delivery import EMAIL_REQUESTED_TOPIC

log = logging.getLogger("billing.attention")
LISTED = 20  # invoices named in one email; the rest are counted


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def remember_address(session: AsyncSession, address: str, business_name: str, portal_url: str) -> None:
    """The business's latest notification address and name, as the comment events carry them."""
    notices = AttentionNoticeRepository(session)
    notice = await notices.locked() or AttentionNotice(tenant_id=notices.tenant_id)
    notice.notification_email, notice.business_name, notice.portal_url = address, business_name, portal_url
    notice.updated_at = utcnow()
    await notices.add(notice)


async def send_if_due(session: AsyncSession, window: timedelta) -> bool:
    """Emails the business every invoice flagged since its last email, unless one went out within the window."""
    notices = AttentionNoticeRepository(session)
    notice = await notices.locked()
    if notice is None:
        return False
    now = utcnow()
    if notice.last_sent_at is not None and now - _aware(notice.last_sent_at) < window:
        return False
    attention = InvoiceAttentionRepository(session)
    pending = await attention.pending(LISTED)
    total = await attention.count_pending()
    await attention.clear_pending()
    if not pending or not notice.notification_email:
        return False
    items = [
        events_pb2.AttentionItem(invoice_id=i.id, number=i.number, customer_name=c.name, excerpt=a.excerpt)
        for a, i, c in pending
    ]
    email = events_pb2.NeedsAttentionEmail(items=items, more=max(total - len(items), 0))
    event = events_pb2.EmailRequested(
        envelope=email_pb2.Envelope(
            to=[email_pb2.Recipient(name=notice.business_name, email=notice.notification_email)],
            from_name=notice.business_name or "Billing portal",
        ),
        needs_attention=email,
    )
    await record_event(session, EMAIL_REQUESTED_TOPIC, key=f"attention:{notice.tenant_id}", message=event)
    notice.last_sent_at = now
    await notices.save(notice)
    return True


class AttentionDigest:
    """Sends the grouped emails that waited for their business's window to end."""

    def __init__(self, db: Database, relay: OutboxRelay, window: timedelta) -> None:
        self.db = db
        self.relay = relay
        self.window = window

    async def send_due(self) -> int:
        async with self.db.unit_of_work() as session:
            tenants = await businesses_due(session, utcnow() - self.window)
        sent = 0
        for tenant in tenants:
            with bound(tenant):
                async with self.db.unit_of_work() as session:
                    sent += await send_if_due(session, self.window)
        if sent:
            self.relay.notify()
        return sent

    async def run(self) -> None:
        interval = min(max(self.window.total_seconds() / 4, 0.2), 30.0)
        while True:
            try:
                await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - database down: the pending notices wait for the next round
                log.warning("attention digest failed; will retry", exc_info=True)
            await asyncio.sleep(interval)
