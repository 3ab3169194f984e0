"""Billing's SQL, all of it, scoped by tenant. Nothing here commits; the servicer's unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal_kit.errors import AlreadyExists, NotFound
from portal_kit.repository import TenantRepository, table_of
from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, text, true
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import SQLCoreOperations
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


@dataclass(frozen=True)
class CustomerFilters:
    """Exact matches for a customer list; None = no condition."""

    email: str | None = None
    name: str | None = None
    number: str | None = None
    type: str | None = None
    currency: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class InvoiceFilters:
    """Conditions for an invoice list; None = no condition. `status` is one of invoices.STATUSES."""

    customer: int | None = None
    number: str | None = None
    currency: str | None = None
    status: str | None = None
    paid: bool | None = None
    draft: bool | None = None
    closed: bool | None = None
    needs_attention: bool | None = None


class CustomerRepository(TenantRepository[Customer]):
    model = Customer
    noun = "customer"

    async def number_taken(self, number: str) -> bool:
        return await self.exists(col(Customer.number) == number)

    async def add_numbered(self, customer: Customer) -> Customer:
        """Inserts a customer; a number taken meanwhile by a concurrent call is AlreadyExists, not a crash."""
        async with self._number_guard(customer.number):
            await self.add(customer)
        return customer

    async def renumber(self, customer: Customer, number: str) -> None:
        """Gives a loaded, unchanged customer a new number, with the same guarantee as add_numbered."""
        async with self._number_guard(number):
            customer.number = number
            await self.save(customer)

    def _number_guard(self, number: str) -> AbstractAsyncContextManager[None]:
        refusal = AlreadyExists(f"A customer with number '{number}' already exists.", "number")
        return self.unique(lambda: self.number_taken(number), refusal)

    def listing(self, filters: CustomerFilters, metadata: dict[str, str]) -> SelectOfScalar[Customer]:
        """The business's customers that match, unordered (walk() orders and pages them)."""
        query = self.base()
        for name, value in (
            ("email", filters.email),
            ("name", filters.name),
            ("number", filters.number),
            ("type", filters.type),
            ("currency", filters.currency),
            ("country", filters.country),
        ):
            if value is not None:
                query = query.where(col(getattr(Customer, name)) == value)
        for condition in CustomerMetadataRepository(self.session).matching(col(Customer.id), metadata):
            query = query.where(condition)
        return query

    async def by_email(self, address: str) -> list[Customer]:
        """Customers whose own email, or one of whose contacts' emails, is this address (case-insensitive)."""
        contact_owners = (
            ContactRepository(self.session)
            .base()
            .where(func.lower(col(Contact.email)) == address)
            .with_only_columns(col(Contact.customer_id))
        )
        query = self.base().where(
            or_(func.lower(col(Customer.email)) == address, col(Customer.id).in_(contact_owners.scalar_subquery()))
        )
        return await self.all(query.order_by(col(Customer.id)))


class ContactRepository(TenantRepository[Contact]):
    model = Contact
    noun = "contact"

    def of_customer(self, customer_id: int) -> SelectOfScalar[Contact]:
        return self.base().where(col(Contact.customer_id) == customer_id)

    async def get_of_customer(self, customer_id: int, contact_id: int) -> Contact:
        contact = await self.first(self.of_customer(customer_id).where(col(Contact.id) == contact_id))
        if contact is None:
            raise NotFound(f"No such contact: '{contact_id}'", "id")
        return contact

    async def page_of_customer(self, customer_id: int, page: int, per_page: int) -> tuple[list[Contact], int]:
        query = self.of_customer(customer_id).order_by(col(Contact.created_at), col(Contact.pk))
        return await self.page(query, page, per_page)

    async def primaries(self, customer_id: int) -> list[Contact]:
        return await self.all(
            self.of_customer(customer_id).where(col(Contact.primary).is_(True)).order_by(col(Contact.pk))
        )

    async def delete_of_customer(self, customer_id: int) -> None:
        await self.delete(col(Contact.customer_id) == customer_id)


