"""The one proration rule, exact in integer minor units.

A change at moment `t` inside a billed period [start, end) credits the unused time of every recurring charge that
changed and charges the remaining time of what replaces it:

    remaining = end − t (seconds, clamped to [0, end − start])
    credit    = −round_half_up(old_amount × remaining / (end − start))
    charge    = +round_half_up(new_amount × remaining / (end − start))

where an amount is one charge's full-period total in minor units (quantity × unit amount) and round_half_up
rounds halves away from zero to a whole minor unit of the currency (¥, fils, cents alike: the amounts are already
in minor units). Charges that did not change make no line; a line that rounds to 0 is left out. The lines go on the
next period's invoice (pending proration lines), never on a separate invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from services.subscriptions.periods import round_half_up


@dataclass(frozen=True)
class Charge:
    """One recurring charge of a subscription: its plan line or one addon line."""

    key: str  # "plan" or "addon:<plan id>"
    plan: str
    name: str
    quantity: int
    unit_amount: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount


@dataclass(frozen=True)
class ProrationLine:
    name: str
    description: str
    plan: str
    amount: int  # minor units; negative for a credit
    period_start: datetime
    period_end: datetime


def prorate(amount: int, remaining_seconds: int, period_seconds: int) -> int:
    """`amount` × remaining / period, rounded half up (away from zero) to a whole minor unit."""
    if period_seconds <= 0:
        raise ValueError("a period must last")
    remaining = min(max(remaining_seconds, 0), period_seconds)
    return round_half_up(Fraction(amount * remaining, period_seconds))


def _label(charge: Charge) -> str:
    return f"{charge.name} × {charge.quantity}" if charge.quantity != 1 else charge.name


def proration_lines(
    old: list[Charge], new: list[Charge], start: datetime, end: datetime, at: datetime
) -> list[ProrationLine]:
    """The credit and charge lines of changing `old` charges into `new` ones at `at`, within [start, end)."""
    period_seconds = int((end - start).total_seconds())
    remaining = int((end - at).total_seconds())
    before = {c.key: c for c in old}
    after = {c.key: c for c in new}
    since = at.strftime("%b %-d, %Y")
    lines: list[ProrationLine] = []
    for key, charge in before.items():
        if after.get(key) != charge:
            amount = -prorate(charge.amount, remaining, period_seconds)
            if amount:
                lines.append(ProrationLine(f"Unused time on {charge.name}", f"Unused time on {_label(charge)} from {since}",
                                           charge.plan, amount, at, end))  # fmt: skip
    for key, charge in after.items():
        if before.get(key) != charge:
            amount = prorate(charge.amount, remaining, period_seconds)
            if amount:
                lines.append(ProrationLine(f"Remaining time on {charge.name}", f"Remaining time on {_label(charge)} from {since}",
                                           charge.plan, amount, at, end))  # fmt: skip
    return lines
