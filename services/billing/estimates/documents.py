"""An estimate's document: its line items as stored JSON, its totals, and the canonical form whose SHA-256 names
the exact version a customer approves."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from portal_kit.timestamps import unix

from services.billing.arithmetic import LineAmounts, compute_totals
from services.billing.estimates.models import Estimate
from services.billing.invoice_items import dump_adjustments, load_adjustments
from services.billing.models import LineItem

ITEM_FIELDS = ("id", "catalog_item", "type", "name", "description", "quantity", "unit_cost", "amount",
               "discountable", "taxable")  # fmt: skip


def item_to_dict(item: LineItem) -> dict[str, Any]:
    data = {name: getattr(item, name) for name in ITEM_FIELDS}
    data["discounts"] = load_adjustments(item.discounts)
    data["taxes"] = load_adjustments(item.taxes)
    data["metadata"] = json.loads(item.metadata_json)
    return data


def items_of(estimate: Estimate) -> list[LineItem]:
    """The stored items as (unsaved) LineItem objects, the shape invoice_items works with."""
    items = []
    for position, data in enumerate(json.loads(estimate.items)):
        items.append(
            LineItem(
                tenant_id=estimate.tenant_id,
                invoice_id=estimate.id,
                position=position,
                discounts=dump_adjustments(data["discounts"]),
                taxes=dump_adjustments(data["taxes"]),
                metadata_json=json.dumps(data["metadata"]),
                **{name: data[name] for name in ITEM_FIELDS},
            )
        )
    return items


def store_items(estimate: Estimate, items: list[LineItem]) -> None:
    """Keeps the items on the estimate and recomputes its totals."""
    estimate.items = json.dumps([item_to_dict(item) for item in items], separators=(",", ":"))
    amounts = [
        LineAmounts(item.amount, [a["amount"] for a in load_adjustments(item.discounts)],
                    [a["amount"] for a in load_adjustments(item.taxes)])
        for item in items
    ]  # fmt: skip
    totals = compute_totals(
        amounts,
        [a["amount"] for a in load_adjustments(estimate.discounts)],
        [a["amount"] for a in load_adjustments(estimate.taxes)],
    )
    estimate.subtotal = totals.subtotal
    estimate.total_discounts = totals.total_discounts
    estimate.total_taxes = totals.total_taxes
    estimate.total = totals.total


def _when(moment: datetime | None) -> int | None:
    return unix(moment) if moment is not None else None


def canonical(estimate: Estimate) -> str:
    """What the customer agrees to, as sorted compact JSON: the same estimate always gives the same text. Item and
    adjustment ids are left out (they name rows, not terms); metadata too (the business's own bookkeeping)."""
    items = []
    for data in json.loads(estimate.items):
        entry = {k: v for k, v in data.items() if k not in ("id", "metadata")}
        entry["discounts"] = [a["amount"] for a in data["discounts"]]
        entry["taxes"] = [a["amount"] for a in data["taxes"]]
        items.append(entry)
    document = {
        "number": estimate.number,
        "customer": estimate.customer_id,
        "name": estimate.name,
        "currency": estimate.currency,
        "date": _when(estimate.date),
        "expiration_date": _when(estimate.expiration_date),
        "payment_terms": estimate.payment_terms,
        "purchase_order": estimate.purchase_order,
        "notes": estimate.notes,
        "items": items,
        "discounts": [a["amount"] for a in load_adjustments(estimate.discounts)],
        "taxes": [a["amount"] for a in load_adjustments(estimate.taxes)],
        "subtotal": estimate.subtotal,
        "total_discounts": estimate.total_discounts,
        "total_taxes": estimate.total_taxes,
        "total": estimate.total,
        "deposit": estimate.deposit,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()
