"""Subscription invoices' SQL, scoped by tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from portal_kit.repository import TenantRepository
from portal_kit.timestamps import utcnow
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.models import Invoice
from services.billing.subscription_invoices.models import BusinessPresentation, SubscriptionInvoice


class SubscriptionInvoiceRepository(TenantRepository[SubscriptionInvoice]):
    model = SubscriptionInvoice
    noun = "subscription invoice"

    async def of_period(self, subscription_id: int, period_start: datetime) -> SubscriptionInvoice | None:
        return await self.first(
            self.base().where(
                col(SubscriptionInvoice.subscription_id) == subscription_id,
                col(SubscriptionInvoice.period_start) == period_start,
            )
        )

    async def with_invoices(self, invoice_ids: Sequence[int]) -> list[tuple[SubscriptionInvoice, Invoice]]:
        query = (
            select(SubscriptionInvoice, Invoice)
            .join(Invoice, col(Invoice.id) == col(SubscriptionInvoice.id))
            .where(self.scope(), self.scope(Invoice), col(SubscriptionInvoice.id).in_(list(invoice_ids)))
        )
        return [(link, invoice) for link, invoice in (await self.session.exec(query)).all()]


class PresentationRepository:
    """One row per business (its primary key is the tenant)."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def current(self) -> BusinessPresentation | None:
        return await self.session.get(BusinessPresentation, self.tenant_id)

    async def remember(self, business_name: str, portal_url: str) -> None:
        row = await self.current()
        if row is None:
            row = BusinessPresentation(tenant_id=self.tenant_id, business_name=business_name, portal_url=portal_url)
        elif (row.business_name, row.portal_url) == (business_name, portal_url):
            return
        row.business_name, row.portal_url, row.updated_at = business_name, portal_url, utcnow()
        self.session.add(row)
        await self.session.flush()
