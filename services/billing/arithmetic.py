"""Invoice arithmetic on integer minor units. Pure functions: no database, no floats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from portal_kit.errors import InvalidArgument
from portal_kit.money import multiply

MAX_MINOR = 2**63 - 1
MAX_QUANTITY = Decimal(10) ** 12
QUANTITY_PLACES = Decimal("0.000001")


def parse_quantity(text: str, param: str) -> Decimal:
    """An exact, finite, non-negative decimal with at most 6 places; empty means 1."""
    text = text.strip()
    if not text:
        return Decimal(1)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidArgument("quantity must be a number.", param) from None
    if not value.is_finite():
        raise InvalidArgument("quantity must be a finite number.", param)
    if value < 0:
        raise InvalidArgument("quantity cannot be negative", param)
    if value >= MAX_QUANTITY:
        raise InvalidArgument("quantity is too large.", param)
    if value.quantize(QUANTITY_PLACES) != value:
        raise InvalidArgument("quantity can have at most 6 decimal places.", param)
    return value


def format_quantity(value: Decimal) -> str:
    """Shortest plain text: 2, 1.5, 0.000001 (never exponent notation, never -0)."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def checked(amount: int, param: str) -> int:
    if abs(amount) > MAX_MINOR:
        raise InvalidArgument("This amount is too large.", param)
    return amount


def line_amount(quantity: Decimal, unit_cost: int, param: str) -> int:
    if abs(quantity * unit_cost) > MAX_MINOR:  # checked first: rounding a huge product would overflow Decimal
        raise InvalidArgument("This amount is too large.", param)
    return multiply(quantity, unit_cost)


@dataclass(frozen=True)
class LineAmounts:
    amount: int
    discounts: Sequence[int] = ()
    taxes: Sequence[int] = ()


@dataclass(frozen=True)
class Totals:
    subtotal: int
    total_discounts: int
    total_taxes: int
    total: int


def compute_totals(lines: Sequence[LineAmounts], discounts: Sequence[int], taxes: Sequence[int]) -> Totals:
    """subtotal = Σ amounts; discounts and taxes add item and invoice adjustments; total = subtotal − d + t."""
    subtotal = checked(sum(line.amount for line in lines), "items")
    total_discounts = checked(sum(sum(line.discounts) for line in lines) + sum(discounts), "discounts")
    total_taxes = checked(sum(sum(line.taxes) for line in lines) + sum(taxes), "taxes")
    total = checked(subtotal - total_discounts + total_taxes, "items")
    if total < 0:
        raise InvalidArgument("An invoice total cannot be negative.", "items")
    return Totals(subtotal, total_discounts, total_taxes, total)
