"""Billing's side of recurring billing: a period's invoice made once per key, emailed with View Invoice and Manage
Subscription, charged at once with AutoPay; notices and events. JPY (no decimals) and KWD (three) on purpose."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from portal.billing.v1 import card_payments_pb2 as cpb
from portal.billing.v1 import event_log_pb2, invoices_pb2
from portal.billing.v1 import subscription_invoices_pb2 as pb
from portal.billing.v1.card_payments_pb2_grpc import StripeAccountServiceStub, WalletServiceStub
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.event_log_pb2_grpc import EventLogServiceStub
from portal.billing.v1.events_pb2 import EmailRequested
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal.billing.v1.subscription_invoices_pb2_grpc import SubscriptionInvoiceServiceStub
from portal.subscriptions.v1 import subscriptions_pb2 as spb
from portal_kit.context import bound
from portal_kit.principal import Principal
from sqlalchemy import text

from devtools.localservers import StripeServer
from devtools.testing import RunningService
from services.billing.tests.factories import new_customer
from services.billing.tests.stripe_helpers import DECLINED_ON_CHARGE, VISA, add_card, connect, new_webhook_secret

TENANT = "tenant-subs"
JAN_1 = 1767225600  # 2026-01-01T00:00:00Z
FEB_1 = 1769904000
MANAGE_TOKEN = "manage-token-abc"
PORTAL = invoices_pb2.Presentation(business_name="Subs Co", portal_url="http://subs.localhost:8000")


@pytest.fixture
async def subs_stub(service: RunningService) -> AsyncIterator[SubscriptionInvoiceServiceStub]:
    channel = service.channel_as("subscriptions")
    try:
        yield SubscriptionInvoiceServiceStub(channel)
    finally:
        await channel.close()


def _subscription(customer_id: int, currency: str, sub_id: int = 4242) -> spb.Subscription:
    return spb.Subscription(id=sub_id, customer=customer_id, plan="pro", quantity=2, currency=currency,
                            manage_token=MANAGE_TOKEN, status="active")  # fmt: skip


def _line(name: str, quantity: int, unit_cost: int, proration: bool = False) -> spb.InvoiceLine:
    return spb.InvoiceLine(name=name, quantity=quantity, unit_cost=unit_cost, amount=quantity * unit_cost, plan="pro",
                           period_start=JAN_1, period_end=FEB_1, proration=proration)  # fmt: skip


def _request(sub: spb.Subscription, *lines: spb.InvoiceLine, start: int = JAN_1) -> pb.CreateSubscriptionInvoiceRequest:
    return pb.CreateSubscriptionInvoiceRequest(subscription=sub, period_start=start, period_end=start + 31 * 86400,
                                               lines=list(lines), plan_name="Pro", presentation=PORTAL)  # fmt: skip


async def _customer(service: RunningService, currency: str, email: str = "ap@globex.example") -> int:
    with bound(TENANT):
        return (await new_customer(CustomerServiceStub(service.channel), name="Globex", email=email,
                                   currency=currency)).id  # fmt: skip


async def _emails(service: RunningService) -> list[EmailRequested]:
    async with service.db.unit_of_work() as session:
        rows = (
            await session.exec(
                text("SELECT payload FROM outbox_events WHERE topic = 'billing.email_requested.v1' ORDER BY seq")
            )
        ).all()  # type: ignore[call-overload]
    return [EmailRequested.FromString(row[0]) for row in rows]


async def _invoice_count(service: RunningService) -> int:
    async with service.db.unit_of_work() as session:
        return int((await session.exec(text("SELECT count(*) FROM invoices"))).one()[0])  # type: ignore[call-overload]


async def test_a_period_is_invoiced_once_however_often_it_is_asked(
    service: RunningService, subs_stub: SubscriptionInvoiceServiceStub
) -> None:
    customer_id = await _customer(service, "kwd")
    sub = _subscription(customer_id, "kwd")
    request = _request(sub, _line("Pro", 2, 12_345), _line("Credit: Basic, Jan 15 – Feb 1", 1, -4_001, proration=True))
    with bound(TENANT):
        first = await subs_stub.CreateSubscriptionInvoice(request)
        again = await subs_stub.CreateSubscriptionInvoice(request)
        invoice = (await InvoiceServiceStub(service.channel).GetInvoice(
            invoices_pb2.GetInvoiceRequest(id=first.invoice.invoice_id))).invoice  # fmt: skip
        events = await EventLogServiceStub(service.channel).ListEvents(
            event_log_pb2.ListEventsRequest(type="subscription.renewed"))  # fmt: skip
    assert first.created and not again.created
    assert again.invoice.invoice_id == first.invoice.invoice_id
    assert await _invoice_count(service) == 1
    assert first.invoice.total == 2 * 12_345 - 4_001 == invoice.total
    assert first.invoice.currency == "kwd" and first.invoice.subscription == sub.id
    assert (first.invoice.period_start, first.invoice.due_date) == (JAN_1, JAN_1)  # no terms: due on receipt
    assert invoice.subscription == sub.id and invoice.date == JAN_1 and invoice.sent
    assert [(i.name, i.quantity, i.unit_cost, i.amount, i.type) for i in invoice.items] == [
        ("Pro", "2", 12_345, 24_690, "subscription"),
        ("Credit: Basic, Jan 15 – Feb 1", "1", -4_001, -4_001, "proration"),
    ]
    [event] = events.events
    logged = spb.Subscription()
    event.object.Unpack(logged)
    assert logged.id == sub.id and logged.manage_token == ""  # the event log keeps no bearer tokens
    [email] = await _emails(service)
    sent = email.new_invoice
    assert sent.invoice_id == invoice.id and sent.total == 20_689 and sent.currency == "kwd"
    assert sent.link.startswith("http://subs.localhost:8000/invoices/")
    assert sent.manage_link == f"http://subs.localhost:8000/subscriptions/{MANAGE_TOKEN}"
    assert [r.email for r in email.envelope.to] == ["ap@globex.example"]


async def test_concurrent_requests_for_one_period_make_one_invoice(
    service: RunningService, subs_stub: SubscriptionInvoiceServiceStub
) -> None:
    customer_id = await _customer(service, "jpy")
    request = _request(_subscription(customer_id, "jpy"), _line("Pro", 3, 1_000))
    with bound(TENANT):
        replies = await asyncio.gather(*(subs_stub.CreateSubscriptionInvoice(request) for _ in range(4)))
    assert len({r.invoice.invoice_id for r in replies}) == 1
    assert sum(r.created for r in replies) == 1
    assert await _invoice_count(service) == 1
    assert len(await _emails(service)) == 1


async def test_each_period_and_each_subscription_has_its_own_invoice_and_states_tell_payment(
    service: RunningService, subs_stub: SubscriptionInvoiceServiceStub
) -> None:
    customer_id = await _customer(service, "jpy")
    sub = _subscription(customer_id, "jpy")
    with bound(TENANT):
        jan = await subs_stub.CreateSubscriptionInvoice(_request(sub, _line("Pro", 1, 500)))
        feb = await subs_stub.CreateSubscriptionInvoice(_request(sub, _line("Pro", 1, 500), start=FEB_1))
        other = await subs_stub.CreateSubscriptionInvoice(
            _request(_subscription(customer_id, "jpy", sub_id=77), _line("Pro", 1, 500)))  # fmt: skip
        states = await subs_stub.GetSubscriptionInvoiceStates(pb.GetSubscriptionInvoiceStatesRequest(
            invoice_ids=[jan.invoice.invoice_id, feb.invoice.invoice_id, 999]))  # fmt: skip
    assert len({jan.invoice.invoice_id, feb.invoice.invoice_id, other.invoice.invoice_id}) == 3
    assert [(s.invoice_id, s.period_start, s.paid, s.balance) for s in states.invoices] == [
        (jan.invoice.invoice_id, JAN_1, False, 500),
        (feb.invoice.invoice_id, FEB_1, False, 500),
    ]
    with bound("another-business"):
        hidden = await subs_stub.GetSubscriptionInvoiceStates(
            pb.GetSubscriptionInvoiceStatesRequest(invoice_ids=[jan.invoice.invoice_id]))  # fmt: skip
    assert list(hidden.invoices) == []


@pytest.mark.parametrize(
    ("lines", "param"),
    [
        ([], "lines"),
        ([spb.InvoiceLine(name="Pro", quantity=2, unit_cost=100, amount=201)], "lines[0].amount"),
        ([_line("Credit", 1, -500, proration=True)], "items"),  # a negative total
    ],
)
async def test_bad_lines_are_refused_and_nothing_is_written(
    service: RunningService, subs_stub: SubscriptionInvoiceServiceStub, lines: list[spb.InvoiceLine], param: str
) -> None:
    customer_id = await _customer(service, "jpy")
    with bound(TENANT), pytest.raises(grpc.aio.AioRpcError) as refused:
        await subs_stub.CreateSubscriptionInvoice(_request(_subscription(customer_id, "jpy"), *lines))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(refused.value.trailing_metadata() or ()).get("x-portal-param") == param
    assert await _invoice_count(service) == 0


async def test_notices_email_the_customer_with_the_manage_link_and_the_unpaid_invoice(
    service: RunningService, subs_stub: SubscriptionInvoiceServiceStub
) -> None:
    customer_id = await _customer(service, "jpy")
    sub = _subscription(customer_id, "jpy")
    with bound(TENANT):
        made = await subs_stub.CreateSubscriptionInvoice(_request(sub, _line("Pro", 1, 4_200)))
        sent = await subs_stub.SendSubscriptionNotice(pb.SendSubscriptionNoticeRequest(
            subscription=sub, notice="past_due", plan_name="Pro", invoice_id=made.invoice.invoice_id))  # fmt: skip
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await subs_stub.SendSubscriptionNotice(pb.SendSubscriptionNoticeRequest(subscription=sub, notice="nope"))
    assert sent.sent
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    notice = (await _emails(service))[-1].subscription_notice
    assert (notice.notice, notice.plan_name, notice.invoice_number, notice.balance, notice.currency) == (
        "past_due", "Pro", made.invoice.number, 4_200, "jpy")  # fmt: skip
    assert notice.manage_link == f"http://subs.localhost:8000/subscriptions/{MANAGE_TOKEN}"
    assert notice.invoice_link.startswith("http://subs.localhost:8000/invoices/")


async def test_without_a_known_portal_address_the_invoice_is_made_but_not_emailed(
    service: RunningService, subs_stub: SubscriptionInvoiceServiceStub
) -> None:
    customer_id = await _customer(service, "jpy")
    request = _request(_subscription(customer_id, "jpy"), _line("Pro", 1, 100))
    request.ClearField("presentation")
    with bound(TENANT):
        made = await subs_stub.CreateSubscriptionInvoice(request)
    assert made.created and await _emails(service) == []


async def test_subscription_events_are_logged_without_tokens(
    service: RunningService, subs_stub: SubscriptionInvoiceServiceStub
) -> None:
    sub = _subscription(await _customer(service, "jpy"), "jpy")
    with bound(TENANT), pytest.raises(grpc.aio.AioRpcError) as refused:
        await subs_stub.RecordSubscriptionEvent(pb.RecordSubscriptionEventRequest(type="subscription.finished",
                                                                                  subscription=sub))  # fmt: skip
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    sub.manage_token = ""
    sub.status = "finished"
    with bound(TENANT):
        recorded = await subs_stub.RecordSubscriptionEvent(
            pb.RecordSubscriptionEventRequest(type="subscription.finished", subscription=sub))  # fmt: skip
        events = await EventLogServiceStub(service.channel).ListEvents(
            event_log_pb2.ListEventsRequest(related_object_type="customer", related_object_id=sub.customer))  # fmt: skip
    assert [(e.id, e.type) for e in events.events][0] == (recorded.event_id, "subscription.finished")


async def _autopay_customer(service: RunningService, localstripe: StripeServer, number: str) -> int:
    with bound(TENANT):
        await connect(StripeAccountServiceStub(service.channel), new_webhook_secret())
    customer_id = await _customer(service, "jpy")
    wallet = WalletServiceStub(service.channel)
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(wallet, localstripe, number)
        await wallet.SetAutoPay(cpb.SetAutoPayRequest(enabled=True, card_id=card.id))
    return customer_id


@pytest.mark.parametrize(("number", "paid"), [(VISA, True), (DECLINED_ON_CHARGE, False)])
async def test_autopay_charges_the_new_invoice_at_once_and_only_once(
    stripe_service: RunningService, localstripe: StripeServer, number: str, paid: bool
) -> None:
    customer_id = await _autopay_customer(stripe_service, localstripe, number)
    request = _request(_subscription(customer_id, "jpy"), _line("Pro", 2, 1_500))
    channel = stripe_service.channel_as("subscriptions")
    try:
        stub = SubscriptionInvoiceServiceStub(channel)
        with bound(TENANT):
            made = await stub.CreateSubscriptionInvoice(request)
            again = await stub.CreateSubscriptionInvoice(request)
    finally:
        await channel.close()
    with bound(TENANT):
        invoice = (await InvoiceServiceStub(stripe_service.channel).GetInvoice(
            invoices_pb2.GetInvoiceRequest(id=made.invoice.invoice_id))).invoice  # fmt: skip
    assert again.invoice.invoice_id == made.invoice.invoice_id and not again.created
    # A card charge Stripe accepted is pending until its webhook applies it (card_payments); a declined one is not.
    assert (invoice.autopay, invoice.pending_amount, invoice.balance) == (True, 3_000 if paid else 0, 3_000)
    async with stripe_service.db.unit_of_work() as session:
        attempts = (await session.exec(text("SELECT state FROM autopay_attempts"))).all()  # type: ignore[call-overload]
    assert [row[0] for row in attempts] == (["charging"] if paid else ["retry_scheduled"])
    templates = [e.WhichOneof("template") for e in await _emails(stripe_service)]
    assert templates.count("new_invoice") == 1
    assert templates.count("autopay_failed") == (0 if paid else 1)
