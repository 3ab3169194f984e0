"""Protobuf <-> domain: which input fields were set, and the output messages. No rules live here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from google.protobuf.message import Message
from portal.billing.v1 import common_pb2, customers_pb2, invoices_pb2
from portal_kit.keyset import Paging, Walk
from portal_kit.timestamps import unix

from services.billing.contacts import ContactFields
from services.billing.customers import CustomerFields, CustomerRecord
from services.billing.delivery import QueuedEmail
from services.billing.invoice_items import AdjustmentInput, ItemInput, load_adjustments
from services.billing.invoices import InvoiceChanges, InvoiceFields, invoice_status
from services.billing.models import Contact, Invoice, LineItem
from services.billing.repository import InvoiceColumns, LineItemColumns

OUTPUT_ONLY = {"id", "created_at", "updated_at", "customer"}
ITEM_TEXTS = ("catalog_item", "type", "name", "description")


def given(message: Message, skip: set[str] = OUTPUT_ONLY) -> dict[str, Any]:
    """The fields a caller set (proto3 `optional` presence); Metadata becomes a dict."""
    values: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        if field.name in skip or not field.has_presence or not message.HasField(field.name):
            continue
        value = getattr(message, field.name)
        values[field.name] = dict(value.values) if isinstance(value, common_pb2.Metadata) else value
    return values


def _adjustment_inputs(values: Any) -> list[AdjustmentInput]:
    return [AdjustmentInput(a.id, a.amount, a.amount_decimal if a.HasField("amount_decimal") else None) for a in values]


def _item_input(item: invoices_pb2.LineItem) -> ItemInput:
    return ItemInput(
        id=item.id,
        quantity=item.quantity,
        unit_cost=item.unit_cost,
        discountable=item.discountable,
        taxable=item.taxable,
        texts={name: getattr(item, name) for name in ITEM_TEXTS if item.HasField(name)},
        discounts=_adjustment_inputs(item.discounts),
        taxes=_adjustment_inputs(item.taxes),
        metadata=dict(item.metadata.values),
        unit_cost_text=item.unit_cost_decimal if item.HasField("unit_cost_decimal") else None,
    )


def invoice_changes(data: invoices_pb2.InvoiceInput) -> InvoiceChanges:
    changes = given(data, skip={"cleared"})
    if "items" in changes:
        changes["items"] = [_item_input(item) for item in data.items.values]
    for name in ("discounts", "taxes"):
        if name in changes:
            changes[name] = _adjustment_inputs(changes[name].values)
    return InvoiceChanges(InvoiceFields(**changes), list(data.cleared))


def customer_fields(data: customers_pb2.Customer) -> CustomerFields:
    return CustomerFields(**given(data))


def contact_fields(data: customers_pb2.Contact) -> ContactFields:
    return ContactFields(**given(data))


def _set(model: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(model, name) for name in names if getattr(model, name) is not None}


CUSTOMER_FIELDS = [f.name for f in customers_pb2.Customer.DESCRIPTOR.fields if f.has_presence and f.name != "metadata"]
CONTACT_FIELDS = [f.name for f in customers_pb2.Contact.DESCRIPTOR.fields if f.has_presence]


def customer_to_pb(record: CustomerRecord) -> customers_pb2.Customer:
    customer = record.customer
    return customers_pb2.Customer(
        id=customer.id,
        metadata=common_pb2.Metadata(values=record.metadata),
        created_at=unix(customer.created_at),
        updated_at=unix(customer.updated_at),
        **_set(customer, CUSTOMER_FIELDS),
    )


def contact_to_pb(contact: Contact) -> customers_pb2.Contact:
    return customers_pb2.Contact(
        id=contact.id,
        customer=contact.customer_id,
        created_at=unix(contact.created_at),
        updated_at=unix(contact.updated_at),
        **_set(contact, CONTACT_FIELDS),
    )


def _adjustments(stored: str) -> list[invoices_pb2.Adjustment]:
    if stored == "[]":  # most documents and items have none: nothing to parse
        return []
    return [invoices_pb2.Adjustment(id=a["id"], amount=a["amount"]) for a in load_adjustments(stored)]


class InvoiceDocument(Protocol):
    """An invoice with its items and metadata: an InvoiceRecord (ORM objects), or an invoice page's columns."""

    @property
    def invoice(self) -> Invoice | InvoiceColumns: ...
    @property
    def items(self) -> Sequence[LineItem | LineItemColumns]: ...
    @property
    def metadata(self) -> dict[str, str]: ...


def line_item_to_pb(item: LineItem | LineItemColumns) -> invoices_pb2.LineItem:
    return invoices_pb2.LineItem(
        id=item.id,
        quantity=item.quantity,
        unit_cost=item.unit_cost,
        amount=item.amount,
        discountable=item.discountable,
        taxable=item.taxable,
        discounts=_adjustments(item.discounts),
        taxes=_adjustments(item.taxes),
        metadata=common_pb2.Metadata(values=json.loads(item.metadata_json) if item.metadata_json != "{}" else {}),
        **_set(item, list(ITEM_TEXTS)),
    )


def invoice_to_pb(record: InvoiceDocument, link_token: str, now: datetime) -> invoices_pb2.Invoice:
    invoice = record.invoice
    return invoices_pb2.Invoice(
        id=invoice.id,
        customer=invoice.customer_id,
        number=invoice.number,
        currency=invoice.currency,
        autopay=invoice.autopay,
        draft=invoice.draft,
        closed=invoice.closed,
        paid=invoice.paid,
        status=invoice_status(invoice, now),
        date=unix(invoice.date),
        items=[line_item_to_pb(item) for item in record.items],
        subtotal=invoice.subtotal,
        discounts=_adjustments(invoice.discounts),
        taxes=_adjustments(invoice.taxes),
        total_discounts=invoice.total_discounts,
        total_taxes=invoice.total_taxes,
        total=invoice.total,
        balance=invoice.balance,
        amount_paid=invoice.amount_paid,
        pending_amount=invoice.pending_amount,
        link_token=link_token,
        metadata=common_pb2.Metadata(values=record.metadata),
        voided=invoice.voided,
        sent=invoice.sent,
        needs_attention=invoice.needs_attention,
        created_at=unix(invoice.created_at),
        updated_at=unix(invoice.updated_at),
        **_set(invoice, ["name", "payment_terms", "purchase_order", "notes"]),
        due_date=unix(invoice.due_date) if invoice.due_date is not None else None,
        subscription=invoice.subscription_id,
    )


def email_to_pb(email: QueuedEmail) -> invoices_pb2.Email:
    return invoices_pb2.Email(
        id=email.id,
        state=email.state,
        email=email.email,
        subject=email.subject,
        message=email.message,
        template=email.template,
        created_at=unix(email.created_at),
    )


def paging_of(request: common_pb2.PageRequest) -> Paging:
    return Paging(request.page, request.per_page, request.cursor)


def page_info(walk: Walk) -> common_pb2.PageInfo:
    return common_pb2.PageInfo(
        total_count=walk.total,
        page=walk.page,
        last_page=walk.last_page,
        next_cursor=walk.next_cursor,
        previous_cursor=walk.previous_cursor,
        last_cursor=walk.last_cursor,
    )
