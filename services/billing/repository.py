"""Billing's SQL, all of it, scoped by tenant. Nothing here commits; the servicer's unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from portal_kit.context import current_tenant
from portal_kit.errors import AlreadyExists, NotFound
from portal_kit.reads import Reader, ReadQuery, tenant_scope
from portal_kit.repository import TenantRepository, table_of
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    not_,
    or_,
    text,
    true,
)
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import col
from sqlmodel.sql.expression import SelectOfScalar

from services.billing.attention.models import InvoiceAttention
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


INVOICE_TERM_COLUMNS = ("id", "currency", "autopay", "payment_terms")


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    """What a new invoice takes from its customer (INVOICE_TERM_COLUMNS, in order)."""

    id: int
    currency: str | None
    autopay: bool
    payment_terms: str | None


# The account pages (the portal's hottest reads): statements built once at import, run without a session and
# answered as plain rows (portal_kit.reads: prepared statements on PostgreSQL). Every one is scoped by the tenant.
class InvoiceRow(NamedTuple):
    """One line of a customer's invoice list: the columns the list shows, plus what the status and the keyset
    need."""

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


class HolderRow(NamedTuple):
    """A customer's display fields (an account page's header)."""

    id: int
    name: str
    number: str
    email: str | None
    currency: str | None


class InvoiceColumns(NamedTuple):
    """What an invoice page shows of the invoice itself (the Invoice message, without items and metadata)."""

    id: int
    customer_id: int
    number: str
    name: str | None
    currency: str
    autopay: bool
    draft: bool
    closed: bool
    paid: bool
    voided: bool
    sent: bool
    date: datetime
    due_date: datetime | None
    payment_terms: str | None
    purchase_order: str | None
    notes: str | None
    discounts: str
    taxes: str
    subtotal: int
    total_discounts: int
    total_taxes: int
    total: int
    balance: int
    amount_paid: int
    pending_amount: int
    link_nonce: str
    needs_attention: bool
    subscription_id: int | None
    created_at: datetime
    updated_at: datetime


class LineItemColumns(NamedTuple):
    """What an invoice page shows of a line item."""

    id: int
    catalog_item: str | None
    type: str | None
    name: str | None
    description: str | None
    quantity: str
    unit_cost: int
    amount: int
    discountable: bool
    taxable: bool
    discounts: str
    taxes: str
    metadata_json: str


@dataclass(frozen=True)
class OpenBalance:
    currency: str
    outstanding: int
    open_invoices: int


@dataclass(frozen=True)
class AccountPageRows:
    holder: HolderRow
    balances: list[OpenBalance]  # by currency
    rows: list[InvoiceRow]  # newest first


@dataclass(frozen=True)
class InvoicePageRows:
    """An invoice with what its page needs around it."""

    invoice: InvoiceColumns
    items: list[LineItemColumns]
    holder: HolderRow | None  # the principal's customer; None when it no longer exists
    has_comments: bool  # a comment-flag event was applied for it (attention/), so its thread exists
    has_metadata: bool


_HOLDER = len(HolderRow._fields)
_INVOICE = len(InvoiceColumns._fields)


def _account_statements() -> dict[str, ReadQuery]:
    invoice, customer = table_of(Invoice), table_of(Customer)
    attention, metadata, item = table_of(InvoiceAttention), table_of(InvoiceMetadata), table_of(LineItem)
    customer_id = bindparam("customer", type_=BigInteger)
    holder = [customer.c[name] for name in HolderRow._fields]
    owed = (
        core_select(invoice.c.currency, func.sum(invoice.c.balance).label("outstanding"), func.count().label("n"))
        .where(tenant_scope(invoice), invoice.c.customer_id == customer_id, invoice.c.draft.is_(False),
               invoice.c.voided.is_(False), invoice.c.paid.is_(False))
        .group_by(invoice.c.currency)
        .subquery("owed")
    )  # fmt: skip
    # The customer's display fields with its open balances: one row per currency owed, or one with no currency.
    head = (
        core_select(*holder, owed.c.currency.label("owed_currency"), owed.c.outstanding, owed.c.n)
        .select_from(customer.outerjoin(owed, true()))
        .where(tenant_scope(customer), customer.c.id == customer_id)
        .subquery("head")
    )
    rows = (
        core_select(*(invoice.c[name] for name in InvoiceRow._fields))
        .where(tenant_scope(invoice), invoice.c.customer_id == customer_id, invoice.c.draft.is_(False))
        .order_by(invoice.c.pk.desc())
        .limit(bindparam("limit", type_=Integer))
    )

    def account_page(page_rows: Select[Any]) -> ReadQuery:
        """The head joined with one page of rows: head x rows lines (one per row when one currency is owed)."""
        page = page_rows.subquery("page")
        return ReadQuery(
            core_select(*head.c, *page.c)
            .select_from(head.outerjoin(page, true()))
            .order_by(page.c.pk.desc(), head.c.owed_currency)
        )

    return {
        "first_page": account_page(rows),
        "page_before": account_page(rows.where(invoice.c.pk < bindparam("before", type_=BigInteger))),
        # Drafts are never shown; whether the principal may see the invoice is decided by account_summary. One line
        # per line item (one with no item when it has none).
        "invoice_page": ReadQuery(
            core_select(
                *(invoice.c[name] for name in InvoiceColumns._fields),
                *holder,
                exists().where(tenant_scope(attention), attention.c.invoice_id == invoice.c.id).label("has_comments"),
                exists().where(tenant_scope(metadata), metadata.c.owner_id == invoice.c.id).label("has_metadata"),
                *(item.c[name] for name in LineItemColumns._fields),
            )
            .select_from(
                invoice.outerjoin(customer, and_(tenant_scope(customer), customer.c.id == customer_id)).outerjoin(
                    item, and_(tenant_scope(item), item.c.invoice_id == invoice.c.id)
                )
            )
            .where(tenant_scope(invoice), invoice.c.id == bindparam("id", type_=BigInteger), invoice.c.draft.is_(False))
            .order_by(item.c.position)
        ),  # fmt: skip
        "metadata": ReadQuery(
            core_select(metadata.c.key, metadata.c.value)
            .where(tenant_scope(metadata), metadata.c.owner_id == bindparam("owner", type_=BigInteger))
            .order_by(metadata.c.key)
        ),
    }


ACCOUNT_READS = _account_statements()


class AccountReads:
    """A customer's account pages, each in one statement, for the tenant of the call (or `tenant_id`)."""

    def __init__(self, reader: Reader, tenant_id: str | None = None) -> None:
        self.reader = reader
        self.tenant_id = tenant_id or current_tenant()

    async def account_page(self, customer_id: int, limit: int, before_pk: int | None) -> AccountPageRows | None:
        """The customer's display fields (None if it does not exist), its open balances per currency (not draft,
        voided or paid), and up to `limit` of its invoices newest first, drafts left out: keyset on pk through the
        (tenant, customer, pk) index, no count."""
        if before_pk is None:
            found = await self.reader.rows(ACCOUNT_READS["first_page"], self.tenant_id, customer=customer_id,
                                           limit=limit)  # fmt: skip
        else:
            found = await self.reader.rows(ACCOUNT_READS["page_before"], self.tenant_id, customer=customer_id,
                                           limit=limit, before=before_pk)  # fmt: skip
        if not found:
            return None
        balances: dict[str, OpenBalance] = {}
        rows: list[InvoiceRow] = []
        last_pk = None
        for line in found:
            currency = line[_HOLDER]
            if currency is not None and currency not in balances:
                balances[currency] = OpenBalance(currency, int(line[_HOLDER + 1]), int(line[_HOLDER + 2]))
            pk = line[_HOLDER + 3]
            if pk is not None and pk != last_pk:
                rows.append(InvoiceRow(*line[_HOLDER + 3 :]))
                last_pk = pk
        return AccountPageRows(HolderRow(*found[0][:_HOLDER]), [balances[c] for c in sorted(balances)], rows)

    async def invoice_page(self, invoice_id: int, customer_id: int) -> InvoicePageRows | None:
        """The invoice (None if missing or a draft) with its line items and the display fields of `customer_id`."""
        found = await self.reader.rows(ACCOUNT_READS["invoice_page"], self.tenant_id, id=invoice_id,
                                       customer=customer_id)  # fmt: skip
        if not found:
            return None
        first = found[0]
        holder = HolderRow(*first[_INVOICE : _INVOICE + _HOLDER]) if first[_INVOICE] is not None else None
        items_at = _INVOICE + _HOLDER + 2
        items = [LineItemColumns(*line[items_at:]) for line in found if line[items_at] is not None]
        has_comments, has_metadata = bool(first[items_at - 2]), bool(first[items_at - 1])
        return InvoicePageRows(InvoiceColumns(*first[:_INVOICE]), items, holder, has_comments, has_metadata)

    async def metadata(self, invoice_id: int) -> dict[str, str]:
        found = await self.reader.rows(ACCOUNT_READS["metadata"], self.tenant_id, owner=invoice_id)
        return {key: value for key, value in found}


@cache
def invoice_terms_query() -> Select[Any]:
    """The first statement of every invoice creation, built once."""
    c = table_of(Customer).c
    return core_select(*(c[name] for name in INVOICE_TERM_COLUMNS)).where(
        tenant_scope(table_of(Customer)), c.id == bindparam("customer", type_=BigInteger)
    )


class CustomerLookupRepository(TenantRepository[Customer]):
    model = Customer
    noun = "customer"

    async def invoice_terms(self, customer_id: int) -> InvoiceTerms | None:
        """What a new invoice takes from its customer (INVOICE_TERM_COLUMNS), without loading the customer."""
        row = (await self.execute_bound(invoice_terms_query(), customer=customer_id)).first()
        return InvoiceTerms(*tuple(row)) if row is not None else None

    async def many(self, customer_ids: Sequence[int]) -> list[Customer]:
        """Several customers in one query, in no particular order."""
        if not customer_ids:
            return []
        query = self.base().where(col(Customer.id).in_(customer_ids))
        return list((await self.session.exec(query)).all())
