"""The billing calendar: month ends clamp without drifting, leap years, day/week intervals, interval_count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.subscriptions import periods


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def starts(anchor: datetime, interval: str, count: int, n: int) -> list[datetime]:
    return [periods.period(anchor, interval, count, i).start for i in range(n)]


def test_a_month_end_anchor_clamps_to_shorter_months_and_comes_back() -> None:
    assert starts(at(2027, 1, 31), "month", 1, 6) == [
        at(2027, 1, 31), at(2027, 2, 28), at(2027, 3, 31), at(2027, 4, 30), at(2027, 5, 31), at(2027, 6, 30),
    ]  # fmt: skip


def test_in_a_leap_year_january_31_is_followed_by_february_29() -> None:
    assert starts(at(2028, 1, 31), "month", 1, 3) == [at(2028, 1, 31), at(2028, 2, 29), at(2028, 3, 31)]
    assert starts(at(2028, 1, 30), "month", 1, 3) == [at(2028, 1, 30), at(2028, 2, 29), at(2028, 3, 30)]


def test_periods_are_contiguous_and_keep_the_time_of_day() -> None:
    anchor = at(2027, 1, 31, 15)
    for i in range(30):
        current, following = periods.period(anchor, "month", 1, i), periods.period(anchor, "month", 1, i + 1)
        assert current.end == following.start
        assert current.start.hour == 15
    assert periods.period(anchor, "month", 1, 0).seconds == 28 * 86400


def test_yearly_from_february_29_is_february_28_in_common_years() -> None:
    assert starts(at(2028, 2, 29), "year", 1, 5) == [
        at(2028, 2, 29), at(2029, 2, 28), at(2030, 2, 28), at(2031, 2, 28), at(2032, 2, 29),
    ]  # fmt: skip


def test_interval_count_multiplies_the_interval() -> None:
    assert starts(at(2027, 8, 31), "month", 3, 4) == [
        at(2027, 8, 31),
        at(2027, 11, 30),
        at(2028, 2, 29),
        at(2028, 5, 31),
    ]
    assert starts(at(2027, 1, 1), "week", 2, 3) == [at(2027, 1, 1), at(2027, 1, 15), at(2027, 1, 29)]
    assert starts(at(2027, 2, 27), "day", 1, 4) == [at(2027, 2, 27), at(2027, 2, 28), at(2027, 3, 1), at(2027, 3, 2)]
    assert starts(at(2028, 2, 27), "day", 1, 4) == [at(2028, 2, 27), at(2028, 2, 28), at(2028, 2, 29), at(2028, 3, 1)]
    assert periods.period(at(2027, 1, 1), "year", 2, 1).start == at(2029, 1, 1)


def test_period_at_finds_the_period_containing_a_moment() -> None:
    anchor = at(2027, 1, 31, 12)
    found = periods.period_at(anchor, "month", 1, at(2027, 3, 31, 11))  # an hour before the anchor's time of day
    assert (found.index, found.start, found.end) == (1, at(2027, 2, 28, 12), at(2027, 3, 31, 12))
    found = periods.period_at(anchor, "month", 1, at(2027, 3, 31, 12))
    assert (found.index, found.start) == (2, at(2027, 3, 31, 12))
    assert periods.period_at(anchor, "month", 1, at(2026, 5, 1)).index == 0  # before the anchor: the first period
    assert periods.period_at(at(2027, 1, 1), "week", 1, at(2027, 1, 15)).index == 2
    assert periods.period_at(at(2028, 2, 29), "year", 1, at(2031, 2, 28)).index == 3
    for step in range(0, 2 * 366 * 24, 13):  # every 13 hours over two years, leap day included
        moment = anchor + timedelta(hours=step)
        p = periods.period_at(anchor, "month", 1, moment)
        assert p.start <= moment < p.end and p == periods.period(anchor, "month", 1, p.index)


def test_bad_intervals_are_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        periods.period(at(2027, 1, 1), "fortnight", 1, 0)
    with pytest.raises(ValueError, match="interval_count"):
        periods.period(at(2027, 1, 1), "month", 0, 0)


def test_monthly_normalises_to_a_30_4375_day_month_rounding_half_up() -> None:
    assert periods.monthly(1000, "month", 1) == 1000
    assert periods.monthly(1001, "month", 2) == 501  # 500.5 rounds up
    assert periods.monthly(12000, "year", 1) == 1000
    assert periods.monthly(100, "week", 1) == 435  # 100 × 30.4375 / 7 = 434.82
    assert periods.monthly(100, "day", 1) == 3044  # 3043.75
    assert periods.monthly(7, "week", 2) == 15  # 7 × 30.4375 / 14 = 15.22
    assert periods.round_half_up(periods.MEAN_MONTH_DAYS * 0) == 0
