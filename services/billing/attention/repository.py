"""The needs-attention SQL, scoped by tenant (one query finds the businesses whose grouped email is due)."""

from __future__ import annotations

from datetime import datetime

from portal_kit.repository import TenantRepository
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.attention.models import AttentionChange, AttentionNotice, InvoiceAttention
from services.billing.models import Customer, Invoice


class InvoiceAttentionRepository(TenantRepository[InvoiceAttention]):
    model = InvoiceAttention
    noun = "invoice attention"

    async def of_invoice(self, invoice_id: int) -> InvoiceAttention | None:
        query = self.base().where(col(InvoiceAttention.invoice_id) == invoice_id).with_for_update()
        return await self.first(query)

    async def has_thread(self, invoice_id: int) -> bool:
        """Whether a comment-flag event was applied for the invoice, i.e. its comment thread exists."""
        return await self.count(col(InvoiceAttention.invoice_id) == invoice_id) > 0

    async def pending(self, limit: int) -> list[tuple[InvoiceAttention, Invoice, Customer]]:
        """Flagged invoices the business has not been emailed about, oldest flag first."""
        query = (
            select(InvoiceAttention, Invoice, Customer)
            .join(Invoice, col(Invoice.id) == col(InvoiceAttention.invoice_id))
            .join(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(self.scope(), col(InvoiceAttention.notice_pending).is_(True), col(Invoice.needs_attention).is_(True))
            .order_by(col(InvoiceAttention.flagged_at), col(InvoiceAttention.pk))
            .limit(limit)
        )
        return [(a, i, c) for a, i, c in (await self.session.exec(query)).all()]

    async def count_pending(self) -> int:
        return await self.count(col(InvoiceAttention.notice_pending).is_(True))

    async def clear_pending(self) -> int:
        return await self.update(col(InvoiceAttention.notice_pending).is_(True), values={"notice_pending": False})


class AttentionChangeRepository(TenantRepository[AttentionChange]):
    model = AttentionChange
    noun = "attention change"

    async def of_invoice(self, invoice_id: int) -> list[AttentionChange]:
        query = self.base().where(col(AttentionChange.invoice_id) == invoice_id).order_by(col(AttentionChange.pk))
        return await self.all(query)


class AttentionNoticeRepository(TenantRepository[AttentionNotice]):
    model = AttentionNotice
    noun = "attention notice"

    async def locked(self) -> AttentionNotice | None:
        return await self.first(self.base().with_for_update())


async def businesses_due(session: AsyncSession, sent_before: datetime, limit: int = 100) -> list[str]:
    """Businesses with flagged invoices not yet emailed whose last grouped email is older than `sent_before`.

    The one query across businesses: the digest loop then works on each within its own tenant scope.
    """
    query = (
        select(AttentionNotice.tenant_id)
        .where(or_(col(AttentionNotice.last_sent_at).is_(None), col(AttentionNotice.last_sent_at) < sent_before))
        .where(
            select(InvoiceAttention.pk)
            .where(
                col(InvoiceAttention.tenant_id) == col(AttentionNotice.tenant_id),
                col(InvoiceAttention.notice_pending).is_(True),
            )
            .exists()
        )
        .limit(limit)
    )
    return list((await session.exec(query)).all())