def status_condition(status: str, now: datetime) -> ColumnElement[bool]:
    """The SQL twin of invoices.invoice_status, for filter[status]."""
    voided, draft, paid, sent = (col(getattr(Invoice, name)).is_(True) for name in ("voided", "draft", "paid", "sent"))
    open_ = and_(not_(voided), not_(draft), not_(paid), col(Invoice.pending_amount) == 0)
    past_due = and_(col(Invoice.balance) > 0, col(Invoice.due_date).is_not(None), col(Invoice.due_date) < now)
    conditions = {
        "voided": voided,
        "draft": and_(not_(voided), draft),
        "paid": and_(not_(voided), not_(draft), paid),
        "pending": and_(not_(voided), not_(draft), not_(paid), col(Invoice.pending_amount) > 0),
        "past_due": and_(open_, past_due),
        "sent": and_(open_, not_(past_due), sent),
        "not_sent": and_(open_, not_(past_due), not_(sent)),
    }
    return conditions.get(status, false())


class InvoiceRepository(TenantRepository[Invoice]):
    model = Invoice
    noun = "invoice"

    async def by_link_hash(self, link_hash: str) -> Invoice | None:
        return await self.first(self.base().where(col(Invoice.link_hash) == link_hash))

    async def any_of_customer(self, customer_id: int) -> bool:
        return await self.exists(col(Invoice.customer_id) == customer_id)

    async def number_taken(self, number: str) -> bool:
        return await self.exists(col(Invoice.number) == number)

    async def number_new(self, invoice: Invoice, prefix: str) -> None:
        """Gives a just-written invoice the next number of the business's invoice sequence ("INV-0042"). Invoice
        numbers are never chosen by hand, so that number is free. On PostgreSQL the sequence's upsert and the
        invoice's update are one statement: the sequence row's lock is then held for that statement and the commit.
        """
        dialect = (await self.session.connection()).dialect.name
        if dialect != "postgresql":
            value = await NumberSequenceRepository(self.session).take("invoice")
            number = f"{prefix}-{value:04d}"
            await self.update(col(Invoice.pk) == invoice.pk, values={"number": number})
        else:
            number = (await self.session.execute(NUMBER_NEW_INVOICE, {
                "tenant": self.tenant_id, "kind": "invoice", "prefix": prefix + "-", "pk": invoice.pk,
            })).scalar_one()  # fmt: skip
        set_committed_value(invoice, "number", number)  # already written: no second UPDATE at the next flush

    def listing(self, filters: InvoiceFilters, metadata: dict[str, str], now: datetime) -> SelectOfScalar[Invoice]:
        """The business's invoices that match, unordered (walk() orders and pages them)."""
        query = self.base()
        if filters.customer is not None:
            query = query.where(col(Invoice.customer_id) == filters.customer)
        if filters.number is not None:
            query = query.where(col(Invoice.number) == filters.number)
        if filters.currency is not None:
            query = query.where(col(Invoice.currency) == filters.currency)
        if filters.status is not None:
            query = query.where(status_condition(filters.status, now))
        flags = (("paid", filters.paid), ("draft", filters.draft), ("closed", filters.closed),
                 ("needs_attention", filters.needs_attention))  # fmt: skip
        for flag, value in flags:
            if value is not None:
                query = query.where(col(getattr(Invoice, flag)).is_(value))
        for condition in InvoiceMetadataRepository(self.session).matching(col(Invoice.id), metadata):
            query = query.where(condition)
        return query


