"""The proration rule: credit of the unused time, charge of the remaining time, half up to the minor unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.subscriptions.proration import Charge, prorate, proration_lines

START = datetime(2027, 1, 1, tzinfo=UTC)
END = START + timedelta(days=30)


def test_prorate_rounds_half_up_to_the_minor_unit_jpy() -> None:
    # ¥1,000 a period, a third left: 333.33 → 333; two thirds: 666.67 → 667
    assert prorate(1000, 10 * 86400, 30 * 86400) == 333
    assert prorate(1000, 20 * 86400, 30 * 86400) == 667
    # ¥1,001, half left: 500.5 → 501 (half up, not to even)
    assert prorate(1001, 15 * 86400, 30 * 86400) == 501
    assert prorate(1003, 15 * 86400, 30 * 86400) == 502  # 501.5 → 502 (banker's rounding would also say 502)
    assert prorate(1005, 15 * 86400, 30 * 86400) == 503  # 502.5 → 503 (banker's would say 502)


def test_prorate_rounds_half_up_to_the_minor_unit_kwd() -> None:
    # 12.345 KWD = 12345 fils a period; half left: 6172.5 fils → 6.173 KWD
    assert prorate(12345, 15 * 86400, 30 * 86400) == 6173
    # one second of a 30-day period of 1.000 KWD: 0.0004 fils → 0
    assert prorate(1000, 1, 30 * 86400) == 0
    # 7.001 KWD, a third left: 2333.67 fils → 2.334 KWD
    assert prorate(7001, 10 * 86400, 30 * 86400) == 2334


def test_prorate_clamps_the_remaining_time_to_the_period() -> None:
    assert prorate(1000, 40 * 86400, 30 * 86400) == 1000
    assert prorate(1000, -5, 30 * 86400) == 0


def test_a_plan_change_credits_the_old_price_and_charges_the_new_one() -> None:
    old = [Charge("plan", "basic", "Basic", 2, 1000)]
    new = [Charge("plan", "pro", "Pro", 2, 2500)]
    lines = proration_lines(old, new, START, END, START + timedelta(days=20))
    assert [(line.plan, line.amount) for line in lines] == [("basic", -667), ("pro", 1667)]
    assert lines[0].name == "Unused time on Basic" and "Basic × 2" in lines[0].description
    assert lines[1].period_start == START + timedelta(days=20) and lines[1].period_end == END


def test_a_credit_rounds_half_away_from_zero_like_a_charge() -> None:
    old = [Charge("plan", "p", "P", 1, 1001)]
    new = [Charge("plan", "p", "P", 1, 1003)]
    lines = proration_lines(old, new, START, END, START + timedelta(days=15))
    assert [line.amount for line in lines] == [-501, 502]


def test_unchanged_charges_make_no_lines_and_new_addons_only_a_charge() -> None:
    plan = Charge("plan", "p", "P", 1, 5000)
    addon = Charge("addon:seat", "seat", "Seat", 3, 700)
    lines = proration_lines([plan], [plan, addon], START, END, START + timedelta(days=15))
    assert [(line.plan, line.amount) for line in lines] == [("seat", 1050)]
    assert proration_lines([plan, addon], [plan], START, END, START + timedelta(days=15))[0].amount == -1050
    assert proration_lines([plan], [plan], START, END, START + timedelta(days=15)) == []


def test_a_change_at_the_period_end_prorates_nothing() -> None:
    old = [Charge("plan", "a", "A", 1, 1000)]
    new = [Charge("plan", "b", "B", 1, 2000)]
    assert proration_lines(old, new, START, END, END) == []
