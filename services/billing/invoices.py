"""Invoices: numbering, dates and terms, totals, status, voiding, deletion and the customer's document link."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Protocol

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from portal_kit.ids import derived_token, keyed_hash, new_public_id, new_uuid
from portal_kit.keyset import CursorCodec, Paging, Walk, list_key
from portal_kit.money import normalize_currency
from portal_kit.repository import new_row
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import amounts, validation
from services.billing.invoice_items import AdjustmentInput, ItemInput, adjustments, apply_totals, build_items
from services.billing.models import Customer, Invoice, LineItem
from services.billing.new_invoices.repository import NewInvoiceRepository
from services.billing.numbering import PREFIXES
from services.billing.repository import (
    CustomerLookupRepository,
    CustomerRepository,
    InvoiceFilters,
    InvoiceMetadataRepository,
    InvoiceRepository,
    InvoiceTerms,
    LineItemRepository,
)

LINK_PURPOSE = "invoice-link"
LINK_DAYS = 90
TEXT_LIMITS = {"name": 255, "purchase_order": 255, "notes": 10_000}
CLEARABLE = set(TEXT_LIMITS) | {"due_date", "payment_terms", "metadata", "items", "discounts", "taxes"}
FILTERS = {f.name for f in fields(InvoiceFilters)}
STATUSES = {"draft", "not_sent", "sent", "viewed", "past_due", "pending", "paid", "voided"}


@dataclass(frozen=True)
class InvoiceFields:
    """What a caller gave for an invoice: None means "not given". Amounts are minor units of the invoice's currency;
    dates are UNIX seconds."""

    customer: int | None = None
    name: str | None = None
    currency: str | None = None
    autopay: bool | None = None
    draft: bool | None = None
    closed: bool | None = None
    sent: bool | None = None
    date: int | None = None
    due_date: int | None = None
    payment_terms: str | None = None
    purchase_order: str | None = None
    notes: str | None = None
    items: list[ItemInput] | None = None
    discounts: list[AdjustmentInput] | None = None
    taxes: list[AdjustmentInput] | None = None
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class InvoiceChanges:
    fields: InvoiceFields
    cleared: list[str] = field(default_factory=list)


@dataclass
class InvoiceRecord:
    invoice: Invoice
    items: list[LineItem]
    metadata: dict[str, str]


def link_token(secret_key: bytes, nonce: str) -> str:
    return derived_token(secret_key, nonce, LINK_PURPOSE)


def link_hash(secret_key: bytes, token: str) -> str:
    return keyed_hash(secret_key, token, LINK_PURPOSE)


class StatusFields(Protocol):
    """What a status is computed from: an Invoice, or a row of an invoice list."""

    @property
    def voided(self) -> bool: ...
    @property
    def draft(self) -> bool: ...
    @property
    def paid(self) -> bool: ...
    @property
    def sent(self) -> bool: ...
    @property
    def balance(self) -> int: ...
    @property
    def pending_amount(self) -> int: ...
    @property
    def due_date(self) -> datetime | None: ...


def invoice_status(invoice: StatusFields, now: datetime) -> str:
    if invoice.voided:
        return "voided"
    if invoice.draft:
        return "draft"
    if invoice.paid:
        return "paid"
    if invoice.pending_amount > 0:
        return "pending"
    if invoice.balance > 0 and invoice.due_date is not None and invoice.due_date < now:
        return "past_due"
    return "sent" if invoice.sent else "not_sent"


def _apply(invoice: Invoice, given: InvoiceFields, cleared: list[str], creating: bool) -> dict[str, str] | None:
    """Sets the scalar fields and adjustments; returns the new metadata when it was given."""
    for name in cleared:
        if name not in CLEARABLE:
            raise InvalidArgument(f"{name} cannot be cleared.", name)
    for key, limit in TEXT_LIMITS.items():
        text = getattr(given, key)
        if text is not None:
            setattr(invoice, key, validation.text(text, key, limit))
    for flag in ("autopay", "draft", "closed", "sent"):
        value = getattr(given, flag)
        if value is not None:
            setattr(invoice, flag, value)
    if given.currency is not None:
        invoice.currency = normalize_currency(given.currency)
    if given.date is not None:
        invoice.date = validation.timestamp(given.date, "date")
    if given.due_date is not None:
        invoice.due_date = validation.timestamp(given.due_date, "due_date")
    if given.payment_terms is not None:
        invoice.payment_terms = validation.payment_terms(given.payment_terms)
    if given.discounts is not None:
        invoice.discounts = adjustments(given.discounts, invoice.discounts, "discounts")
    if given.taxes is not None:
        invoice.taxes = adjustments(given.taxes, invoice.taxes, "taxes")
    new_metadata = validation.metadata(given.metadata) if given.metadata is not None else None
    for name in cleared:
        if name in ("discounts", "taxes"):
            setattr(invoice, name, "[]")
        elif name == "metadata":
            new_metadata = {}
        elif name != "items":
            setattr(invoice, name, None)
    terms_or_date_changed = creating or given.payment_terms is not None or given.date is not None
    if terms_or_date_changed and given.due_date is None and "due_date" not in cleared and invoice.payment_terms:
        invoice.due_date = validation.due_date_for(invoice.payment_terms, invoice.date)
    return new_metadata


def _refuse_currency_change(invoice: Invoice, items: list[LineItem], currency: str | None) -> None:
    """Amounts are stored as minor units of the invoice's currency: a new currency would silently reinterpret them
    ($1,234.56 would become ¥123,456). Converting is not this service's call, so the change is refused instead."""
    if currency is None or normalize_currency(currency) == invoice.currency:
        return
    has_amounts = bool(items) or invoice.discounts != "[]" or invoice.taxes != "[]"
    if has_amounts:
        raise InvalidArgument(
            f"The currency of an invoice cannot be changed once it has line items, discounts or taxes: their "
            f"amounts are in {invoice.currency.upper()} and would be misread. Remove them first, or create a new "
            "invoice in the other currency.",
            "currency",
        )


