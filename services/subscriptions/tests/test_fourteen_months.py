"""The scheduler across 14 simulated months against billing and localstripe: a plan with an addon from Jan 31 (month
ends, a leap February), a plan change in the middle (prorated on the next invoice), a declined AutoPay charge in
the middle (past due, paid again, active again). Every invoice's lines and totals are checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import pytest
from portal.billing.v1 import card_payments_pb2 as cpb
from portal.billing.v1.card_payments_pb2_grpc import StripeAccountServiceStub, WalletServiceStub
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.principal import Principal
from sqlalchemy import text

from devtools.localservers import StripeServer, start_localstripe
from devtools.test_databases import ServiceDatabases
from devtools.testing import settings_for_test
from services.billing.server import MIGRATIONS as BILLING_MIGRATIONS
from services.billing.tests.stripe_helpers import (
    DECLINED_ON_CHARGE,
    VISA,
    add_card,
    connect,
    new_webhook_secret,
    signed,
    stripe_object,
)
from services.subscriptions.server import MIGRATIONS
from services.subscriptions.settings import SubscriptionsSettings
from services.subscriptions.subscriptions.operations import AddonIn
from services.subscriptions.tests.schedule_world import TENANT, FakeClock, World, at

PERIOD_STARTS = [
    "2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30", "2024-07-31",
    "2024-08-31", "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31", "2025-01-31", "2025-02-28",
]  # fmt: skip


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StripeServer]:
    server = start_localstripe(tmp_path_factory.mktemp("localstripe"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def world(service_databases: ServiceDatabases, localstripe: StripeServer) -> AsyncIterator[World]:
    subs_url = await service_databases.fresh("subscriptions", MIGRATIONS)
    billing_url = await service_databases.fresh("billing", BILLING_MIGRATIONS)
    settings = settings_for_test(SubscriptionsSettings, subs_url)
    made = World(Database(subs_url), billing_url, FakeClock(at(2024, 1, 1)), settings.secret_key)
    await made.start_billing(stripe_api_base=localstripe.url, autopay_interval_seconds=3600)
    try:
        yield made
    finally:
        await made.close()
        await made.subs_db.dispose()


class Stripe:
    """The business's Stripe account and what Stripe would post back (payment_intent.succeeded webhooks)."""

    def __init__(self, world: World, localstripe: StripeServer, secret: str) -> None:
        self.world = world
        self.localstripe = localstripe
        self.secret = secret
        self.confirmed: set[int] = set()

    def account(self) -> StripeAccountServiceStub:
        return StripeAccountServiceStub(self.world.billing.channel)

    async def deliver_succeeded_charges(self) -> int:
        """Posts Stripe's webhook for every AutoPay charge Stripe accepted and billing has not heard of yet."""
        async with self.world.billing.db.read_only() as session:
            rows = (await session.exec(text(
                "SELECT payment_id FROM autopay_attempts WHERE state = 'charging' AND payment_id IS NOT NULL")
            )).all()  # type: ignore[call-overload]  # fmt: skip
        delivered = 0
        for (payment_id,) in rows:
            with bound(TENANT):
                charge = await self.account().GetCardPayment(cpb.GetCardPaymentRequest(payment_id=payment_id))
            intent = await stripe_object(self.localstripe, f"payment_intents/{charge.payment_intent}")
            if intent["status"] != "succeeded" or payment_id in self.confirmed:
                continue
            payload, signature = signed(self.secret, "payment_intent.succeeded", intent)
            with bound(TENANT):
                await self.account().ReceiveWebhook(cpb.ReceiveWebhookRequest(payload=payload, signature=signature))
            self.confirmed.add(payment_id)
            delivered += 1
        return delivered


