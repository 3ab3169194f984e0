"""Tenant-scoped queries for billing. Nothing here commits; the servicer's unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal_kit.errors import NotFound
from portal_kit.repository import TenantRepository
from sqlalchemy import ColumnElement, delete, exists, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import load_only
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.billing.models import (
    Contact,
    Customer,
    CustomerMetadata,
    Invoice,
    InvoiceMetadata,
    LineItem,
    NumberSequence,
)


class CustomerRepository(TenantRepository[Customer]):
    model = Customer
    noun = "customer"

    async def number_taken(self, number: str) -> bool:
        found = await self.session.exec(self.base().where(Customer.number == number))
        return found.first() is not None


class ContactRepository(TenantRepository[Contact]):
    model = Contact
    noun = "contact"

    def of_customer(self, customer_id: int) -> SelectOfScalar[Contact]:
        return self.base().where(Contact.customer_id == customer_id)

    async def get_of_customer(self, customer_id: int, contact_id: int) -> Contact:
        found = await self.session.exec(self.of_customer(customer_id).where(Contact.id == contact_id))
        contact = found.first()
        if contact is None:
            raise NotFound(f"No such contact: '{contact_id}'", "id")
        return contact

    async def primaries(self, customer_id: int) -> list[Contact]:
        query = self.of_customer(customer_id).where(col(Contact.primary).is_(True)).order_by(col(Contact.pk))
        return list((await self.session.exec(query)).all())

    async def delete_of_customer(self, customer_id: int) -> None:
        await self.session.exec(
            delete(Contact).where(col(Contact.tenant_id) == self.tenant_id, col(Contact.customer_id) == customer_id)
        )


class InvoiceRepository(TenantRepository[Invoice]):
    model = Invoice
    noun = "invoice"

    async def by_link_hash(self, link_hash: str) -> Invoice | None:
        found = await self.session.exec(self.base().where(Invoice.link_hash == link_hash))
        return found.first()

    async def any_of_customer(self, customer_id: int) -> bool:
        found = await self.session.exec(self.base().where(Invoice.customer_id == customer_id).limit(1))
        return found.first() is not None

    async def number_taken(self, number: str) -> bool:
        found = await self.session.exec(self.base().where(Invoice.number == number))
        return found.first() is not None


class LineItemRepository(TenantRepository[LineItem]):
    model = LineItem
    noun = "line item"

    async def of_invoices(self, invoice_ids: Sequence[int]) -> dict[int, list[LineItem]]:
        grouped: dict[int, list[LineItem]] = {invoice_id: [] for invoice_id in invoice_ids}
        if not invoice_ids:
            return grouped
        query = self.base().where(col(LineItem.invoice_id).in_(invoice_ids)).order_by(col(LineItem.position))
        for item in (await self.session.exec(query)).all():
            grouped[item.invoice_id].append(item)
        return grouped

    async def of_invoice(self, invoice_id: int) -> list[LineItem]:
        return (await self.of_invoices([invoice_id]))[invoice_id]

    async def delete_of_invoice(self, invoice_id: int) -> None:
        await self.session.exec(
            delete(LineItem).where(col(LineItem.tenant_id) == self.tenant_id, col(LineItem.invoice_id) == invoice_id)
        )
        await self.session.flush()


class _MetadataRepository(TenantRepository[Any]):
    """Metadata as (owner_id, key, value) rows, so lists can filter on it in SQL."""

    model: type[CustomerMetadata] | type[InvoiceMetadata]

    async def of_owners(self, owner_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        grouped: dict[int, dict[str, str]] = {owner_id: {} for owner_id in owner_ids}
        if not owner_ids:
            return grouped
        query = self.base().where(col(self.model.owner_id).in_(owner_ids)).order_by(col(self.model.key))
        for row in (await self.session.exec(query)).all():
            grouped[row.owner_id][row.key] = row.value
        return grouped

    async def of_owner(self, owner_id: int) -> dict[str, str]:
        return (await self.of_owners([owner_id]))[owner_id]

    async def replace(self, owner_id: int, values: dict[str, str]) -> None:
        await self.delete_of_owner(owner_id)
        self.add_new(owner_id, values)
        await self.session.flush()

    def add_new(self, owner_id: int, values: dict[str, str]) -> None:
        """The metadata of an owner that has none yet (written by the next flush)."""
        for key, value in values.items():
            self.session.add(self.model(tenant_id=self.tenant_id, owner_id=owner_id, key=key, value=value))

    async def delete_of_owner(self, owner_id: int) -> None:
        await self.session.exec(
            delete(self.model).where(col(self.model.tenant_id) == self.tenant_id, col(self.model.owner_id) == owner_id)
        )

    def matching(self, owner_id: Any, values: dict[str, str]) -> list[ColumnElement[bool]]:
        """EXISTS conditions, one per key, correlated with the owner's id column."""
        m = self.model
        return [
            exists().where(m.owner_id == owner_id, m.tenant_id == self.tenant_id, m.key == key, m.value == value)
            for key, value in sorted(values.items())
        ]


class CustomerMetadataRepository(_MetadataRepository):
    model = CustomerMetadata


class InvoiceMetadataRepository(_MetadataRepository):
    model = InvoiceMetadata


class NumberSequenceRepository(TenantRepository[NumberSequence]):
    model = NumberSequence
    noun = "number sequence"

    async def take(self, kind: str) -> int:
        """The next value of the business's sequence, atomically (an upsert that locks the row until commit)."""
        dialect = (await self.session.connection()).dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(NumberSequence)
            .values(tenant_id=self.tenant_id, kind=kind, next_value=2)
            .on_conflict_do_update(
                index_elements=["tenant_id", "kind"], set_={"next_value": col(NumberSequence.next_value) + 1}
            )
            .returning(col(NumberSequence.next_value))
        )
        result = await self.session.exec(statement)
        return int(result.scalar_one()) - 1


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

    def tenant_condition(self) -> ColumnElement[bool]:
        """The tenant condition of base(), for queries that select columns rather than invoices."""
        condition = self.base().whereclause
        assert condition is not None
        return condition

    async def open_balances(self, customer_id: int) -> list[OpenBalance]:
        """What is owed per currency over every open invoice (not draft, voided or paid), in one query."""
        query = (
            select(col(Invoice.currency), func.sum(col(Invoice.balance)), func.count())
            .where(
                self.tenant_condition(),
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
