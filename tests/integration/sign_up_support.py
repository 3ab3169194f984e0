"""Helpers for the sign-up page tests."""

from __future__ import annotations

from decimal import Decimal

from devtools.stack import Stack
from tests.conftest import Business, client_for

EXPONENTS = {"jpy": 0, "kwd": 3}


def make_plan(stack: Stack, business: Business, plan_id: str, currency: str, amount: int) -> None:
    """A monthly plan of `amount` minor units, through the plans API."""
    major = Decimal(amount).scaleb(-EXPONENTS.get(currency, 2))
    client_for(stack, business).Plan.create(
        id=plan_id, name=plan_id.title(), currency=currency, amount=float(major), interval="month"
    )
