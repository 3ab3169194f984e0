"""Amounts given as exact major-unit decimal text ("12.34") become minor units in the invoice's currency.

The API speaks decimals; billing stores integer minor units. Which currency an amount is in is billing's rule:
the currency given with the request, else the invoice's (on update), else the customer's, else USD.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, TypeVar

from portal_kit.errors import InvalidArgument
from portal_kit.money import normalize_currency, to_minor

from services.billing.invoice_items import AdjustmentInput, ItemInput

DECIMAL = re.compile(r"-?\d{1,19}(\.\d{1,19})?")
DEFAULT_CURRENCY = "usd"


def minor_units(text: str, currency: str, param: str) -> int:
    if not DECIMAL.fullmatch(text):
        raise InvalidArgument(f"{param} must be a decimal number such as 12.34.", param)
    return to_minor(text, currency, param)


def adjustments_in(inputs: list[AdjustmentInput], currency: str, param: str) -> list[AdjustmentInput]:
    return [
        replace(a, amount=minor_units(a.amount_text, currency, f"{param}[{i}].amount"), amount_text=None)
        if a.amount_text is not None
        else a
        for i, a in enumerate(inputs)
    ]


def items_in(inputs: list[ItemInput], currency: str) -> list[ItemInput]:
    converted = []
    for i, item in enumerate(inputs):
        param = f"items[{i}]"
        if item.unit_cost_text is not None:
            item = replace(
                item, unit_cost=minor_units(item.unit_cost_text, currency, f"{param}.unit_cost"), unit_cost_text=None
            )
        converted.append(
            replace(
                item,
                discounts=adjustments_in(item.discounts, currency, f"{param}.discounts"),
                taxes=adjustments_in(item.taxes, currency, f"{param}.taxes"),
            )
        )
    return converted


def resolved_currency(given: str | None, invoice_currency: str | None, customer_currency: str | None) -> str:
    """The currency amounts are in: the one given with the request, else the invoice's, else the customer's."""
    if given is not None:
        return normalize_currency(given)
    return invoice_currency or customer_currency or DEFAULT_CURRENCY


Fields = TypeVar("Fields", bound=Any)  # an invoice's or an estimate's fields: dataclasses with items, discounts, taxes


def document_in(given: Fields, currency: str) -> Fields:
    """The fields with every decimal amount (items, their adjustments, document discounts and taxes) in minor units."""
    return replace(
        given,
        items=items_in(given.items, currency) if given.items is not None else None,
        discounts=adjustments_in(given.discounts, currency, "discounts") if given.discounts is not None else None,
        taxes=adjustments_in(given.taxes, currency, "taxes") if given.taxes is not None else None,
    )