def customer_given(changes: InvoiceChanges) -> int:
    """The customer a new invoice is for (required)."""
    if not changes.fields.customer:
        raise InvalidArgument("An invoice needs a customer.", "customer")
    return changes.fields.customer


def no_such_customer(customer_id: int) -> InvalidArgument:
    return InvalidArgument(f"No such customer: {customer_id}", "customer")


def new_invoice_record(
    secret_key: bytes, changes: InvoiceChanges, customer: InvoiceTerms, tenant_id: str
) -> tuple[InvoiceRecord, str]:
    """A new invoice of `customer` (its terms, read in the tenant), its line items and its metadata, checked and
    totalled but not written, without a number (""): whatever writes it gives it one. And its link token."""
    currency = amounts.resolved_currency(changes.fields.currency, None, customer.currency)
    given = amounts.document_in(changes.fields, currency)
    nonce = new_uuid()
    token = link_token(secret_key, nonce)
    now = utcnow()
    invoice = new_row(
        Invoice,
        tenant_id=tenant_id,
        id=new_public_id(),
        customer_id=customer.id,
        number="",
        currency=currency,
        autopay=customer.autopay,
        payment_terms=customer.payment_terms,
        date=now,
        link_nonce=nonce,
        link_hash=link_hash(secret_key, token),
        link_issued_at=now,
    )
    metadata = _apply(invoice, given, changes.cleared, creating=True) or {}
    items = build_items(given.items or [], [], tenant_id, invoice.id)
    apply_totals(invoice, items)
    return InvoiceRecord(invoice, items, metadata), token


async def create_invoice(
    session: AsyncSession,
    secret_key: bytes,
    changes: InvoiceChanges,
    before_numbering: Callable[[Invoice], Awaitable[None]] | None = None,
) -> InvoiceRecord:
    """Writes a new invoice in the session's unit of work (SQLite, keyed calls, subscription invoices; see
    new_invoices.creation for the single-statement path). `before_numbering` writes what goes with the new invoice
    while the business's number sequence is not yet locked (the number is taken last; see below)."""
    customer_id = customer_given(changes)
    invoices = InvoiceRepository(session)
    customer = await CustomerLookupRepository(session).invoice_terms(customer_id)
    if customer is None:
        raise no_such_customer(customer_id)
    record, _token = new_invoice_record(secret_key, changes, customer, invoices.tenant_id)
    invoice, items, metadata = record.invoice, record.items, record.metadata
    # The number is given last: taking it locks the business's sequence row until the commit, and a business's
    # invoices are numbered one after another. Without `before_numbering`, the invoice takes its number in the one
    # statement that writes it; the lock is then held for what the caller writes after it (the event) and the commit.
    if before_numbering is None:
        await NewInvoiceRepository(session).insert(invoice, items, metadata, PREFIXES["invoice"])
    else:
        invoice.number = f"pending-{invoice.id}"
        await NewInvoiceRepository(session).insert(invoice, items, metadata, None)
        await before_numbering(invoice)
        await invoices.number_new(invoice, PREFIXES["invoice"])
    return record


async def load(session: AsyncSession, invoice: Invoice) -> InvoiceRecord:
    items = await LineItemRepository(session).of_invoice(invoice.id)
    return InvoiceRecord(invoice, items, await InvoiceMetadataRepository(session).of_owner(invoice.id))


async def get_invoice(session: AsyncSession, invoice_id: int) -> InvoiceRecord:
    return await load(session, await InvoiceRepository(session).get(invoice_id))


