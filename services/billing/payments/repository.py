"""The payment ledger's SQL, scoped by tenant. Rows that move money are read FOR UPDATE (PostgreSQL locks them
until the unit of work commits; SQLite serializes writers anyway)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from portal_kit.repository import TenantRepository
from sqlmodel import col, select

from services.billing.estimates.models import Estimate
from services.billing.models import Invoice
from services.billing.payments.models import Payment, PaymentApplication, PaymentRefund


@dataclass(frozen=True)
class PaymentFilters:
    """Conditions for a payment list; None = no condition. start_date <= date < end_date."""

    customer: int | None = None
    currency: str | None = None
    method: str | None = None
    source: str | None = None
    status: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None


class PaymentRepository(TenantRepository[Payment]):
    model = Payment
    noun = "payment"

    async def get_locked(self, payment_id: int) -> Payment:
        """The payment, its row locked and its attributes re-read (a concurrent settle may have changed them)."""
        query = self.base().where(col(Payment.id) == payment_id).with_for_update()
        found = await self.first(query.execution_options(populate_existing=True))
        if found is None:
            return await self.get(payment_id)  # the same NotFound as any missing id
        return found

    async def of_estimate(self, estimate_id: int) -> list[Payment]:
        """The payments of an estimate's deposit (any status), oldest first."""
        query = self.base().where(col(Payment.estimate_id) == estimate_id)
        return await self.all(query.order_by(col(Payment.pk)))

    async def estimate_numbers(self, payments: Sequence[Payment]) -> dict[int, str]:
        """The display numbers (EST-0001) of these deposit payments' estimates, in one query (none without any)."""
        ids = sorted({p.estimate_id for p in payments if p.estimate_id is not None})
        if not ids:
            return {}
        query = select(Estimate.id, Estimate.number).where(self.scope(Estimate), col(Estimate.id).in_(ids))
        return {estimate_id: number for estimate_id, number in (await self.session.exec(query)).all()}

    async def by_reference(self, source: str, reference: str) -> Payment | None:
        return await self.first(self.base().where(col(Payment.source) == source, col(Payment.reference) == reference))

    async def listing(self, filters: PaymentFilters, page: int, per_page: int) -> tuple[list[Payment], int]:
        query = self.base()
        for name in ("customer", "currency", "method", "source", "status"):
            value = getattr(filters, name)
            if value is not None:
                column = Payment.customer_id if name == "customer" else getattr(Payment, name)
                query = query.where(col(column) == value)
        if filters.start_date is not None:
            query = query.where(col(Payment.date) >= filters.start_date)
        if filters.end_date is not None:
            query = query.where(col(Payment.date) < filters.end_date)
        return await self.page(query.order_by(col(Payment.date), col(Payment.pk)), page, per_page)

    async def received_between(
        self, customer_id: int, statuses: Sequence[str], start: datetime, end: datetime
    ) -> list[Payment]:
        """A customer's payments dated in [start, end), oldest first."""
        query = (
            self.base()
            .where(
                col(Payment.customer_id) == customer_id,
                col(Payment.status).in_(statuses),
                col(Payment.date) >= start,
                col(Payment.date) < end,
            )
            .order_by(col(Payment.date), col(Payment.pk))
        )
        return await self.all(query)

    async def of_customer(self, customer_id: int, statuses: Sequence[str], limit: int) -> list[Payment]:
        """A customer's payments, newest first."""
        query = (
            self.base()
            .where(col(Payment.customer_id) == customer_id, col(Payment.status).in_(statuses))
            .order_by(col(Payment.date).desc(), col(Payment.pk).desc())
            .limit(limit)
        )
        return await self.all(query)


class StatementRepository(TenantRepository[Invoice]):
    model = Invoice
    noun = "invoice"

    async def open_invoices(self, customer_id: int, start: datetime, end: datetime) -> list[Invoice]:
        """The customer's invoices dated in [start, end) that still have a balance (not drafts or voided)."""
        query = (
            self.base()
            .where(
                col(Invoice.customer_id) == customer_id,
                col(Invoice.draft).is_(False),
                col(Invoice.voided).is_(False),
                col(Invoice.balance) > 0,
                col(Invoice.date) >= start,
                col(Invoice.date) < end,
            )
            .order_by(col(Invoice.date), col(Invoice.pk))
        )
        return await self.all(query)


class PaymentApplicationRepository(TenantRepository[PaymentApplication]):
    model = PaymentApplication
    noun = "payment application"

    async def of_payments(self, payment_ids: Sequence[int]) -> dict[int, list[PaymentApplication]]:
        grouped: dict[int, list[PaymentApplication]] = {payment_id: [] for payment_id in payment_ids}
        if not payment_ids:
            return grouped
        query = (
            self.base()
            .where(col(PaymentApplication.payment_id).in_(payment_ids))
            .order_by(col(PaymentApplication.position))
        )
        for row in await self.all(query):
            grouped[row.payment_id].append(row)
        return grouped

    async def add_all(self, rows: Sequence[PaymentApplication]) -> None:
        for row in rows:
            row.tenant_id = self.tenant_id
        self.session.add_all(rows)
        await self.session.flush()

    async def save_all(self, rows: Sequence[PaymentApplication]) -> None:
        for row in rows:
            await self.save(row)


class PaymentRefundRepository(TenantRepository[PaymentRefund]):
    model = PaymentRefund
    noun = "refund"

    async def by_reference(self, payment_id: int, reference: str) -> PaymentRefund | None:
        return await self.first(
            self.base().where(col(PaymentRefund.payment_id) == payment_id, col(PaymentRefund.reference) == reference)
        )


class InvoiceLockRepository(TenantRepository[Invoice]):
    """Invoices that a payment moves money on."""

    model = Invoice
    noun = "invoice"

    async def locked(self, invoice_ids: Sequence[int]) -> dict[int, Invoice]:
        """The invoices, locked FOR UPDATE in id order (two payments over the same invoices cannot deadlock) and
        re-read (an earlier load in this session may be stale). Missing or other tenants' ids are absent."""
        if not invoice_ids:
            return {}
        query = (
            self.base()
            .where(col(Invoice.id).in_(sorted(set(invoice_ids))))
            .order_by(col(Invoice.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {invoice.id: invoice for invoice in await self.all(query)}

    async def numbers(self, invoice_ids: Sequence[int]) -> dict[int, str]:
        """Display numbers (INV-0001) by id, in one query."""
        if not invoice_ids:
            return {}
        query = self.base().where(col(Invoice.id).in_(list(invoice_ids)))
        return {invoice.id: invoice.number for invoice in await self.all(query)}

    async def save_all(self, invoices: Sequence[Invoice]) -> None:
        for invoice in invoices:
            await self.save(invoice)
