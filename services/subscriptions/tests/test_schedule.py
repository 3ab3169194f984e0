"""The billing scheduler against the real billing service, with a clock the tests move through months: every period
billed exactly once (two schedulers racing, a restart mid-run, a billing outage), month ends and leap years,
cancel at period end, cycles, past due and the business's past-due action."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from portal.billing.v1 import subscription_invoices_pb2 as billing_pb
from portal_kit.db import Database
from portal_kit.timestamps import utcnow

from devtools.test_databases import ServiceDatabases
from devtools.testing import settings_for_test
from services.billing.server import MIGRATIONS as BILLING_MIGRATIONS
from services.subscriptions.schedule.invoicing import GrpcInvoicing
from services.subscriptions.schedule.job import schedule_worker
from services.subscriptions.schedule.past_due import FixedPolicy, fixed
from services.subscriptions.schedule.runner import Scheduler
from services.subscriptions.server import MIGRATIONS
from services.subscriptions.settings import SubscriptionsSettings
from services.subscriptions.tests.schedule_world import FakeClock, World, at


@pytest.fixture
async def world(service_databases: ServiceDatabases) -> AsyncIterator[World]:
    subs_url = await service_databases.fresh("subscriptions", MIGRATIONS)
    billing_url = await service_databases.fresh("billing", BILLING_MIGRATIONS)
    settings = settings_for_test(SubscriptionsSettings, subs_url)
    made = World(Database(subs_url), billing_url, FakeClock(at(2024, 1, 1)), settings.secret_key)
    await made.start_billing()
    try:
        yield made
    finally:
        await made.close()
        await made.subs_db.dispose()


def starts(periods: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{p.period_start:%Y-%m-%d}" for p in periods]


async def test_catching_up_bills_each_missed_period_once_through_month_ends_and_leap_years(world: World) -> None:
    await world.plan("monthly", 1_000, "jpy")
    await world.plan("yearly", 12_000, "jpy", interval="year")
    customer = await world.customer("jpy")
    month_end = await world.subscribe(customer, "monthly", at(2024, 1, 31))
    common_year = await world.subscribe(customer, "monthly", at(2023, 1, 31))
    leap_day = await world.subscribe(customer, "yearly", at(2024, 2, 29))
    world.clock.moment = at(2028, 3, 1)
    await world.plan("unused", 1, "jpy")
    result = await world.scheduler().run_once()
    billed = await world.billed(month_end)
    assert starts(billed[:6]) == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30"]
    assert len(billed) == 50  # Jan 2024 … Feb 2028, every one once
    assert starts((await world.billed(common_year))[:3]) == ["2023-01-31", "2023-02-28", "2023-03-31"]
    assert starts(await world.billed(leap_day)) == [
        "2024-02-29",
        "2025-02-28",
        "2026-02-28",
        "2027-02-28",
        "2028-02-29",
    ]
    assert result.billed == 50 + 62 + 5 == await world.invoice_count()
    sub = await world.subscription(month_end)
    assert (sub.cycles_billed, f"{sub.period_start:%Y-%m-%d}", f"{sub.period_end:%Y-%m-%d}") == (
        50, "2028-02-29", "2028-03-31")  # fmt: skip
    feb = await world.invoice(billed[1].invoice_id)
    assert (feb.date, feb.total, feb.subscription) == (int(billed[1].period_start.timestamp()), 1_000, month_end)
    again = await world.scheduler().run_once()
    assert (again.billed, await world.invoice_count()) == (0, 117)
    assert await world.events("subscription.renewed") == 117


async def test_two_schedulers_racing_bill_each_period_exactly_once(world: World) -> None:
    await world.plan("basic", 700, "kwd")
    customer = await world.customer("kwd")
    subs = [await world.subscribe(customer, "basic", at(2024, 1, 15)) for _ in range(12)]
    world.clock.moment = at(2024, 3, 20)  # three periods due each: Jan 15, Feb 15, Mar 15
    first, second = world.scheduler(lanes=3), world.scheduler(lanes=3)
    results = await asyncio.gather(first.run_once(), second.run_once())
    assert sum(r.billed for r in results) == 36
    billed = await world.billed()
    assert len(billed) == 36 == len({(p.subscription_id, p.period_start) for p in billed})
    assert len({p.invoice_id for p in billed}) == 36 == await world.invoice_count()
    for sub in subs:
        assert starts(await world.billed(sub)) == ["2024-01-15", "2024-02-15", "2024-03-15"]


class Killed(Exception):
    """The process stops here (in a test: the pass raises and its transaction rolls back)."""


class CrashAfterBilling:
    """The process dies once billing answered and before the scheduler committed (a crash or a pod killed)."""

    def __init__(self, real: GrpcInvoicing, after: int) -> None:
        self.real = real
        self.after = after

    async def create_invoice(
        self, request: billing_pb.CreateSubscriptionInvoiceRequest
    ) -> billing_pb.CreateSubscriptionInvoiceResponse:
        reply = await self.real.create_invoice(request)
        self.after -= 1
        if self.after <= 0:
            raise Killed
        return reply

    async def invoice_states(self, invoice_ids: list[int]) -> list[billing_pb.SubscriptionInvoiceState]:
        return await self.real.invoice_states(invoice_ids)

    async def record_event(self, request: billing_pb.RecordSubscriptionEventRequest, key: str) -> None:
        await self.real.record_event(request, key)

    async def send_notice(self, request: billing_pb.SendSubscriptionNoticeRequest, key: str) -> None:
        await self.real.send_notice(request, key)


async def test_a_restart_mid_run_neither_skips_nor_doubles_a_period(world: World) -> None:
    await world.plan("basic", 500, "jpy")
    customer = await world.customer("jpy")
    subs = [await world.subscribe(customer, "basic", at(2024, 1, 1)) for _ in range(3)]
    world.clock.moment = at(2024, 4, 2)  # four periods each
    dying = Scheduler(world.subs_db, CrashAfterBilling(world.invoicing(), after=5), world.clock, world.secret_key, 1)
    with pytest.raises(Killed):
        await dying.run_once()
    assert len(await world.billed()) == 4  # the fifth invoice exists in billing, its period is not recorded here
    assert await world.invoice_count() == 5
    restarted = await world.scheduler().run_once()
    assert restarted.billed == 8
    billed = await world.billed()
    assert len(billed) == 12 == len({p.invoice_id for p in billed}) == await world.invoice_count()
    for sub in subs:
        assert starts(await world.billed(sub)) == ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]


async def test_a_billing_outage_bills_every_period_once_after_recovery(world: World) -> None:
    await world.plan("basic", 900, "jpy")
    customer = await world.customer("jpy")
    sub = await world.subscribe(customer, "basic", at(2024, 1, 31))
    world.clock.moment = at(2024, 2, 1)
    scheduler = world.scheduler()
    assert (await scheduler.run_once()).billed == 1
    await world.stop_billing()
    world.clock.moment = at(2024, 3, 1)  # the Feb 29 period is due while billing is down
    outage = await scheduler.run_once()
    assert (outage.billed, outage.failed) == (0, 1)
    assert starts(await world.billed(sub)) == ["2024-01-31"]
    assert (await world.subscription(sub)).cycles_billed == 1
    world.clock.moment = at(2024, 4, 30)  # billing is back two months later: Feb 29, Mar 31 and Apr 30 are due
    await world.start_billing()
    recovered = await world.scheduler().run_once()
    assert recovered.billed == 3
    assert starts(await world.billed(sub)) == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
    assert await world.invoice_count() == 4
    assert (await world.scheduler().run_once()).billed == 0


async def test_cancel_at_period_end_and_cycles_end_subscriptions_without_another_invoice(world: World) -> None:
    await world.plan("basic", 1_000, "jpy")
    customer = await world.customer("jpy")
    canceling = await world.subscribe(customer, "basic", at(2024, 1, 1), cancel_at_period_end=True)
    two_cycles = await world.subscribe(customer, "basic", at(2024, 1, 1), cycles=2)
    world.clock.moment = at(2024, 1, 1, 12)
    await world.scheduler().run_once()
    assert (await world.subscription(canceling)).status == "active"
    world.clock.moment = at(2024, 5, 1)
    result = await world.scheduler().run_once()
    assert (result.billed, result.ended) == (1, 2)
    ended = await world.subscription(canceling)
    assert (ended.status, ended.canceled_at) == ("canceled", at(2024, 2, 1))
    assert starts(await world.billed(canceling)) == ["2024-01-01"]
    finished = await world.subscription(two_cycles)
    assert (finished.status, finished.cycles_billed) == ("finished", 2)
    assert starts(await world.billed(two_cycles)) == ["2024-01-01", "2024-02-01"]
    assert await world.invoice_count() == 3
    assert (await world.events("subscription.canceled"), await world.events("subscription.finished")) == (1, 1)
    notices = sorted(e.subscription_notice.notice for e in await world.emails("subscription_notice"))
    assert notices == ["canceled", "finished"]
    world.clock.moment = at(2024, 9, 1)
    assert (await world.scheduler().run_once()).billed == 0


async def test_an_unpaid_invoice_makes_it_past_due_paying_reactivates_and_the_business_may_cancel(
    world: World,
) -> None:
    await world.plan("basic", 1_000, "jpy")
    customer = await world.customer("jpy")
    sub = await world.subscribe(customer, "basic", at(2024, 1, 1))
    world.clock.moment = at(2024, 1, 1, 10)
    await world.scheduler().run_once()
    world.clock.moment = at(2024, 1, 1, 23)  # due on receipt: the customer has the day to pay
    await world.scheduler().run_once()
    assert (await world.subscription(sub)).status == "active"
    world.clock.moment = at(2024, 1, 2, 1)
    assert (await world.scheduler().run_once()).transitions == 1
    late = await world.subscription(sub)
    assert (late.status, late.past_due_since) == ("past_due", at(2024, 1, 2, 1))
    [january] = await world.billed(sub)
    [notice] = await world.emails("subscription_notice")
    assert (notice.subscription_notice.notice, notice.subscription_notice.invoice_number) == (
        "past_due", january.invoice_number)  # fmt: skip
    assert notice.subscription_notice.manage_link.startswith("http://schedule.localhost:8000/subscriptions/")

    await world.pay(await world.invoice(january.invoice_id))
    assert (await world.scheduler().run_once()).transitions == 1
    assert ((await world.subscription(sub)).status, (await world.billed(sub))[0].settled) == ("active", True)

    world.past_due = fixed(FixedPolicy(days=3, action="cancel"))  # the business's setting from now on
    world.clock.moment = at(2024, 2, 2, 1)  # February billed and, unpaid, past due a day later
    await world.scheduler().run_once()
    world.clock.moment = at(2024, 2, 2, 2)
    await world.scheduler().run_once()
    assert (await world.subscription(sub)).status == "past_due"
    assert (await world.subscription(sub)).past_due_since == at(2024, 2, 2, 1)
    world.clock.moment = at(2024, 2, 5, 0)  # past due since Feb 2, 01:00: three days are not over yet
    await world.scheduler().run_once()
    assert (await world.subscription(sub)).status == "past_due"
    world.clock.moment = at(2024, 2, 5, 3)
    await world.scheduler().run_once()
    canceled = await world.subscription(sub)
    assert (canceled.status, canceled.canceled_at) == ("canceled", at(2024, 2, 5, 3))
    assert [e.subscription_notice.notice for e in await world.emails("subscription_notice")] == [
        "past_due", "reactivated", "past_due", "canceled"]  # fmt: skip
    assert await world.events("subscription.canceled") == 1
    world.clock.moment = at(2024, 6, 1)
    assert (await world.scheduler().run_once()).billed == 0
    assert starts(await world.billed(sub)) == ["2024-01-01", "2024-02-01"]


async def test_pending_proration_lines_go_on_the_next_invoice_once(world: World) -> None:
    await world.plan("basic", 3_000, "jpy")
    await world.plan("pro", 6_000, "jpy")
    customer = await world.customer("jpy")
    sub = await world.subscribe(customer, "basic", at(2025, 1, 1))
    world.clock.moment = at(2025, 1, 1, 1)
    await world.scheduler().run_once()
    await world.change(sub, plan="pro", proration_date=at(2025, 1, 16))  # 16 of January's 31 days remain
    world.clock.moment = at(2025, 2, 1, 1)
    await world.scheduler().run_once()
    world.clock.moment = at(2025, 3, 1, 1)
    await world.scheduler().run_once()
    jan, feb, mar = [await world.invoice(p.invoice_id) for p in await world.billed(sub)]
    assert [(i.name, i.amount) for i in jan.items] == [("Basic", 3_000)]
    assert [(i.type, i.amount) for i in feb.items] == [
        ("subscription", 6_000),
        ("proration", -1_548),
        ("proration", 3_097),
    ]  # 3000×16/31, 6000×16/31, half up
    assert feb.total == 7_549
    assert [(i.name, i.amount) for i in mar.items] == [("Pro", 6_000)]


async def test_the_service_worker_bills_what_is_due_by_the_real_clock_and_stops_when_asked(world: World) -> None:
    await world.plan("basic", 1_000, "jpy")
    sub = await world.subscribe(await world.customer("jpy"), "basic", utcnow() - timedelta(hours=1))
    settings = settings_for_test(SubscriptionsSettings, world.subs_db.url, billing_addr=f"127.0.0.1:{world.billing.port}",
                                 schedule_interval_seconds=0.2)  # fmt: skip
    worker = schedule_worker(world.subs_db, settings, world.billing.credential("subscriptions"))
    running = asyncio.create_task(worker.run())
    try:
        for _ in range(100):
            if await world.billed(sub):
                break
            await asyncio.sleep(0.1)
    finally:
        worker.stop()
        await asyncio.wait_for(running, 10)
    assert len(await world.billed(sub)) == 1 and await world.invoice_count() == 1


async def test_after_a_restart_a_change_made_since_the_lost_commit_waits_for_the_next_invoice(world: World) -> None:
    await world.plan("basic", 3_000, "jpy")
    customer = await world.customer("jpy")
    sub = await world.subscribe(customer, "basic", at(2025, 1, 1))
    world.clock.moment = at(2025, 1, 1, 1)
    await world.scheduler().run_once()
    await world.change(sub, quantity=2, proration_date=at(2025, 1, 16))  # 16 of 31 days: -1,548 and +3,097
    world.clock.moment = at(2025, 2, 1, 1)
    dying = Scheduler(world.subs_db, CrashAfterBilling(world.invoicing(), after=1), world.clock, world.secret_key, 1)
    with pytest.raises(Killed):
        await dying.run_once()  # February's invoice exists in billing; here nothing of it was recorded
    await asyncio.sleep(0.01)
    await world.change(sub, quantity=3, proration_date=at(2025, 1, 20))  # 12 days: -2,323 and +3,484
    await world.scheduler().run_once()
    world.clock.moment = at(2025, 3, 1, 1)
    await world.scheduler().run_once()
    jan, feb, mar = [await world.invoice(p.invoice_id) for p in await world.billed(sub)]
    assert [i.amount for i in feb.items] == [6_000, -1_548, 3_097]  # as billing made it before the crash
    assert [i.amount for i in mar.items] == [9_000, -2_323, 3_484]  # the later change: billed once, on March's
    assert await world.invoice_count() == 3


async def test_resuming_passes_over_the_periods_it_was_paused_in(world: World) -> None:
    """No catch-up after a pause: the periods that started while paused are never billed nor counted in cycles."""
    await world.plan("monthly", 1_000, "jpy")
    customer = await world.customer("jpy")
    sub_id = await world.subscribe(customer, "monthly", at(2024, 1, 31), cycles=3)
    world.clock.moment = at(2024, 2, 1)
    assert (await world.scheduler().run_once()).billed == 1
    await world.pause(sub_id, True)
    world.clock.moment = at(2024, 5, 15)
    assert (await world.scheduler().run_once()).billed == 0
    await world.pause(sub_id, False)  # Feb 29, Mar 31 and Apr 30 started while paused
    assert (await world.scheduler().run_once()).billed == 0
    sub = await world.subscription(sub_id)
    assert (f"{sub.period_start:%Y-%m-%d}", f"{sub.period_end:%Y-%m-%d}", sub.cycles_billed) == (
        "2024-04-30", "2024-05-31", 1)  # fmt: skip
    world.clock.moment = at(2024, 7, 15)
    await world.scheduler().run_once()
    assert starts(await world.billed(sub_id)) == ["2024-01-31", "2024-05-31", "2024-06-30"]
    assert (await world.subscription(sub_id)).status != "finished"  # in its third and last cycle, Jun 30 – Jul 31
    world.clock.moment = at(2024, 8, 1)
    await world.scheduler().run_once()
    assert (await world.subscription(sub_id)).status == "finished"
    assert len(await world.billed(sub_id)) == 3 == await world.invoice_count()


async def test_resuming_before_the_first_invoice_bills_from_the_next_period(world: World) -> None:
    await world.plan("monthly", 1_000, "jpy")
    customer = await world.customer("jpy")
    sub_id = await world.subscribe(customer, "monthly", at(2024, 1, 10))
    await world.pause(sub_id, True)
    world.clock.moment = at(2024, 3, 20)
    assert (await world.scheduler().run_once()).billed == 0
    await world.pause(sub_id, False)
    assert (await world.scheduler().run_once()).billed == 0
    world.clock.moment = at(2024, 4, 11)
    await world.scheduler().run_once()
    assert starts(await world.billed(sub_id)) == ["2024-04-10"]
