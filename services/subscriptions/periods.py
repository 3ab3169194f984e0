"""The billing calendar: a subscription's periods, counted from its anchor (the start date), in UTC.

Period n (0-based) runs from `shift(anchor, n × count)` to `shift(anchor, (n + 1) × count)`. Every boundary is
computed from the anchor, never from the previous boundary, so a month end clamps without drifting: an anchor on
Jan 31 gives Feb 28 (Feb 29 in a leap year), then Mar 31, Apr 30, May 31. A year interval on Feb 29 gives Feb 28
in common years and Feb 29 again in leap years. Day and week intervals are exact multiples of 24 h / 7 days (UTC
has no daylight saving). The time of day of the anchor is kept.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

INTERVALS = ("day", "week", "month", "year")
# A month for MRR: the mean Gregorian month, 365.25 / 12 = 30.4375 days.
MEAN_MONTH_DAYS = Fraction(1461, 48)


@dataclass(frozen=True)
class Period:
    index: int  # 0 for the first period
    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def _check(interval: str, count: int) -> None:
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}, not {interval!r}")
    if count < 1:
        raise ValueError("interval_count must be at least 1")


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` moved by whole months; a day the target month lacks becomes its last day (Jan 31 + 1 → Feb 28/29)."""
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def shift(anchor: datetime, interval: str, units: int) -> datetime:
    """The anchor moved by `units` intervals (day, week, month or year)."""
    _check(interval, 1)
    if interval == "day":
        return anchor + timedelta(days=units)
    if interval == "week":
        return anchor + timedelta(weeks=units)
    if interval == "month":
        return add_months(anchor, units)
    return add_months(anchor, 12 * units)


def period(anchor: datetime, interval: str, count: int, index: int) -> Period:
    """Period `index` (0-based) of a plan billed every `count` `interval`s from `anchor`."""
    _check(interval, count)
    if index < 0:
        raise ValueError("a period index cannot be negative")
    return Period(index, shift(anchor, interval, index * count), shift(anchor, interval, (index + 1) * count))


def period_at(anchor: datetime, interval: str, count: int, moment: datetime) -> Period:
    """The period that contains `moment` (start ≤ moment < end); the first period for a moment before the anchor."""
    _check(interval, count)
    if moment < anchor:
        return period(anchor, interval, count, 0)
    if interval in ("day", "week"):
        length = timedelta(days=count if interval == "day" else 7 * count)
        return period(anchor, interval, count, (moment - anchor) // length)
    months_per_period = count * (12 if interval == "year" else 1)
    elapsed = (moment.year - anchor.year) * 12 + (moment.month - anchor.month)
    index = max(elapsed // months_per_period, 0)
    found = period(anchor, interval, count, index)
    while found.start > moment:  # the anchor's day or time of day is later in the month than the moment's
        found = period(anchor, interval, count, found.index - 1)
    while found.end <= moment:
        found = period(anchor, interval, count, found.index + 1)
    return found


def nominal_days(interval: str, count: int) -> Fraction:
    """A period's length in days as MRR counts it: months of 30.4375 days, years of 365.25."""
    _check(interval, count)
    per_unit = {"day": Fraction(1), "week": Fraction(7), "month": MEAN_MONTH_DAYS, "year": MEAN_MONTH_DAYS * 12}
    return per_unit[interval] * count


def monthly(amount: int, interval: str, count: int) -> int:
    """A per-period amount (minor units) as a 30.4375-day month, rounded half up (away from zero for credits).

    Monthly plans: amount / count exactly; yearly: amount / (12 × count); weekly: amount × 30.4375 / (7 × count).
    """
    value = Fraction(amount) * MEAN_MONTH_DAYS / nominal_days(interval, count)
    return round_half_up(value)


def round_half_up(value: Fraction) -> int:
    """To the nearest integer; halves away from zero (2.5 → 3, -2.5 → -3)."""
    magnitude = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return magnitude if value >= 0 else -magnitude
