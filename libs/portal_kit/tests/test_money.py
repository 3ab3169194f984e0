from __future__ import annotations

from decimal import Decimal

import pytest

from portal_kit.errors import InvalidArgument
from portal_kit.money import exponent, format_money, from_minor, multiply, normalize_currency, to_minor


def test_exponents_follow_the_currency() -> None:
    assert (exponent("usd"), exponent("JPY"), exponent("kwd")) == (2, 0, 3)


def test_major_to_minor_is_exact() -> None:
    assert to_minor(Decimal("64.97"), "usd") == 6497
    assert to_minor(Decimal("0.1") + Decimal("0.2"), "usd") == 30
    assert to_minor(Decimal("1500"), "jpy") == 1500
    assert to_minor(Decimal("1.234"), "kwd") == 1234
    assert from_minor(6497, "usd") == Decimal("64.97")


@pytest.mark.parametrize(("amount", "currency"), [("1.001", "usd"), ("10.5", "jpy"), ("NaN", "usd"), ("abc", "usd")])
def test_too_precise_or_not_numbers_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(InvalidArgument):
        to_minor(amount, currency)


def test_unknown_currency_is_refused_with_its_param() -> None:
    with pytest.raises(InvalidArgument) as refused:
        normalize_currency("zzz")
    assert refused.value.param == "currency"


def test_multiply_rounds_half_up_to_a_minor_unit() -> None:
    assert multiply(Decimal("1.5"), 1001) == 1502
    assert multiply(Decimal("0.333"), 100) == 33
    assert multiply(Decimal("2"), 1234) == 2468


def test_format_money_for_people() -> None:
    assert format_money(123450, "usd") == "$1,234.50"
    assert format_money(-500, "eur") == "-€5.00"
    assert format_money(1234, "kwd") == "1.234 KWD"
    assert format_money(0, "usd") == "$0.00" and format_money(-1, "usd") == "-$0.01"  # zero has no sign


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (123456789, "jpy", "¥123,456,789"),
        (5, "jpy", "¥5"),
        (1, "kwd", "0.001 KWD"),
        (-1234567, "kwd", "-1,234.567 KWD"),
        (7, "usd", "$0.07"),
        (100, "USD", "$1.00"),
        (9_223_372_036_854_775_807, "usd", "$92,233,720,368,547,758.07"),
        (-9_223_372_036_854_775_807, "chf", "-CHF 92,233,720,368,547,758.07"),
    ],
)
def test_format_money_is_exact_at_every_scale(minor: int, currency: str, shown: str) -> None:
    assert format_money(minor, currency) == shown


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_amounts_that_are_not_finite_are_refused_as_such(amount: str) -> None:
    with pytest.raises(InvalidArgument, match="must be a finite number") as refused:
        to_minor(amount, "usd", "unit_cost")
    assert refused.value.param == "unit_cost"


def test_amounts_beyond_64_bit_minor_units_are_refused() -> None:
    assert to_minor(Decimal("92233720368547758.07"), "usd") == 2**63 - 1
    with pytest.raises(InvalidArgument, match="too large"):
        to_minor(Decimal("92233720368547758.08"), "usd", "unit_cost")
    with pytest.raises(InvalidArgument, match="too large"):
        to_minor(Decimal("-1e40"), "jpy")