# The next value of a sequence and the invoice's number in one statement (same text as f"{prefix}{value:04d}").
NUMBER_NEW_INVOICE = text("""
    WITH taken AS (
      INSERT INTO number_sequences (tenant_id, kind, next_value) VALUES (:tenant, :kind, 2)
      ON CONFLICT (tenant_id, kind) DO UPDATE SET next_value = number_sequences.next_value + 1
      RETURNING next_value - 1 AS value
    )
    UPDATE invoices
    SET number = :prefix || CASE WHEN taken.value < 10000 THEN lpad(taken.value::text, 4, '0')
                                 ELSE taken.value::text END
    FROM taken
    WHERE invoices.tenant_id = :tenant AND invoices.pk = :pk
    RETURNING invoices.number
""")


class LineItemRepository(TenantRepository[LineItem]):
    model = LineItem
    noun = "line item"

    async def of_invoices(self, invoice_ids: Sequence[int]) -> dict[int, list[LineItem]]:
        grouped: dict[int, list[LineItem]] = {invoice_id: [] for invoice_id in invoice_ids}
        if not invoice_ids:
            return grouped
        query = self.base().where(col(LineItem.invoice_id).in_(invoice_ids)).order_by(col(LineItem.position))
        for item in await self.all(query):
            grouped[item.invoice_id].append(item)
        return grouped

    async def of_invoice(self, invoice_id: int) -> list[LineItem]:
        return (await self.of_invoices([invoice_id]))[invoice_id]

    async def replace_of_invoice(self, invoice_id: int, items: Sequence[LineItem]) -> None:
        await self.delete_of_invoice(invoice_id)
        await self.add_all(items)

    async def add_all(self, items: Sequence[LineItem]) -> None:
        self.stage_all(items)
        await self.session.flush()

    def stage_all(self, items: Sequence[LineItem]) -> None:
        for item in items:
            item.tenant_id = self.tenant_id
        self.session.add_all(items)

    async def delete_of_invoice(self, invoice_id: int) -> None:
        await self.delete(col(LineItem.invoice_id) == invoice_id)
        await self.session.flush()


