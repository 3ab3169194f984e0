"""An estimate's deposit paid by card (against localstripe): a ledger payment tied to the estimate, settled by the
webhook, applied to the invoice the estimate becomes; refused where it must be; charged once. JPY and KWD."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import grpc
import pytest
from portal.billing.v1 import card_payments_pb2 as cpb
from portal.billing.v1 import estimates_pb2 as epb
from portal.billing.v1 import event_log_pb2
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1 import payments_pb2 as ppb
from portal.billing.v1.card_payments_pb2_grpc import StripeAccountServiceStub, WalletServiceStub
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.estimates_pb2_grpc import EstimateServiceStub
from portal.billing.v1.event_log_pb2_grpc import EventLogServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal.billing.v1.payments_pb2_grpc import PaymentServiceStub
from portal_kit.context import bound
from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.principal import Principal
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from devtools.localservers import StripeServer
from devtools.testing import RunningService
from services.billing.payments import ledger
from services.billing.payments.ledger import Application, NewPayment, PaymentRules
from services.billing.tests.factories import item, new_customer, new_invoice
from services.billing.tests.stripe_helpers import (
    DECLINED_ON_CHARGE,
    THREE_D_SECURE,
    add_card,
    allocation,
    authenticate,
    connect,
    new_webhook_secret,
    request_key,
    signed,
    stripe_object,
)

T = TypeVar("T")
TENANT = "tenant-deposits"
PRESENTATION = ipb.Presentation(business_name="Deposits Co", portal_url="http://deposits.localhost:8000")


@pytest.fixture
async def business(stripe_service: RunningService) -> AsyncIterator[tuple[RunningService, str]]:
    secret = new_webhook_secret()
    with bound(TENANT):
        await connect(StripeAccountServiceStub(stripe_service.channel), secret)
        yield stripe_service, secret


def _estimates(service: RunningService) -> EstimateServiceStub:
    return EstimateServiceStub(service.channel)


def _wallet(service: RunningService) -> WalletServiceStub:
    return WalletServiceStub(service.channel)


async def _customer(service: RunningService, currency: str) -> int:
    with bound(TENANT):
        return (await new_customer(CustomerServiceStub(service.channel), name="Initech", email="ap@initech.example",
                                   currency=currency)).id  # fmt: skip


async def _estimate(
    service: RunningService, customer_id: int, unit_cost: int, deposit: str, currency: str, approve: bool = True
) -> epb.Estimate:
    """A sent estimate asking a deposit (a major-unit decimal), approved by its customer unless told otherwise."""
    data = epb.EstimateInput(customer=customer_id, items=ipb.LineItems(values=[item("1", unit_cost)]),
                             currency=currency, deposit_decimal=deposit, sent=True)  # fmt: skip
    with bound(TENANT):
        estimate = (await _estimates(service).CreateEstimate(epb.CreateEstimateRequest(estimate=data))).estimate
    if approve:
        with bound(TENANT, Principal(customer_id).encode()):
            await _estimates(service).ApproveEstimate(
                epb.ApproveEstimateRequest(
                    id=estimate.id, version=estimate.version, initials="IT", presentation=PRESENTATION
                )  # fmt: skip
            )
    return estimate


async def _pay_deposit(
    service: RunningService, principal: Principal, estimate_id: int, card_id: int, key: str | None = None
) -> cpb.CardPayment:
    with bound(TENANT, principal.encode()):
        return await _wallet(service).StartPayment(
            cpb.StartPaymentRequest(estimate_id=estimate_id, card_id=card_id, request_key=key or request_key())
        )


async def _shown(service: RunningService, customer_id: int, estimate_id: int) -> epb.GetAccountEstimateResponse:
    with bound(TENANT, Principal(customer_id).encode()):
        return await _estimates(service).GetAccountEstimate(epb.GetAccountEstimateRequest(id=estimate_id))


async def _payment(service: RunningService, payment_id: int) -> ppb.Payment:
    with bound(TENANT):
        return (await PaymentServiceStub(service.channel).GetPayment(ppb.GetPaymentRequest(id=payment_id))).payment


async def _settle(service: RunningService, secret: str, localstripe: StripeServer, payment: cpb.CardPayment) -> str:
    intent = await stripe_object(localstripe, f"payment_intents/{payment.payment_intent}")
    payload, signature = signed(secret, "payment_intent.succeeded", intent)
    with bound(TENANT):
        reply = await StripeAccountServiceStub(service.channel).ReceiveWebhook(
            cpb.ReceiveWebhookRequest(payload=payload, signature=signature)
        )
    return reply.outcome


async def _refused(call: object, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]  # any pending gRPC call
    assert refused.value.code() == code, refused.value.details()
    return refused.value.details() or ""


async def test_a_deposit_is_paid_after_approval_and_applied_to_the_invoice_made_later(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, secret = business
    customer_id = await _customer(service, "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe)
    unapproved = await _estimate(service, customer_id, 10000, "3000", "jpy", approve=False)
    message = await _refused(
        _pay_deposit(service, Principal(customer_id), unapproved.id, card.id), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert "Approve this estimate" in message
    assert not (await _shown(service, customer_id, unapproved.id)).deposit_payable

    estimate = await _estimate(service, customer_id, 10000, "3000", "jpy")
    assert (await _shown(service, customer_id, estimate.id)).deposit_payable
    payment = await _pay_deposit(service, Principal(customer_id), estimate.id, card.id)
    assert (payment.status, payment.amount, payment.currency, payment.estimate) == ("pending", 3000, "jpy", estimate.id)
    assert list(payment.allocations) == []
    pending = await _shown(service, customer_id, estimate.id)
    assert (pending.deposit_pending, pending.deposit_payable, pending.estimate.deposit_paid) == (True, False, False)

    assert await _settle(service, secret, localstripe, payment) == "applied"
    assert await _settle(service, secret, localstripe, payment) == "applied"  # a second event for the same intent
    paid = await _shown(service, customer_id, estimate.id)
    assert (paid.estimate.deposit_paid, paid.deposit_payable, paid.deposit_pending) == (True, False, False)
    held = await _payment(service, payment.payment_id)
    assert (held.status, held.amount, held.balance, held.estimate, held.estimate_number) == (
        "succeeded", 3000, 3000, estimate.id, estimate.number
    )  # fmt: skip
    assert list(held.applied_to) == []

    with bound(TENANT):
        made = await _estimates(service).InvoiceEstimate(epb.InvoiceEstimateRequest(id=estimate.id))
        invoice = await InvoiceServiceStub(service.channel).GetInvoice(ipb.GetInvoiceRequest(id=made.invoice.id))
    assert (made.invoice.total, made.invoice.balance, made.invoice.amount_paid) == (10000, 7000, 3000)
    assert (invoice.invoice.balance, invoice.invoice.paid) == (7000, False)
    applied = await _payment(service, payment.payment_id)
    assert applied.balance == 0
    assert [(a.invoice, a.amount, a.invoice_number) for a in applied.applied_to] == [
        (made.invoice.id, 3000, made.invoice.number)
    ]

    with bound(TENANT):
        log = EventLogServiceStub(service.channel)
        about = await log.ListEvents(
            event_log_pb2.ListEventsRequest(related_object_type="estimate", related_object_id=estimate.id)
        )
    types = [e.type for e in reversed(about.events)]
    assert types.count("payment.created") == 1 and types.count("estimate.updated") == 2
    flagged = next(e for e in about.events if e.type == "estimate.updated" and e.HasField("previous"))
    after, before = epb.Estimate(), epb.Estimate()
    flagged.object.Unpack(after)
    flagged.previous.Unpack(before)
    assert (before.deposit_paid, after.deposit_paid) == (False, True)


async def test_a_declined_card_holds_nothing_and_two_tabs_charge_the_deposit_once(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, secret = business
    customer_id = await _customer(service, "kwd")
    estimate = await _estimate(service, customer_id, 50000, "12.345", "kwd")  # 12.345 KWD of 50.000
    with bound(TENANT, Principal(customer_id).encode()):
        declined = await add_card(_wallet(service), localstripe, DECLINED_ON_CHARGE)
        visa = await add_card(_wallet(service), localstripe)
    failed = await _pay_deposit(service, Principal(customer_id), estimate.id, declined.id)
    assert failed.status == "failed" and "declined" in failed.failure_message
    after = await _shown(service, customer_id, estimate.id)
    assert (after.deposit_payable, after.deposit_pending, after.estimate.deposit_paid) == (True, False, False)

    double_click = request_key()
    tabs = [_pay_deposit(service, Principal(customer_id), estimate.id, visa.id, key=double_click) for _ in range(2)]
    tabs += [_pay_deposit(service, Principal(customer_id), estimate.id, visa.id) for _ in range(2)]
    results = await asyncio.gather(*tabs, return_exceptions=True)
    started = {r.payment_id for r in results if isinstance(r, cpb.CardPayment)}
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(started) == 1, results
    assert refused and all(r.code() == grpc.StatusCode.FAILED_PRECONDITION for r in refused)
    async with service.db.unit_of_work() as session:
        rows = (
            await session.exec(  # type: ignore[call-overload]  # a textual statement
                text(
                    "SELECT payment_intent, amount, status FROM card_charges WHERE estimate_id = :e ORDER BY pk"
                ).bindparams(e=estimate.id)
            )
        ).all()  # type: ignore[call-overload]
    assert [(r[1], r[2]) for r in rows] == [(12345, "failed"), (12345, "pending")]
    intent = await stripe_object(localstripe, f"payment_intents/{rows[1][0]}")
    assert (intent["amount"], intent["currency"]) == (12345, "kwd")

    assert await _settle(service, secret, localstripe, (await _wallet_payment(service, customer_id, started)))
    message = await _refused(
        _pay_deposit(service, Principal(customer_id), estimate.id, visa.id), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert "already paid" in message


async def _wallet_payment(service: RunningService, customer_id: int, ids: set[int]) -> cpb.CardPayment:
    with bound(TENANT, Principal(customer_id).encode()):
        return await _wallet(service).GetPayment(cpb.GetCardPaymentRequest(payment_id=next(iter(ids))))


async def test_only_the_estimates_customer_or_its_guest_pays_and_the_business_settings_apply(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    service, _ = business
    customer_id = await _customer(service, "jpy")
    other_id = await _customer(service, "jpy")
    estimate = await _estimate(service, customer_id, 8000, "2000", "jpy")
    with bound(TENANT):
        invoice = await new_invoice(InvoiceServiceStub(service.channel), customer_id, item("1", 500), currency="jpy",
                                    sent=True)  # fmt: skip
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe)
    with bound(TENANT, Principal(other_id).encode()):
        other_card = await add_card(_wallet(service), localstripe)
    await _refused(_pay_deposit(service, Principal(other_id), estimate.id, other_card.id), grpc.StatusCode.NOT_FOUND)
    invoice_guest = Principal(customer_id, "invoice", invoice.id, guest=True)
    await _refused(_pay_deposit(service, invoice_guest, estimate.id, card.id), grpc.StatusCode.NOT_FOUND)
    estimate_guest = Principal(customer_id, "estimate", estimate.id, guest=True)
    saved = await _refused(_pay_deposit(service, estimate_guest, estimate.id, card.id),
                           grpc.StatusCode.FAILED_PRECONDITION)  # fmt: skip
    assert "saved card" in saved  # a forwarded link never charges the customer's saved cards
    with bound(TENANT, Principal(customer_id).encode()):
        mixed = _wallet(service).StartPayment(cpb.StartPaymentRequest(
            estimate_id=estimate.id, allocations=[allocation(invoice.id, 500)], card_id=card.id,
            request_key=request_key()))  # fmt: skip
        await _refused(mixed, grpc.StatusCode.INVALID_ARGUMENT)

    no_deposit = await _estimate(service, customer_id, 8000, "0", "jpy")
    assert "no deposit" in await _refused(
        _pay_deposit(service, Principal(customer_id), no_deposit.id, card.id), grpc.StatusCode.FAILED_PRECONDITION
    )
    with bound(TENANT):
        draft = (await _estimates(service).CreateEstimate(epb.CreateEstimateRequest(estimate=epb.EstimateInput(
            customer=customer_id, items=ipb.LineItems(values=[item("1", 800)]), deposit_decimal="100",
            draft=True)))).estimate  # fmt: skip
        withdrawn = await _estimate(service, customer_id, 8000, "2000", "jpy", approve=False)
        await _estimates(service).VoidEstimate(epb.VoidEstimateRequest(id=withdrawn.id))
    await _refused(_pay_deposit(service, Principal(customer_id), draft.id, card.id), grpc.StatusCode.NOT_FOUND)
    await _refused(_pay_deposit(service, Principal(customer_id), withdrawn.id, card.id),
                   grpc.StatusCode.FAILED_PRECONDITION)  # fmt: skip

    account = StripeAccountServiceStub(service.channel)
    with bound(TENANT):
        await account.UpdatePaymentSettings(cpb.UpdatePaymentSettingsRequest(
            minimum_payments={"jpy": 2001}, set_minimum_payments=True, partial_payments=False))  # fmt: skip
    below = await _refused(_pay_deposit(service, Principal(customer_id), estimate.id, card.id),
                           grpc.StatusCode.INVALID_ARGUMENT)  # fmt: skip
    assert "minimum" in below
    with bound(TENANT):
        await account.UpdatePaymentSettings(cpb.UpdatePaymentSettingsRequest(set_accepted_methods=True,
                                                                             set_minimum_payments=True))  # fmt: skip
    await _refused(_pay_deposit(service, Principal(customer_id), estimate.id, card.id),
                   grpc.StatusCode.FAILED_PRECONDITION)  # fmt: skip
    with bound(TENANT):
        await account.UpdatePaymentSettings(cpb.UpdatePaymentSettingsRequest(accepted_methods=["card"],
                                                                             set_accepted_methods=True))  # fmt: skip
    # "full payments only" does not stop a deposit: the business asked for this amount itself
    paid = await _pay_deposit(service, Principal(customer_id), estimate.id, card.id)
    assert (paid.status, paid.amount) == ("pending", 2000)
    with bound(TENANT, Principal(customer_id).encode()):
        listed = await _wallet(service).OpenPayments(cpb.OpenPaymentsRequest())
    assert [p.estimate for p in listed.payments] == [estimate.id]


async def test_a_deposit_received_after_the_estimate_was_invoiced_is_applied_to_that_invoice(
    business: tuple[RunningService, str], localstripe: StripeServer
) -> None:
    """3-D Secure keeps the deposit pending while the business invoices the estimate: the webhook applies it."""
    service, secret = business
    customer_id = await _customer(service, "jpy")
    estimate = await _estimate(service, customer_id, 9000, "4500", "jpy")
    with bound(TENANT, Principal(customer_id).encode()):
        card = await add_card(_wallet(service), localstripe, THREE_D_SECURE)
    payment = await _pay_deposit(service, Principal(customer_id), estimate.id, card.id)
    assert payment.status == "requires_action"
    with bound(TENANT):
        made = await _estimates(service).InvoiceEstimate(epb.InvoiceEstimateRequest(id=estimate.id))
    assert made.invoice.balance == 9000  # nothing received yet
    await authenticate(localstripe, payment.client_secret, success=True)
    assert await _settle(service, secret, localstripe, payment) == "applied"
    with bound(TENANT):
        invoice = await InvoiceServiceStub(service.channel).GetInvoice(ipb.GetInvoiceRequest(id=made.invoice.id))
    assert (invoice.invoice.balance, invoice.invoice.amount_paid) == (4500, 4500)
    applied = await _payment(service, payment.payment_id)
    assert applied.balance == 0 and [a.invoice for a in applied.applied_to] == [made.invoice.id]
    assert (await _shown(service, customer_id, estimate.id)).estimate.deposit_paid


def _deposit(customer_id: int, estimate_id: int, amount: int, *applications: tuple[int, int]) -> NewPayment:
    return NewPayment(customer_id=customer_id, currency="jpy", amount=amount, method="credit_card", source="stripe",
                      applications=[Application(i, a) for i, a in applications], estimate_id=estimate_id)  # fmt: skip


async def _in_tenant(service: RunningService, call: Callable[[AsyncSession], Awaitable[T]]) -> T:
    with bound(TENANT):
        async with service.db.unit_of_work() as session:
            return await call(session)


async def test_the_ledger_holds_a_deposit_unapplied_once_per_estimate_and_applies_only_what_an_invoice_owes(
    service: RunningService,
) -> None:
    customer_id = await _customer(service, "jpy")
    other_id = await _customer(service, "jpy")
    estimate = await _estimate(service, customer_id, 9000, "3000", "jpy", approve=False)
    with bound(TENANT):
        stub = InvoiceServiceStub(service.channel)
        small = await new_invoice(stub, customer_id, item("1", 2000), currency="jpy", sent=True)
        rest = await new_invoice(stub, customer_id, item("1", 5000), currency="jpy", sent=True)
        foreign = await new_invoice(stub, other_id, item("1", 5000), currency="jpy", sent=True)

    with pytest.raises(InvalidArgument):  # a deposit is held for its estimate, never applied to invoices at once
        await _in_tenant(service, lambda s: ledger.open_payment(s, _deposit(customer_id, estimate.id, 3000,
                                                                            (small.id, 2000)), PaymentRules()))  # fmt: skip
    opened = await _in_tenant(
        service, lambda s: ledger.open_payment(s, _deposit(customer_id, estimate.id, 3000), PaymentRules())
    )
    assert (opened.payment.balance, opened.applications, opened.estimate_number) == (3000, [], estimate.number)
    with pytest.raises(IntegrityError):  # the database itself refuses a second deposit payment in progress
        await _in_tenant(
            service, lambda s: ledger.open_payment(s, _deposit(customer_id, estimate.id, 3000), PaymentRules())
        )
    unsettled = await _in_tenant(service, lambda s: ledger.apply_balance(s, opened.payment.id, small.id))
    assert unsettled.payment.balance == 3000  # nothing received yet: nothing applied
    await _in_tenant(service, lambda s: ledger.settle_payment(s, opened.payment.id))
    with pytest.raises(FailedPrecondition):
        await _in_tenant(service, lambda s: ledger.apply_balance(s, opened.payment.id, foreign.id))

    first = await _in_tenant(service, lambda s: ledger.apply_balance(s, opened.payment.id, small.id))
    assert first.payment.balance == 1000 and [(a.invoice_id, a.amount) for a in first.applications] == [
        (small.id, 2000)
    ]
    second = await _in_tenant(service, lambda s: ledger.apply_balance(s, opened.payment.id, rest.id))
    assert second.payment.balance == 0
    assert [(a.invoice_id, a.amount) for a in second.applications] == [(small.id, 2000), (rest.id, 1000)]
    with bound(TENANT):
        paid, owing = [(await stub.GetInvoice(ipb.GetInvoiceRequest(id=i))).invoice for i in (small.id, rest.id)]
    assert (paid.balance, paid.paid, owing.balance, owing.amount_paid) == (0, True, 4000, 1000)
