"""An invoice's line items and adjustments (discounts, taxes given as amounts), and its totals."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from portal_kit.errors import InvalidArgument
from portal_kit.ids import new_public_id
from portal_kit.repository import new_row

from services.billing import validation
from services.billing.arithmetic import (
    LineAmounts,
    Totals,
    checked,
    compute_totals,
    format_quantity,
    line_amount,
    parse_quantity,
)
from services.billing.models import Invoice, LineItem

MAX_ITEMS = 1000
MAX_ADJUSTMENTS = 50
ITEM_TEXT_LIMITS = {"catalog_item": 100, "type": 50, "name": 255, "description": 10_000}


@dataclass
class AdjustmentInput:
    id: int
    amount: int
    amount_text: str | None = None  # a major-unit decimal, converted once the currency is known (amounts.py)


@dataclass
class ItemInput:
    id: int = 0
    quantity: str = ""
    unit_cost: int = 0
    discountable: bool = False
    taxable: bool = False
    texts: dict[str, str] = field(default_factory=dict)  # catalog_item, type, name, description: when given
    discounts: list[AdjustmentInput] = field(default_factory=list)
    taxes: list[AdjustmentInput] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    unit_cost_text: str | None = None  # a major-unit decimal, converted once the currency is known (amounts.py)


NONE = "[]"  # no adjustments, stored (the common case: read and written without JSON)


def load_adjustments(stored: str) -> list[dict[str, int]]:
    return [] if stored == NONE else list(json.loads(stored))


def dump_adjustments(adjustments: list[dict[str, int]]) -> str:
    return json.dumps(adjustments, separators=(",", ":"))


def adjustments(inputs: list[AdjustmentInput], previous: str, param: str) -> str:
    """Validated adjustments as stored JSON; an id is kept only when it already belonged to this list."""
    if len(inputs) > MAX_ADJUSTMENTS:
        raise InvalidArgument(f"{param} can have at most {MAX_ADJUSTMENTS} entries.", param)
    if not inputs:
        return NONE
    known = {a["id"] for a in load_adjustments(previous)}
    result = []
    for i, adjustment in enumerate(inputs):
        if adjustment.amount < 0:
            raise InvalidArgument("Discount and tax amounts cannot be negative.", f"{param}[{i}].amount")
        adjustment_id = adjustment.id if adjustment.id in known else new_public_id()
        result.append({"id": adjustment_id, "amount": checked(adjustment.amount, f"{param}[{i}].amount")})
    return dump_adjustments(result)


def build_items(inputs: list[ItemInput], existing: list[LineItem], tenant_id: str, invoice_id: int) -> list[LineItem]:
    """New line item rows for an invoice; an input with the id of an existing item keeps that id."""
    if len(inputs) > MAX_ITEMS:
        raise InvalidArgument(f"An invoice can have at most {MAX_ITEMS} line items.", "items")
    by_id = {item.id: item for item in existing}
    seen: set[int] = set()
    items = []
    for i, data in enumerate(inputs):
        param = f"items[{i}]"
        previous = by_id.get(data.id)
        if data.id and (previous is None or data.id in seen):
            raise InvalidArgument(f"No such line item on this invoice: {data.id}", f"{param}.id")
        seen.add(data.id)
        quantity = parse_quantity(data.quantity, f"{param}.quantity")
        amount = line_amount(quantity, data.unit_cost, f"{param}.unit_cost")
        discounts = adjustments(data.discounts, previous.discounts if previous else "[]", f"{param}.discounts")
        taxes = adjustments(data.taxes, previous.taxes if previous else "[]", f"{param}.taxes")
        metadata = json.dumps(validation.metadata(data.metadata, f"{param}.metadata")) if data.metadata else "{}"
        texts = {}
        for key, value in data.texts.items():
            if key not in ITEM_TEXT_LIMITS:
                raise InvalidArgument(f"Unknown line item field: {key}.", f"{param}.{key}")
            texts[key] = validation.text(value, f"{param}.{key}", ITEM_TEXT_LIMITS[key])
        item = new_row(
            LineItem,
            tenant_id=tenant_id,
            id=previous.id if previous else new_public_id(),
            invoice_id=invoice_id,
            position=i,
            quantity=format_quantity(quantity),
            unit_cost=data.unit_cost,
            amount=amount,
            discountable=data.discountable,
            taxable=data.taxable,
            discounts=discounts,
            taxes=taxes,
            metadata_json=metadata,
            **texts,
        )
        if previous is not None:
            item.created_at = previous.created_at
        items.append(item)
    return items


def _amounts(stored: str) -> list[int]:
    return [a["amount"] for a in load_adjustments(stored)]


def totals(invoice: Invoice, items: list[LineItem]) -> Totals:
    lines = [LineAmounts(item.amount, _amounts(item.discounts), _amounts(item.taxes)) for item in items]
    return compute_totals(lines, _amounts(invoice.discounts), _amounts(invoice.taxes))


def apply_totals(invoice: Invoice, items: list[LineItem]) -> None:
    """Recomputes the stored totals; the balance is what payments have not paid yet (0 once voided). A total below
    what is already paid or held by a pending payment is refused: the payments would no longer add up."""
    result = totals(invoice, items)
    held = invoice.amount_paid + invoice.pending_amount
    if not invoice.voided and held and result.total < held:
        raise InvalidArgument(
            "This change would make the invoice's total lower than what has been paid or is being paid on it; "
            "refund or void the payment first.",
            "items",
        )
    invoice.subtotal = result.subtotal
    invoice.total_discounts = result.total_discounts
    invoice.total_taxes = result.total_taxes
    invoice.total = result.total
    invoice.balance = 0 if invoice.voided else result.total - invoice.amount_paid
    if invoice.amount_paid and not invoice.voided:
        invoice.paid = invoice.balance == 0
