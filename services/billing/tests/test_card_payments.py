"""Card payments end to end inside billing, against localstripe: settings, saved cards, paying, webhooks, races,
refunds. JPY (no decimals) and KWD (three) are the currencies on purpose."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, timedelta

import grpc
import pytest
from portal.billing.v1 import card_payments_pb2 as pb
from portal.billing.v1.card_payments_pb2_grpc import StripeAccountServiceStub, WalletServiceStub
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.events_pb2 import EmailRequested
from portal.billing.v1.invoices_pb2 import GetInvoiceRequest, Invoice
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.principal import Principal
from sqlalchemy import text

from devtools.localservers import StripeServer
from devtools.testing import RunningService
from services.billing.card_payments import autopay
from services.billing.card_payments.account import StripeConfig
from services.billing.card_payments.repository import AutoPayAttemptRepository
from services.billing.card_payments.sealing import Sealer
from services.billing.tests.factories import item, new_customer, new_invoice
from services.billing.tests.stripe_helpers import (
    DECLINED_ON_CHARGE,
    THREE_D_SECURE,
    add_card,
    allocation,
    authenticate,
    confirm_setup,
    connect,
    new_webhook_secret,
    request_key,
    signed,
    stripe_object,
)

TENANT = "tenant-cards"


@pytest.fixture
async def business(stripe_service: RunningService) -> AsyncIterator[tuple[RunningService, str]]:
    secret = new_webhook_secret()
    with bound(TENANT):
        await connect(StripeAccountServiceStub(stripe_service.channel), secret)
        yield stripe_service, secret


async def _customer(service: RunningService, currency: str) -> int:
    with bound(TENANT):
        return (await new_customer(CustomerServiceStub(service.channel), name="Globex", email="ap@globex.example",
                                   currency=currency)).id  # fmt: skip


async def _invoice(
    service: RunningService, customer_id: int, unit_cost: int, currency: str, **fields: object
) -> Invoice:
    with bound(TENANT):
        return await new_invoice(InvoiceServiceStub(service.channel), customer_id, item("1", unit_cost),
                                 currency=currency, sent=True, **fields)  # fmt: skip


async def _reload(service: RunningService, invoice_id: int) -> Invoice:
    with bound(TENANT):
        return (await InvoiceServiceStub(service.channel).GetInvoice(GetInvoiceRequest(id=invoice_id))).invoice


def _wallet(service: RunningService) -> WalletServiceStub:
    return WalletServiceStub(service.channel)


def _account(service: RunningService) -> StripeAccountServiceStub:
    return StripeAccountServiceStub(service.channel)


async def _deliver(service: RunningService, secret: str, event_type: str, obj: dict[str, object], **kw: object) -> str:
    payload, signature = signed(secret, event_type, obj, **kw)  # type: ignore[arg-type]  # event_id / at
    with bound(TENANT):
        reply = await _account(service).ReceiveWebhook(pb.ReceiveWebhookRequest(payload=payload, signature=signature))
    return reply.outcome


async def test_the_secret_key_is_sealed_at_rest_and_never_returned(stripe_service: RunningService) -> None:
    with bound(TENANT):
        settings = await connect(_account(stripe_service), new_webhook_secret())
        again = await _account(stripe_service).GetPaymentSettings(pb.GetPaymentSettingsRequest())
    assert settings.connected and again.publishable_key == "pk_test_portal"
    assert "sk_test" not in str(again) and len(again.secret_key_last4) == 4
    async with stripe_service.db.unit_of_work() as session:
        row = (await session.exec(text("SELECT * FROM stripe_accounts"))).one()  # type: ignore[call-overload]
    stored = " ".join(str(v) for v in row)
    assert "sk_test" not in stored and "whsec_" not in stored


async def test_keys_of_the_wrong_kind_are_refused(stripe_service: RunningService) -> None:
    with bound(TENANT), pytest.raises(grpc.aio.AioRpcError) as refused:
        await _account(stripe_service).ConnectStripe(
            pb.ConnectStripeRequest(
                secret_key="pk_live_oops1234", publishable_key="pk_x1234", webhook_secret="whsec_1234"
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_cards_are_saved_listed_made_default_and_removed(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, _ = business
    customer_id = await _customer(service, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        first = await add_card(_wallet(service), localstripe)
        second = await add_card(_wallet(service), localstripe, "5555555555554444", default=False)
        wallet = await _wallet(service).MakeDefaultCard(pb.MakeDefaultCardRequest(id=second.id))
        assert [c.is_default for c in wallet.sources] == [False, True]
        assert first.last4 == "4242" and first.exp_year == 2034 and not first.expiring_soon
        wallet = await _wallet(service).RemoveCard(pb.RemoveCardRequest(id=second.id))
    assert [(c.id, c.is_default) for c in wallet.sources] == [(first.id, True)]
    with bound(TENANT):
        listed = await _account(service).ListPaymentSources(pb.ListPaymentSourcesRequest(customer_id=customer_id))
    assert [s.last4 for s in listed.sources] == ["4242"]


async def test_a_guest_pays_its_invoice_with_a_new_card_but_cannot_save_or_use_saved_cards(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, _ = business
    customer_id = await _customer(service, "jpy")
    invoice = await _invoice(service, customer_id, 6000, "jpy")
    other = await _invoice(service, customer_id, 100, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        saved = await add_card(_wallet(service), localstripe)
    guest = Principal(customer_id, "invoice", invoice.id, guest=True)
    with bound(TENANT, guest.encode()):
        setup = await _wallet(service).StartCardSetup(pb.StartCardSetupRequest())
        seti = await confirm_setup(localstripe, setup.client_secret, "4242424242424242")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _wallet(service).FinishCardSetup(pb.FinishCardSetupRequest(setup_intent=seti))
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        for choice in ({"card_id": saved.id}, {"setup_intent": seti, "allocations": [allocation(other.id, 100)]}):
            with pytest.raises(grpc.aio.AioRpcError) as not_allowed:
                await _wallet(service).StartPayment(
                    pb.StartPaymentRequest(
                        **{"allocations": [allocation(invoice.id, 6000)], "request_key": request_key(), **choice}
                    )
                )  # type: ignore[arg-type]  # test table
            assert not_allowed.value.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND)
        paid = await _wallet(service).StartPayment(pb.StartPaymentRequest(
            allocations=[allocation(invoice.id, 6000)], setup_intent=seti, save_card=True, request_key=request_key()))  # fmt: skip
        assert paid.status == "pending"
        assert not (await _wallet(service).GetWallet(pb.GetWalletRequest())).sources  # a guest sees no saved cards
    with bound(TENANT):
        listed = await _account(service).ListPaymentSources(pb.ListPaymentSourcesRequest(customer_id=customer_id))
    assert [c.id for c in listed.sources] == [saved.id]  # the guest's card was not kept


async def _pay(
    service: RunningService, customer_id: int, card_id: int, *allocations: pb.Allocation, key: str | None = None
) -> pb.CardPayment:
    with bound(TENANT, Principal(customer_id).encode()):
        return await _wallet(service).StartPayment(
            pb.StartPaymentRequest(allocations=list(allocations), card_id=card_id, request_key=key or request_key())
        )


async def test_two_invoices_paid_at_once_are_pending_until_the_webhook(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, secret = business
    customer_id = await _customer(service, "jpy")
    a = await _invoice(service, customer_id, 12000, "jpy")
    b = await _invoice(service, customer_id, 3500, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe)
    payment = await _pay(service, customer_id, card.id, allocation(a.id, 12000), allocation(b.id, 3500))
    assert payment.status == "pending" and payment.amount == 15500 and payment.currency == "jpy"
    pending = await _reload(service, a.id)
    assert (pending.balance, pending.status) == (12000, "pending")  # "payment pending" until Stripe's webhook

    intent = await stripe_object(localstripe, f"payment_intents/{payment.payment_intent}")
    assert intent["amount"] == 15500 and intent["status"] == "succeeded"
    event_id = "evt_dup_" + payment.payment_intent
    assert await _deliver(service, secret, "payment_intent.succeeded", intent, event_id=event_id) == "applied"
    assert await _deliver(service, secret, "payment_intent.succeeded", intent, event_id=event_id) == "duplicate"
    assert await _deliver(service, secret, "payment_intent.succeeded", intent) == "applied"  # same intent, new event
    for invoice in (a, b):
        paid = await _reload(service, invoice.id)
        assert (paid.balance, paid.paid) == (0, True)
    with bound(TENANT, Principal(customer_id).encode()):
        shown = await _wallet(service).GetPayment(pb.GetCardPaymentRequest(payment_id=payment.payment_id))
    assert shown.status == "succeeded"
    receipts = [e for e in await _emails(service) if e.WhichOneof("template") == "payment_receipt"]
    assert len(receipts) == 1  # the webhook twice, and the same intent under a new event id: one receipt
    assert receipts[0].payment_receipt.amount == 15500 and receipts[0].envelope.from_name == "Cards Co"


async def test_forged_altered_and_replayed_webhooks_are_refused_and_change_nothing(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, secret = business
    customer_id = await _customer(service, "kwd")
    invoice = await _invoice(service, customer_id, 12345, "kwd")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe)
    payment = await _pay(service, customer_id, card.id, allocation(invoice.id, 12345))
    intent = await stripe_object(localstripe, f"payment_intents/{payment.payment_intent}")

    forged_payload, forged_signature = signed(new_webhook_secret(), "payment_intent.succeeded", intent)
    payload, signature = signed(secret, "payment_intent.succeeded", {**intent, "amount": 1})
    altered = payload.replace(b'"amount": 1', b'"amount": 12345')
    stale_payload, stale_signature = signed(secret, "payment_intent.succeeded", intent, at=1_700_000_000)
    for body, header in ((forged_payload, forged_signature), (altered, signature), (stale_payload, stale_signature)):
        with bound(TENANT), pytest.raises(grpc.aio.AioRpcError) as refused:
            await _account(service).ReceiveWebhook(pb.ReceiveWebhookRequest(payload=body, signature=header))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (await _reload(service, invoice.id)).balance == 12345


async def test_a_declined_card_shows_stripes_message_and_changes_nothing(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, _ = business
    customer_id = await _customer(service, "jpy")
    invoice = await _invoice(service, customer_id, 5000, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe, DECLINED_ON_CHARGE)
    payment = await _pay(service, customer_id, card.id, allocation(invoice.id, 5000))
    assert payment.status == "failed" and "declined" in payment.failure_message
    after = await _reload(service, invoice.id)
    assert (after.balance, after.paid) == (5000, False)
    with bound(TENANT, Principal(customer_id).encode()):  # nothing is held: the whole balance can be paid again
        visa = await add_card(_wallet(service), localstripe)
    assert (await _pay(service, customer_id, visa.id, allocation(invoice.id, 5000))).status == "pending"


async def test_a_three_d_secure_card_is_paid_after_authentication(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, secret = business
    customer_id = await _customer(service, "jpy")
    invoice = await _invoice(service, customer_id, 7000, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe, THREE_D_SECURE)
    payment = await _pay(service, customer_id, card.id, allocation(invoice.id, 7000))
    assert payment.status == "requires_action" and payment.client_secret.startswith(payment.payment_intent)
    await authenticate(localstripe, payment.client_secret, success=True)
    intent = await stripe_object(localstripe, f"payment_intents/{payment.payment_intent}")
    assert await _deliver(service, secret, "payment_intent.succeeded", intent) == "applied"
    assert (await _reload(service, invoice.id)).paid


async def test_two_tabs_and_a_double_click_never_collect_twice(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, _ = business
    customer_id = await _customer(service, "jpy")
    invoice = await _invoice(service, customer_id, 9000, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe)
    double_click = request_key()
    tabs = [
        _pay(service, customer_id, card.id, allocation(invoice.id, 9000), key=double_click),
        _pay(service, customer_id, card.id, allocation(invoice.id, 9000), key=double_click),
        _pay(service, customer_id, card.id, allocation(invoice.id, 9000)),
        _pay(service, customer_id, card.id, allocation(invoice.id, 9000)),
    ]
    results = await asyncio.gather(*tabs, return_exceptions=True)
    started = {r.payment_id for r in results if isinstance(r, pb.CardPayment)}
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(started) == 1, results
    assert all(r.code() == grpc.StatusCode.INVALID_ARGUMENT for r in refused)
    async with service.db.unit_of_work() as session:
        rows = (
            await session.exec(
                text("SELECT payment_intent FROM card_charges WHERE customer_id = :c").bindparams(c=customer_id)
            )
        ).all()  # type: ignore[call-overload]
    assert len(rows) == 1  # one charge asked of Stripe, for the whole balance
    intent = await stripe_object(localstripe, f"payment_intents/{rows[0][0]}")
    assert intent["amount"] == 9000


async def test_settings_are_enforced_by_billing(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, _ = business
    customer_id = await _customer(service, "kwd")
    invoice = await _invoice(service, customer_id, 50000, "kwd")  # 50.000 KWD
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe)
    with bound(TENANT):
        await _account(service).UpdatePaymentSettings(pb.UpdatePaymentSettingsRequest(
            partial_payments=False, minimum_payments={"kwd": 10000}, set_minimum_payments=True))  # fmt: skip
    for amount in (20000, 50001):  # partial not allowed; above the balance
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _pay(service, customer_id, card.id, allocation(invoice.id, amount))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with bound(TENANT):
        await _account(service).UpdatePaymentSettings(pb.UpdatePaymentSettingsRequest(partial_payments=True))
    with pytest.raises(grpc.aio.AioRpcError) as below_minimum:
        await _pay(service, customer_id, card.id, allocation(invoice.id, 9999))
    assert below_minimum.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (await _pay(service, customer_id, card.id, allocation(invoice.id, 10000))).status == "pending"
    with bound(TENANT), pytest.raises(grpc.aio.AioRpcError) as unknown:
        await _account(service).UpdatePaymentSettings(
            pb.UpdatePaymentSettingsRequest(accepted_methods=["bitcoin"], set_accepted_methods=True)
        )
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with bound(TENANT):
        await _account(service).UpdatePaymentSettings(pb.UpdatePaymentSettingsRequest(set_accepted_methods=True))
    with pytest.raises(grpc.aio.AioRpcError) as no_cards:
        await _pay(service, customer_id, card.id, allocation(invoice.id, 10000))
    assert no_cards.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_partial_refund_restores_the_balance(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, secret = business
    customer_id = await _customer(service, "jpy")
    invoice = await _invoice(service, customer_id, 8000, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe)
    payment = await _pay(service, customer_id, card.id, allocation(invoice.id, 8000))
    intent = await stripe_object(localstripe, f"payment_intents/{payment.payment_intent}")
    await _deliver(service, secret, "payment_intent.succeeded", intent)
    with bound(TENANT):
        refunded = await _account(service).Refund(pb.RefundRequest(payment_id=payment.payment_id, amount=3000))
    assert refunded.amount_refunded == 3000
    assert (await _reload(service, invoice.id)).balance == 3000


async def _autopay_customer(service: RunningService, localstripe: StripeServer, number: str) -> int:
    customer_id = await _customer(service, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe, number)
        await _wallet(service).SetAutoPay(pb.SetAutoPayRequest(enabled=True, card_id=card.id))
    return customer_id


def _config(service: RunningService) -> StripeConfig:
    settings = service.settings
    return StripeConfig(Sealer(settings.encryption_key_bytes), settings.stripe_api_base, settings.secret_key)


async def test_autopay_charges_a_due_invoice_once_however_often_the_job_runs(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, secret = business
    customer_id = await _autopay_customer(service, localstripe, "4242424242424242")
    due = await _invoice(service, customer_id, 4200, "jpy", autopay=True)  # due on receipt
    later = await _invoice(service, customer_id, 1000, "jpy", autopay=True, due_date=int(time.time()) + 86400 * 10)
    runs = await asyncio.gather(*(autopay.run_once(service.db, _config(service)) for _ in range(3)))
    assert sum(runs) == 1  # three replicas at once: one charge
    assert await autopay.run_once(service.db, _config(service)) == 0
    with bound(TENANT):
        async with service.db.unit_of_work() as session:
            [attempt] = await AutoPayAttemptRepository(session).of_invoice(due.id)
        assert attempt.payment_id is not None
        charge = await _account(service).GetCardPayment(pb.GetCardPaymentRequest(payment_id=attempt.payment_id))
    intent = await stripe_object(localstripe, f"payment_intents/{charge.payment_intent}")
    assert (intent["amount"], intent["status"]) == (4200, "succeeded")
    assert await _deliver(service, secret, "payment_intent.succeeded", intent) == "applied"
    assert (await _reload(service, due.id)).paid
    assert not (await _reload(service, later.id)).paid


async def test_a_failed_autopay_charge_is_retried_on_the_business_schedule(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, _ = business
    customer_id = await _autopay_customer(service, localstripe, DECLINED_ON_CHARGE)
    invoice = await _invoice(service, customer_id, 3100, "jpy", autopay=True)
    assert await autopay.run_once(service.db, _config(service)) == 1
    assert await autopay.run_once(service.db, _config(service)) == 0  # the retry waits for its day
    with bound(TENANT):
        async with service.db.unit_of_work() as session:
            [attempt] = await AutoPayAttemptRepository(session).of_invoice(invoice.id)
    assert attempt.state == "retry_scheduled" and attempt.next_attempt_at is not None
    assert "declined" in (attempt.failure_message or "")
    retry_day = attempt.next_attempt_at.replace(tzinfo=UTC) + timedelta(minutes=1)
    assert await autopay.run_once(service.db, _config(service), now=retry_day) == 1
    after = await _reload(service, invoice.id)
    assert (after.balance, after.paid) == (3100, False)

    emails = await _autopay_emails(service)
    assert len(emails) == 2  # one per failed attempt
    first = emails[0].autopay_failed
    assert (first.invoice_number, first.amount, first.currency) == (invoice.number, 3100, "jpy")
    assert "declined" in first.failure_message and first.HasField("next_attempt")
    assert emails[0].envelope.to[0].email == "ap@globex.example" and emails[0].envelope.from_name == "Cards Co"
    assert first.link.startswith("http://cards.localhost:8000/update-card/")
    token = first.link.rsplit("/", 1)[1]
    with bound(TENANT):
        redeemed = await _account(service).RedeemCardUpdateLink(pb.RedeemCardUpdateLinkRequest(token=token))
        assert redeemed.customer_id == customer_id
        with pytest.raises(grpc.aio.AioRpcError) as used:
            await _account(service).RedeemCardUpdateLink(pb.RedeemCardUpdateLinkRequest(token=token))
        assert used.value.code() == grpc.StatusCode.NOT_FOUND
    card_guest = Principal(customer_id, "payment_method", customer_id, guest=True)
    with bound(TENANT, card_guest.encode()):  # the link's guest session may change cards, and nothing else
        replacement = await add_card(_wallet(service), localstripe)
        await _wallet(service).SetAutoPay(pb.SetAutoPayRequest(enabled=True, card_id=replacement.id))
        with pytest.raises(grpc.aio.AioRpcError) as paying_refused:
            await _wallet(service).StartPayment(pb.StartPaymentRequest(
                allocations=[allocation(invoice.id, 3100)], card_id=replacement.id, request_key=request_key()))  # fmt: skip
        assert paying_refused.value.code() == grpc.StatusCode.NOT_FOUND


async def _autopay_emails(service: RunningService) -> list[EmailRequested]:
    return [e for e in await _emails(service) if e.WhichOneof("template") == "autopay_failed"]


async def _emails(service: RunningService) -> list[EmailRequested]:
    async with service.db.unit_of_work() as session:
        rows = (
            await session.exec(
                text("SELECT payload FROM outbox_events WHERE topic = 'billing.email_requested.v1' ORDER BY seq")
            )
        ).all()  # type: ignore[call-overload]
    return [EmailRequested.FromString(row[0]) for row in rows]
