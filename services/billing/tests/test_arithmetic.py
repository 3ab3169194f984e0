from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from portal_kit.errors import InvalidArgument

from services.billing.arithmetic import LineAmounts, compute_totals, format_quantity, line_amount, parse_quantity
from services.billing.validation import due_date_for, paging, payment_terms


def test_line_amounts_round_half_up_to_the_cent() -> None:
    assert line_amount(parse_quantity("2", "q"), 1234, "q") == 2468
    assert line_amount(parse_quantity("1.5", "q"), 99, "q") == 149  # 148.5
    assert line_amount(parse_quantity("0.333333", "q"), 100, "q") == 33
    assert line_amount(parse_quantity("1.5", "q"), -99, "q") == -149  # half away from zero for credits


def test_totals_add_item_and_invoice_adjustments() -> None:
    lines = [LineAmounts(2468, discounts=[100], taxes=[50]), LineAmounts(149)]
    totals = compute_totals(lines, discounts=[17], taxes=[200, 3])
    assert (totals.subtotal, totals.total_discounts, totals.total_taxes) == (2617, 117, 253)
    assert totals.total == 2617 - 117 + 253


def test_credits_may_lower_the_total_but_not_below_zero() -> None:
    assert compute_totals([LineAmounts(1000), LineAmounts(-400)], [], []).total == 600
    with pytest.raises(InvalidArgument) as negative:
        compute_totals([LineAmounts(1000), LineAmounts(-1001)], [], [])
    assert negative.value.param == "items"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "1"), ("2", "2"), (" 1.50 ", "1.5"), ("100", "100"), ("0", "0"), ("-0", "0"), ("0.000001", "0.000001")],
)
def test_quantities_are_exact_decimals(text: str, expected: str) -> None:
    assert format_quantity(parse_quantity(text, "items[0].quantity")) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "quantity cannot be negative"),
        ("abc", "must be a number"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("1.0000001", "6 decimal places"),
        ("1e30", "too large"),
    ],
)
def test_bad_quantities_name_the_item(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as bad:
        parse_quantity(text, "items[3].quantity")
    assert message in bad.value.message
    assert bad.value.param == "items[3].quantity"


def test_amounts_beyond_int64_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        line_amount(Decimal("999999999999"), 2**62, "items[0].unit_cost")


def test_payment_terms_and_due_dates() -> None:
    date = datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert payment_terms(" net  30 ") == "NET 30"
    assert payment_terms("Due on receipt") == "DUE ON RECEIPT"
    assert due_date_for("NET 30", date) == datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert due_date_for("DUE ON RECEIPT", date) == date
    assert due_date_for(None, date) is None
    with pytest.raises(InvalidArgument):
        payment_terms("whenever")


def test_paging_defaults_and_clamps() -> None:
    assert paging(0, 0) == (1, 100)
    assert paging(-3, 500) == (1, 100)
    assert paging(2, -1) == (2, 1)
    assert paging(3, 25) == (3, 25)
