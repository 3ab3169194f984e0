"""Invoices: numbering, dates and terms, totals, status, voiding, deletion and the customer's document link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from portal_kit.ids import derived_token, keyed_hash, new_public_id, new_uuid
from portal_kit.money import normalize_currency
from portal_kit.timestamps import utcnow
from sqlalchemy import ColumnElement, and_, false, not_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import amounts, validation
from services.billing.invoice_items import adjustments, apply_totals, build_items
from services.billing.models import Customer, Invoice, LineItem
from services.billing.numbering import next_number
from services.billing.repository import (
    CustomerRepository,
    InvoiceMetadataRepository,
    InvoiceRepository,
    LineItemRepository,
    NumberSequenceRepository,
)

LINK_PURPOSE = "invoice-link"
LINK_DAYS = 90
TEXT_LIMITS = {"name": 255, "purchase_order": 255, "notes": 10_000}
FLAGS = {"autopay", "draft", "closed", "sent"}
CLEARABLE = set(TEXT_LIMITS) | {"due_date", "payment_terms", "metadata", "items", "discounts", "taxes"}
FILTERS = {"customer", "number", "currency", "status", "paid", "draft", "closed"}
STATUSES = {"draft", "not_sent", "sent", "viewed", "past_due", "pending", "paid", "voided"}


@dataclass
class InvoiceRecord:
    invoice: Invoice
    items: list[LineItem]
    metadata: dict[str, str]


def link_token(secret_key: bytes, nonce: str) -> str:
    return derived_token(secret_key, nonce, LINK_PURPOSE)


def link_hash(secret_key: bytes, token: str) -> str:
    return keyed_hash(secret_key, token, LINK_PURPOSE)


def invoice_status(invoice: Invoice, now: datetime) -> str:
    if invoice.voided:
        return "voided"
    if invoice.draft:
        return "draft"
    if invoice.paid:
        return "paid"
    if invoice.balance > 0 and invoice.due_date is not None and invoice.due_date < now:
        return "past_due"
    return "sent" if invoice.sent else "not_sent"


def _status_condition(status: str, now: datetime) -> ColumnElement[bool]:
    """The SQL twin of invoice_status, for filter[status]."""
    voided, draft, paid, sent = (col(getattr(Invoice, name)).is_(True) for name in ("voided", "draft", "paid", "sent"))
    open_ = and_(not_(voided), not_(draft), not_(paid))
    past_due = and_(col(Invoice.balance) > 0, col(Invoice.due_date).is_not(None), col(Invoice.due_date) < now)
    conditions = {
        "voided": voided,
        "draft": and_(not_(voided), draft),
        "paid": and_(not_(voided), not_(draft), paid),
        "past_due": and_(open_, past_due),
        "sent": and_(open_, not_(past_due), sent),
        "not_sent": and_(open_, not_(past_due), not_(sent)),
    }
    return conditions.get(status, false())


def _apply(invoice: Invoice, changes: dict[str, Any], cleared: list[str], creating: bool) -> dict[str, str] | None:
    """Sets the scalar fields and adjustments; returns the new metadata when it was given."""
    for name in cleared:
        if name not in CLEARABLE:
            raise InvalidArgument(f"{name} cannot be cleared.", name)
    new_metadata = None
    for key, value in changes.items():
        if key in TEXT_LIMITS:
            setattr(invoice, key, validation.text(value, key, TEXT_LIMITS[key]))
        elif key in FLAGS:
            setattr(invoice, key, bool(value))
        elif key == "currency":
            invoice.currency = normalize_currency(value)
        elif key in ("date", "due_date"):
            setattr(invoice, key, validation.timestamp(value, key))
        elif key == "payment_terms":
            invoice.payment_terms = validation.payment_terms(value)
        elif key in ("discounts", "taxes"):
            setattr(invoice, key, adjustments(value, getattr(invoice, key), key))
        elif key == "metadata":
            new_metadata = validation.metadata(value)
        elif key not in ("customer", "items"):
            raise InvalidArgument(f"Unknown invoice field: {key}.", key)
    for name in cleared:
        if name in ("discounts", "taxes"):
            setattr(invoice, name, "[]")
        elif name == "metadata":
            new_metadata = {}
        elif name != "items":
            setattr(invoice, name, None)
    terms_or_date_changed = creating or "payment_terms" in changes or "date" in changes
    if terms_or_date_changed and "due_date" not in changes and "due_date" not in cleared and invoice.payment_terms:
        invoice.due_date = validation.due_date_for(invoice.payment_terms, invoice.date)
    return new_metadata


async def _customer_for_new_invoice(session: AsyncSession, customer_id: int | None) -> Customer:
    if not customer_id:
        raise InvalidArgument("An invoice needs a customer.", "customer")
    customer = await CustomerRepository(session).find(customer_id)
    if customer is None:
        raise InvalidArgument(f"No such customer: {customer_id}", "customer")
    return customer


async def create_invoice(
    session: AsyncSession, secret_key: bytes, changes: dict[str, Any], cleared: list[str]
) -> InvoiceRecord:
    customer = await _customer_for_new_invoice(session, changes.get("customer"))
    currency = amounts.resolved_currency(changes.get("currency"), None, customer.currency)
    changes = amounts.in_currency(changes, currency)
    invoices = InvoiceRepository(session)
    nonce = new_uuid()
    invoice = Invoice(
        tenant_id=invoices.tenant_id,
        id=new_public_id(),
        customer_id=customer.id,
        number="",
        currency=currency,
        autopay=customer.autopay,
        payment_terms=customer.payment_terms,
        date=utcnow(),
        link_nonce=nonce,
        link_hash=link_hash(secret_key, link_token(secret_key, nonce)),
        link_issued_at=utcnow(),
    )
    metadata = _apply(invoice, changes, cleared, creating=True) or {}
    items = build_items(changes.get("items", []), [], invoices.tenant_id, invoice.id)
    apply_totals(invoice, items)
    sequences = NumberSequenceRepository(session)
    invoice.number = await next_number(sequences, "invoice", invoices.number_taken)
    await invoices.add(invoice)
    session.add_all(items)
    InvoiceMetadataRepository(session).add_new(invoice.id, metadata)  # a new invoice has none to replace
    await session.flush()
    return InvoiceRecord(invoice, items, metadata)


async def load(session: AsyncSession, invoice: Invoice) -> InvoiceRecord:
    items = await LineItemRepository(session).of_invoice(invoice.id)
    return InvoiceRecord(invoice, items, await InvoiceMetadataRepository(session).of_owner(invoice.id))


async def get_invoice(session: AsyncSession, invoice_id: int) -> InvoiceRecord:
    return await load(session, await InvoiceRepository(session).get(invoice_id))


async def update_invoice(
    session: AsyncSession, invoice_id: int, changes: dict[str, Any], cleared: list[str]
) -> InvoiceRecord:
    invoice = await InvoiceRepository(session).get(invoice_id)
    if invoice.voided:
        raise FailedPrecondition("This invoice has been voided and can no longer be changed.")
    if "customer" in changes and changes["customer"] != invoice.customer_id:
        raise InvalidArgument("The customer of an invoice cannot be changed.", "customer")
    line_items = LineItemRepository(session)
    items = await line_items.of_invoice(invoice.id)
    changes = amounts.in_currency(changes, amounts.resolved_currency(changes.get("currency"), invoice.currency, None))
    new_metadata = _apply(invoice, changes, cleared, creating=False)
    if "items" in changes or "items" in cleared:
        new_items = build_items(changes.get("items", []), items, invoice.tenant_id, invoice.id)
        apply_totals(invoice, new_items)
        await line_items.delete_of_invoice(invoice.id)
        session.add_all(new_items)
        items = new_items
    else:
        apply_totals(invoice, items)
    invoice.updated_at = utcnow()
    session.add(invoice)
    if new_metadata is not None:
        await InvoiceMetadataRepository(session).replace(invoice.id, new_metadata)
    await session.flush()
    return await load(session, invoice)


async def void_invoice(session: AsyncSession, invoice_id: int) -> InvoiceRecord:
    invoice = await InvoiceRepository(session).get(invoice_id)
    if invoice.voided:
        raise FailedPrecondition("This invoice has already been voided.")
    if invoice.paid:
        raise FailedPrecondition("A paid invoice cannot be voided.")
    invoice.voided = True
    invoice.closed = True
    invoice.balance = 0
    invoice.updated_at = utcnow()
    session.add(invoice)
    await session.flush()
    return await load(session, invoice)


async def delete_invoice(session: AsyncSession, invoice_id: int) -> None:
    invoice = await InvoiceRepository(session).get(invoice_id)
    if invoice.voided:
        raise FailedPrecondition("A voided invoice cannot be deleted.")
    if invoice.paid or (invoice.sent and not invoice.draft):
        raise FailedPrecondition("This invoice has been sent, so it cannot be deleted: void it instead.")
    await LineItemRepository(session).delete_of_invoice(invoice.id)
    await InvoiceMetadataRepository(session).delete_of_owner(invoice.id)
    await session.delete(invoice)
    await session.flush()


async def list_invoices(
    session: AsyncSession, page: int, per_page: int, filters: dict[str, str], metadata: dict[str, str]
) -> tuple[list[InvoiceRecord], int]:
    invoices = InvoiceRepository(session)
    metadata_rows = InvoiceMetadataRepository(session)
    validation.unknown_filters(filters, FILTERS)
    query = invoices.base()
    for key, value in sorted(filters.items()):
        param = f"filter[{key}]"
        if key == "customer":
            query = query.where(Invoice.customer_id == validation.integer(value, param))
        elif key == "number":
            query = query.where(Invoice.number == value)
        elif key == "currency":
            query = query.where(Invoice.currency == value.strip().lower())
        elif key == "status":
            if value not in STATUSES:
                raise InvalidArgument(f"status must be one of {', '.join(sorted(STATUSES))}.", param)
            query = query.where(_status_condition(value, utcnow()))
        else:
            query = query.where(col(getattr(Invoice, key)).is_(validation.boolean(value, param)))
    for condition in metadata_rows.matching(Invoice.id, metadata):
        query = query.where(condition)
    query = query.order_by(col(Invoice.created_at), col(Invoice.pk))
    rows, total = await invoices.page(query, *validation.paging(page, per_page))
    ids = [invoice.id for invoice in rows]
    items = await LineItemRepository(session).of_invoices(ids)
    by_owner = await metadata_rows.of_owners(ids)
    return [InvoiceRecord(i, items[i.id], by_owner[i.id]) for i in rows], total


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