class _MetadataRepository(TenantRepository[Any]):
    """Metadata as (owner_id, key, value) rows, so lists can filter on it in SQL."""

    model: type[CustomerMetadata] | type[InvoiceMetadata]

    async def of_owners(self, owner_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        grouped: dict[int, dict[str, str]] = {owner_id: {} for owner_id in owner_ids}
        if not owner_ids:
            return grouped
        query = self.base().where(col(self.model.owner_id).in_(owner_ids)).order_by(col(self.model.key))
        for row in await self.all(query):
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
        await self.delete(col(self.model.owner_id) == owner_id)

    def matching(self, owner_id: SQLCoreOperations[int], values: dict[str, str]) -> list[ColumnElement[bool]]:
        """EXISTS conditions, one per key, correlated with the owner's id column."""
        m = self.model
        return [
            exists().where(self.scope(), col(m.owner_id) == owner_id, col(m.key) == key, col(m.value) == value)
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


# The columns an account page shows, plus what the status and the keyset need: selected as plain rows, never
# loaded as ORM objects (the account page is the portal's hottest read).
ROW_COLUMNS = ("pk", "id", "customer_id", "number", "date", "due_date", "currency", "total", "balance", "draft",
               "voided", "paid", "sent", "pending_amount")  # fmt: skip
HOLDER_COLUMNS = ("id", "name", "number", "email", "currency")


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One line of a customer's invoice list (ROW_COLUMNS, in order)."""

    pk: int
    id: int
    customer_id: int
    number: str
    date: datetime
    due_date: datetime | None
    currency: str
    total: int
    balance: int
    draft: bool
    voided: bool
    paid: bool
    sent: bool
    pending_amount: int


INVOICE_TERM_COLUMNS = ("id", "currency", "autopay", "payment_terms")


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    """What a new invoice takes from its customer (INVOICE_TERM_COLUMNS, in order)."""

    id: int
    currency: str | None
    autopay: bool
    payment_terms: str | None


@dataclass(frozen=True, slots=True)
class HolderRow:
    """A customer's display fields (HOLDER_COLUMNS, in order)."""

    id: int
    name: str
    number: str
    email: str | None
    currency: str | None


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
        return self.scope()

    def _balances(self, customer_id: int) -> Select[str, int, int]:
        """What is owed per currency over every open invoice (not draft, voided or paid)."""
        return (
            core_select(
                col(Invoice.currency), func.sum(col(Invoice.balance)).label("outstanding"), func.count().label("n")
            )
            .where(
                self.tenant_condition(),
                col(Invoice.customer_id) == customer_id,
                col(Invoice.draft).is_(False),
                col(Invoice.voided).is_(False),
                col(Invoice.paid).is_(False),
            )
            .group_by(col(Invoice.currency))
        )

    async def open_balances(self, customer_id: int) -> list[OpenBalance]:
        """What is owed per currency over every open invoice, in one query."""
        rows = (await self.session.execute(self._balances(customer_id).order_by(col(Invoice.currency)))).all()
        return [OpenBalance(currency, int(total or 0), int(count)) for currency, total, count in rows]

    async def holder_and_balances(self, customer_id: int) -> tuple[HolderRow | None, list[OpenBalance]]:
        """The customer's display fields and its open balances in one round trip: the customer joined with its
        balances (one row per currency, or one row with no currency when nothing is open)."""
        customer = table_of(Customer).c
        balances = self._balances(customer_id).subquery()
        columns: list[Any] = [customer[name] for name in HOLDER_COLUMNS]
        columns += [balances.c.currency.label("owed_currency"), balances.c.outstanding, balances.c.n]
        query = (
            core_select(*columns)
            .select_from(table_of(Customer).outerjoin(balances, true()))
            .where(self.scope(Customer), customer.id == customer_id)
            .order_by(balances.c.currency)
        )
        rows = (await self.session.execute(query)).all()
        if not rows:
            return None, []
        holder = HolderRow(*rows[0][: len(HOLDER_COLUMNS)])
        found = [
            OpenBalance(r.owed_currency, int(r.outstanding or 0), int(r.n)) for r in rows if r.owed_currency is not None
        ]
        return holder, found

    async def rows_of_customer(self, customer_id: int, limit: int, before_pk: int | None) -> list[InvoiceRow]:
        """Newest first, drafts left out; only the list's columns (keyset on pk through the (tenant, customer, pk)
        index, no count)."""
        c = table_of(Invoice).c
        query = (
            select(*(c[name] for name in ROW_COLUMNS))
            .where(self.tenant_condition(), c.customer_id == customer_id, c.draft.is_(False))
            .order_by(c.pk.desc())
            .limit(limit)
        )
        if before_pk is not None:
            query = query.where(c.pk < before_pk)
        return [InvoiceRow(*row) for row in (await self.session.execute(query)).all()]


class CustomerLookupRepository(TenantRepository[Customer]):
    model = Customer
    noun = "customer"

    async def holder(self, customer_id: int) -> HolderRow | None:
        """The display fields of one customer (an account page's header)."""
        c = table_of(Customer).c
        query = select(*(c[name] for name in HOLDER_COLUMNS)).where(self.scope(), c.id == customer_id)
        row = (await self.session.execute(query)).first()
        return HolderRow(*row) if row is not None else None

    async def invoice_terms(self, customer_id: int) -> InvoiceTerms | None:
        """What a new invoice takes from its customer (INVOICE_TERM_COLUMNS), without loading the customer."""
        c = table_of(Customer).c
        query = select(*(c[name] for name in INVOICE_TERM_COLUMNS)).where(self.scope(), c.id == customer_id)
        row = (await self.session.execute(query)).first()
        return InvoiceTerms(*row) if row is not None else None

    async def many(self, customer_ids: Sequence[int]) -> list[Customer]:
        """Several customers in one query, in no particular order."""
        if not customer_ids:
            return []
        query = self.base().where(col(Customer.id).in_(customer_ids))
        return list((await self.session.exec(query)).all())
