"""Tenant-scoped queries for the customer's own account pages: only the columns those pages show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal_kit.repository import TenantRepository
from sqlalchemy import func
from sqlalchemy.orm import load_only
from sqlmodel import col, select

from services.billing.models import Customer, Invoice

# The columns an account page shows, plus what the status and the keyset need. Loaded by name: sqlmodel types
# the class attributes as their values, so load_only gets them through getattr.
ROW_COLUMNS = ("pk", "id", "customer_id", "number", "date", "due_date", "currency", "total", "balance", "draft",
               "voided", "paid", "sent")  # fmt: skip
HOLDER_COLUMNS = ("pk", "id", "name", "number", "email", "currency")


@dataclass(frozen=True)
class OpenBalance:
    currency: str
    outstanding: int
    open_invoices: int


class AccountRepository(TenantRepository[Invoice]):
    model = Invoice
    noun = "invoice"

    async def open_balances(self, customer_id: int) -> list[OpenBalance]:
        """What is owed per currency over every open invoice (not draft, voided or paid), in one query."""
        query = (
            select(col(Invoice.currency), func.sum(col(Invoice.balance)), func.count())
            .where(
                col(Invoice.tenant_id) == self.tenant_id,
                col(Invoice.customer_id) == customer_id,
                col(Invoice.draft).is_(False),
                col(Invoice.voided).is_(False),
                col(Invoice.paid).is_(False),
            )
            .group_by(col(Invoice.currency))
            .order_by(col(Invoice.currency))
        )
        rows = (await self.session.exec(query)).all()
        return [OpenBalance(currency, int(total or 0), int(count)) for currency, total, count in rows]

    async def rows_of_customer(self, customer_id: int, limit: int, before_pk: int | None) -> list[Invoice]:
        """Newest first, drafts left out; only the list's columns are loaded (keyset on pk, no count)."""
        query = (
            self.base()
            .options(load_only(*(getattr(Invoice, name) for name in ROW_COLUMNS)))
            .where(col(Invoice.customer_id) == customer_id, col(Invoice.draft).is_(False))
            .order_by(col(Invoice.pk).desc())
            .limit(limit)
        )
        if before_pk is not None:
            query = query.where(col(Invoice.pk) < before_pk)
        return list((await self.session.exec(query)).all())


class CustomerLookupRepository(TenantRepository[Customer]):
    model = Customer
    noun = "customer"

    async def holder(self, customer_id: int) -> Customer | None:
        """The display fields of one customer (an account page's header)."""
        columns = (getattr(Customer, name) for name in HOLDER_COLUMNS)
        query = self.base().options(load_only(*columns)).where(col(Customer.id) == customer_id)
        return (await self.session.exec(query)).first()

    async def many(self, customer_ids: Sequence[int]) -> list[Customer]:
        """Several customers in one query, in no particular order."""
        if not customer_ids:
            return []
        query = self.base().where(col(Customer.id).in_(customer_ids))
        return list((await self.session.exec(query)).all())