async def update_invoice(session: AsyncSession, invoice_id: int, changes: InvoiceChanges) -> InvoiceRecord:
    given = changes.fields
    invoices = InvoiceRepository(session)
    invoice = await invoices.get(invoice_id)
    if invoice.voided:
        raise FailedPrecondition("This invoice has been voided and can no longer be changed.")
    if given.customer is not None and given.customer != invoice.customer_id:
        raise InvalidArgument("The customer of an invoice cannot be changed.", "customer")
    line_items = LineItemRepository(session)
    items = await line_items.of_invoice(invoice.id)
    _refuse_currency_change(invoice, items, given.currency)
    given = amounts.document_in(given, amounts.resolved_currency(given.currency, invoice.currency, None))
    new_metadata = _apply(invoice, given, changes.cleared, creating=False)
    if given.items is not None or "items" in changes.cleared:
        new_items = build_items(given.items or [], items, invoice.tenant_id, invoice.id)
        apply_totals(invoice, new_items)
        await line_items.replace_of_invoice(invoice.id, new_items)
        items = new_items
    else:
        apply_totals(invoice, items)
    invoice.updated_at = utcnow()
    await invoices.save(invoice)
    if new_metadata is not None:
        await InvoiceMetadataRepository(session).replace(invoice.id, new_metadata)
    return await load(session, invoice)


async def void_invoice(session: AsyncSession, invoice_id: int) -> InvoiceRecord:
    invoices = InvoiceRepository(session)
    invoice = await invoices.get(invoice_id)
    if invoice.voided:
        raise FailedPrecondition("This invoice has already been voided.")
    if invoice.paid:
        raise FailedPrecondition("A paid invoice cannot be voided.")
    if invoice.amount_paid or invoice.pending_amount:
        raise FailedPrecondition("This invoice has payments applied or in progress: void or refund them first.")
    invoice.voided = True
    invoice.closed = True
    invoice.balance = 0
    invoice.updated_at = utcnow()
    await invoices.save(invoice)
    return await load(session, invoice)


async def delete_invoice(session: AsyncSession, invoice_id: int) -> None:
    invoices = InvoiceRepository(session)
    invoice = await invoices.get(invoice_id)
    if invoice.voided:
        raise FailedPrecondition("A voided invoice cannot be deleted.")
    if invoice.paid or invoice.amount_paid or invoice.pending_amount or (invoice.sent and not invoice.draft):
        raise FailedPrecondition("This invoice has been sent, so it cannot be deleted: void it instead.")
    await LineItemRepository(session).delete_of_invoice(invoice.id)
    await InvoiceMetadataRepository(session).delete_of_owner(invoice.id)
    await invoices.discard(invoice)


def invoice_filters(raw: Mapping[str, str]) -> InvoiceFilters:
    """filter[...] of an invoice list, checked and typed."""
    validation.unknown_filters(dict(raw), FILTERS)

    def flag(name: str) -> bool | None:
        return validation.boolean(raw[name], f"filter[{name}]") if name in raw else None

    status = raw.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidArgument(f"status must be one of {', '.join(sorted(STATUSES))}.", "filter[status]")
    return InvoiceFilters(
        customer=validation.integer(raw["customer"], "filter[customer]") if "customer" in raw else None,
        number=raw.get("number"),
        currency=raw["currency"].strip().lower() if "currency" in raw else None,
        status=status,
        paid=flag("paid"),
        draft=flag("draft"),
        closed=flag("closed"),
        needs_attention=flag("needs_attention"),
    )


async def list_invoices(
    session: AsyncSession, codec: CursorCodec, request: Paging, filters: dict[str, str], metadata: dict[str, str]
) -> tuple[list[InvoiceRecord], Walk]:
    """A page of the business's invoices (keyset when the request carries a cursor, see portal_kit.keyset)."""
    page, per_page = validation.paging(request.page, request.per_page)
    repository = InvoiceRepository(session)
    query = repository.listing(invoice_filters(filters), metadata, utcnow())
    key = list_key("invoices", per_page, filters, metadata)
    walk = await repository.walk(query, codec, key, page, per_page, request.cursor)
    ids = [invoice.id for invoice in walk.rows]
    items = await LineItemRepository(session).of_invoices(ids)
    by_owner = await InvoiceMetadataRepository(session).of_owners(ids)
    return [InvoiceRecord(i, items[i.id], by_owner[i.id]) for i in walk.rows], walk


async def find_by_link(session: AsyncSession, secret_key: bytes, token: str) -> Invoice:
    """The invoice a customer's link opens: only while it is open (not a draft, voided, paid or closed) and for at
    most LINK_DAYS after the link was last sent. Any miss reads the same."""
    invoice = await InvoiceRepository(session).by_link_hash(link_hash(secret_key, token)) if token else None
    if invoice is None or invoice.draft or invoice.voided or invoice.paid or invoice.closed:
        raise NotFound("This invoice link is not valid.", "token")
    issued = invoice.link_issued_at or invoice.created_at
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    if utcnow() > issued + timedelta(days=LINK_DAYS):
        raise NotFound("This invoice link is not valid.", "token")
    return invoice


async def customer_of(session: AsyncSession, invoice: Invoice) -> Customer:
    return await CustomerRepository(session).get(invoice.customer_id)