async def test_fourteen_months_with_a_plan_change_and_a_declined_autopay_charge(
    world: World, localstripe: StripeServer
) -> None:
    secret = new_webhook_secret()
    with bound(TENANT):
        await connect(StripeAccountServiceStub(world.billing.channel), secret)
    stripe = Stripe(world, localstripe, secret)
    await world.plan("basic", 2_000, "jpy")
    await world.plan("pro", 5_000, "jpy")
    await world.plan("seat", 300, "jpy")
    customer = await world.customer("jpy")
    wallet = WalletServiceStub(world.billing.channel)
    with bound(TENANT, Principal(customer).encode()):
        visa = await add_card(wallet, localstripe, VISA)
        declining = await add_card(wallet, localstripe, DECLINED_ON_CHARGE, default=False)
        await wallet.SetAutoPay(cpb.SetAutoPayRequest(enabled=True, card_id=visa.id))
    sub = await world.subscribe(customer, "basic", at(2024, 1, 31), addons=[AddonIn("seat", 2)])

    async def month(day: datetime, hours: int = 1) -> None:
        world.clock.moment = day.replace(hour=hours)
        await world.scheduler().run_once()
        await stripe.deliver_succeeded_charges()

    for start in PERIOD_STARTS[:5]:
        await month(datetime.fromisoformat(start + "T00:00:00+00:00"))
    await world.change(sub, plan="pro", proration_date=at(2024, 6, 15))  # 15 of the period's 30 days remain
    for start in PERIOD_STARTS[5:7]:
        await month(datetime.fromisoformat(start + "T00:00:00+00:00"))

    with bound(TENANT, Principal(customer).encode()):  # the customer's AutoPay card now declines
        await wallet.SetAutoPay(cpb.SetAutoPayRequest(enabled=True, card_id=declining.id))
    await month(at(2024, 8, 31))
    august = (await world.billed(sub))[-1]
    assert not august.settled
    assert len(await world.emails("autopay_failed")) == 1
    await month(at(2024, 9, 1), hours=2)  # a day past its due date, unpaid: past due
    assert (await world.subscription(sub)).status == "past_due"
    with bound(TENANT, Principal(customer).encode()):  # the customer puts the good card back; the business charges it
        await wallet.SetAutoPay(cpb.SetAutoPayRequest(enabled=True, card_id=visa.id))
    with bound(TENANT):
        await stripe.account().PayInvoice(cpb.PayInvoiceRequest(invoice_id=august.invoice_id))
    await month(at(2024, 9, 2))
    assert (await world.subscription(sub)).status == "active"

    for start in PERIOD_STARTS[8:]:
        await month(datetime.fromisoformat(start + "T00:00:00+00:00"))

    billed = await world.billed(sub)
    assert [f"{p.period_start:%Y-%m-%d}" for p in billed] == PERIOD_STARTS
    invoices = [await world.invoice(p.invoice_id) for p in billed]
    basic = [("Basic", "1", 2_000, 2_000), ("Seat", "2", 300, 600)]
    pro = [("Pro", "1", 5_000, 5_000), ("Seat", "2", 300, 600)]
    change = [("Unused time on Basic", "1", -1_000, -1_000), ("Remaining time on Pro", "1", 2_500, 2_500)]
    expected = [basic] * 5 + [pro + change] + [pro] * 8
    assert [[(i.name, i.quantity, i.unit_cost, i.amount) for i in inv.items] for inv in invoices] == expected
    assert [inv.total for inv in invoices] == [2_600] * 5 + [7_100] + [5_600] * 8
    assert all(inv.paid and inv.balance == 0 and inv.currency == "jpy" for inv in invoices)
    assert [inv.date for inv in invoices] == [int(p.period_start.timestamp()) for p in billed]
    assert len({inv.number for inv in invoices}) == 14
    sent = await world.emails("new_invoice")
    assert len(sent) == 14 and all(e.new_invoice.manage_link.startswith("http://") for e in sent)
    notices = [e.subscription_notice.notice for e in await world.emails("subscription_notice")]
    assert notices == ["past_due", "reactivated"]
    assert await world.events("subscription.renewed") == 14
    final = await world.subscription(sub)
    assert (final.status, final.cycles_billed, final.plan_id) == ("active", 14, "pro")
