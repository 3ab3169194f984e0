"""The payment ledger on PostgreSQL: pending payments hold balances, settle/fail/refund/void move them exactly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
import pytest
from portal.billing.v1 import event_log_pb2 as epb
from portal.billing.v1 import events_pb2
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.event_log_pb2_grpc import EventLogServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.outbox import OutboxEvent
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from devtools.testing import RunningService
from services.billing.delivery import Presentation
from services.billing.payments import ledger
from services.billing.payments.ledger import Application, NewPayment, PaymentRules
from services.billing.tests.factories import item, new_customer, new_invoice

T = TypeVar("T")
CARD = PaymentRules(minimum_amount=0, partial_allowed=True)


async def in_tenant(
    service: RunningService, call: Callable[[AsyncSession], Awaitable[T]], tenant: str = "tenant-a"
) -> T:
    with bound(tenant):
        async with service.db.unit_of_work() as session:
            return await call(session)


def card_payment(customer_id: int, *applications: tuple[int, int], currency: str = "usd") -> NewPayment:
    return NewPayment(
        customer_id=customer_id,
        currency=currency,
        amount=sum(amount for _, amount in applications),
        method="credit_card",
        source="stripe",
        applications=[Application(invoice_id, amount) for invoice_id, amount in applications],
    )


async def invoice_now(invoices: InvoiceServiceStub, invoice_id: int) -> ipb.Invoice:
    with bound("tenant-a"):
        return (await invoices.GetInvoice(ipb.GetInvoiceRequest(id=invoice_id))).invoice


async def two_invoices(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub, currency: str = "usd"
) -> tuple[int, ipb.Invoice, ipb.Invoice]:
    with bound("tenant-a"):
        customer = await new_customer(customers, currency=currency)
        first = await new_invoice(invoices, customer.id, item("1", 10_000))
        second = await new_invoice(invoices, customer.id, item("3", 2_500))
    return customer.id, first, second


async def test_one_payment_for_two_invoices_holds_then_applies_exact_amounts(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, second = await two_invoices(customers, invoices)
    new = card_payment(customer_id, (first.id, 10_000), (second.id, 3_000))
    opened = await in_tenant(service, lambda s: ledger.open_payment(s, new, CARD))
    assert (opened.payment.status, opened.payment.amount, opened.payment.balance) == ("pending", 13_000, 0)
    held = await invoice_now(invoices, first.id)
    assert (held.status, held.pending_amount, held.balance, held.paid) == ("pending", 10_000, 10_000, False)

    settled = await in_tenant(service, lambda s: ledger.settle_payment(s, opened.payment.id))
    assert settled.payment.status == "succeeded"
    paid = await invoice_now(invoices, first.id)
    assert (paid.status, paid.balance, paid.amount_paid, paid.pending_amount, paid.paid) == ("paid", 0, 10_000, 0, True)
    partly = await invoice_now(invoices, second.id)
    assert (partly.status, partly.balance, partly.amount_paid, partly.paid) == ("not_sent", 4_500, 3_000, False)

    again = await in_tenant(service, lambda s: ledger.settle_payment(s, opened.payment.id))  # a duplicated webhook
    assert [a.amount for a in again.applications] == [10_000, 3_000]
    assert (await invoice_now(invoices, second.id)).balance == 4_500
    failed_late = await in_tenant(service, lambda s: ledger.fail_payment(s, opened.payment.id, "declined"))
    assert failed_late.payment.status == "succeeded"  # a failure arriving after the success changes nothing


async def test_pending_amounts_cap_what_another_payment_may_take(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, _ = await two_invoices(customers, invoices)
    await in_tenant(service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 6_000)), CARD))
    with pytest.raises(InvalidArgument) as refused:
        await in_tenant(service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 4_001)), CARD))
    assert refused.value.param == "applied_to[0].amount"
    assert "$40.00" in refused.value.message and "in progress" in refused.value.message
    rest = await in_tenant(
        service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 4_000)), CARD)
    )
    assert rest.payment.status == "pending"
    with pytest.raises(InvalidArgument, match="being paid already"):
        await in_tenant(service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 1)), CARD))


async def test_business_rules_and_bad_applications_are_refused(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, _ = await two_invoices(customers, invoices)
    with bound("tenant-a"):
        other = await new_customer(customers, name="Other Co")
        theirs = await new_invoice(invoices, other.id, item("1", 500))
        euros = await new_invoice(invoices, customer_id, item("1", 500), currency="eur")
    minimum = PaymentRules(minimum_amount=5_000)
    cases: list[tuple[NewPayment, PaymentRules, str]] = [
        (card_payment(customer_id, (first.id, 4_999)), minimum, "amount"),
        (card_payment(customer_id, (first.id, 9_000)), PaymentRules(partial_allowed=False), "applied_to[0].amount"),
        (card_payment(customer_id, (theirs.id, 500)), CARD, "applied_to[0].invoice"),
        (card_payment(customer_id, (euros.id, 500)), CARD, "applied_to[0]"),
        (card_payment(customer_id, (first.id, 0)), CARD, "amount"),
        (card_payment(customer_id, (first.id, 100), (first.id, 100)), CARD, "applied_to[1].invoice"),
        (card_payment(customer_id, (first.id, 10_001)), CARD, "applied_to[0].amount"),
    ]
    for new, rules, param in cases:
        with pytest.raises(InvalidArgument) as refused:
            await in_tenant(service, lambda s: ledger.open_payment(s, new, rules))  # noqa: B023
        assert refused.value.param == param, new
    assert "minimum payment is $50.00" in str(
        (await _refusal(service, card_payment(customer_id, (first.id, 4_999)), minimum)).message
    )
    untouched = await invoice_now(invoices, first.id)
    assert (untouched.balance, untouched.pending_amount) == (10_000, 0)
    with pytest.raises(InvalidArgument):  # another business's customer and invoice do not exist here
        await in_tenant(service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 10)), CARD),
                        tenant="tenant-b")  # fmt: skip


async def _refusal(service: RunningService, new: NewPayment, rules: PaymentRules) -> InvalidArgument:
    try:
        await in_tenant(service, lambda s: ledger.open_payment(s, new, rules))
    except InvalidArgument as error:
        return error
    raise AssertionError("not refused")


async def test_a_failed_payment_releases_its_hold_and_a_late_success_still_counts(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, _ = await two_invoices(customers, invoices)
    opened = await in_tenant(
        service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 7_000)), CARD)
    )
    failed = await in_tenant(service, lambda s: ledger.fail_payment(s, opened.payment.id, "Your card was  declined."))
    assert (failed.payment.status, failed.payment.failure_message) == ("failed", "Your card was declined.")
    released = await invoice_now(invoices, first.id)
    assert (released.pending_amount, released.balance, released.status) == (0, 10_000, "not_sent")

    # Meanwhile the business recorded a check for 5,000; then a later attempt on the same intent succeeds.
    await in_tenant(service, lambda s: ledger.record_offline_payment(s, NewPayment(
        customer_id=customer_id, currency="usd", amount=5_000, method="check", source="offline",
        applications=[Application(first.id, 5_000)], reference="1042")))  # fmt: skip
    late = await in_tenant(service, lambda s: ledger.settle_payment(s, opened.payment.id))
    assert (late.payment.status, late.applications[0].amount, late.payment.balance) == ("succeeded", 5_000, 2_000)
    now = await invoice_now(invoices, first.id)
    assert (now.balance, now.amount_paid, now.paid) == (0, 10_000, True)


async def test_refunds_give_balances_back_last_application_first(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, second = await two_invoices(customers, invoices)
    opened = await in_tenant(
        service,
        lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 10_000), (second.id, 7_500)), CARD),
    )
    with pytest.raises(FailedPrecondition):  # nothing to refund before the money arrived
        await in_tenant(service, lambda s: ledger.refund_payment(s, opened.payment.id, 100))
    await in_tenant(service, lambda s: ledger.settle_payment(s, opened.payment.id))

    partial = await in_tenant(service, lambda s: ledger.refund_payment(s, opened.payment.id, 8_000, "re_1"))
    assert partial.refund.amount == 8_000
    assert [a.amount_refunded for a in partial.payment.applications] == [500, 7_500]
    assert (await invoice_now(invoices, second.id)).balance == 7_500
    reopened = await invoice_now(invoices, first.id)
    assert (reopened.balance, reopened.amount_paid, reopened.paid, reopened.status) == (500, 9_500, False, "not_sent")

    replayed = await in_tenant(service, lambda s: ledger.refund_payment(s, opened.payment.id, 8_000, "re_1"))
    assert replayed.refund.id == partial.refund.id and replayed.payment.payment.amount_refunded == 8_000
    with pytest.raises(InvalidArgument, match=r"\$95.00"):
        await in_tenant(service, lambda s: ledger.refund_payment(s, opened.payment.id, 9_501))
    rest = await in_tenant(service, lambda s: ledger.refund_payment(s, opened.payment.id, 9_500))
    assert rest.payment.payment.amount_refunded == 17_500
    assert (await invoice_now(invoices, first.id)).balance == 10_000
    with pytest.raises(FailedPrecondition):  # money that moved through Stripe is refunded, never voided
        await in_tenant(service, lambda s: ledger.void_payment(s, opened.payment.id))


async def test_voiding_an_offline_payment_restores_and_a_voided_one_cannot_settle(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, _ = await two_invoices(customers, invoices)
    check = NewPayment(customer_id=customer_id, currency="usd", amount=12_000, method="check", source="offline",
                       applications=[Application(first.id, 10_000)])  # fmt: skip
    recorded = await in_tenant(service, lambda s: ledger.record_offline_payment(s, check))
    assert (recorded.payment.balance, (await invoice_now(invoices, first.id)).paid) == (2_000, True)
    with pytest.raises(grpc.aio.AioRpcError, match="lower than what has been paid"), bound("tenant-a"):
        await invoices.UpdateInvoice(ipb.UpdateInvoiceRequest(id=first.id, changes=ipb.InvoiceInput(
            items=ipb.LineItems(values=[item("1", 9_999)]))))  # fmt: skip
    voided = await in_tenant(service, lambda s: ledger.void_payment(s, recorded.payment.id))
    assert voided.payment.status == "voided"
    back = await invoice_now(invoices, first.id)
    assert (back.balance, back.amount_paid, back.paid) == (10_000, 0, False)
    with pytest.raises(FailedPrecondition):
        await in_tenant(service, lambda s: ledger.settle_payment(s, recorded.payment.id))

    pending = await in_tenant(
        service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 100)), CARD)
    )
    await in_tenant(service, lambda s: ledger.void_payment(s, pending.payment.id))
    assert (await invoice_now(invoices, first.id)).pending_amount == 0


async def test_two_tabs_paying_the_same_balance_take_it_once(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, _ = await two_invoices(customers, invoices)
    new = card_payment(customer_id, (first.id, 10_000))
    outcomes = await asyncio.gather(
        *(in_tenant(service, lambda s: ledger.open_payment(s, new, CARD)) for _ in range(6)), return_exceptions=True
    )
    opened = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, InvalidArgument)]
    assert (len(opened), len(refused)) == (1, 5)
    assert (await invoice_now(invoices, first.id)).pending_amount == 10_000


async def test_settle_and_fail_racing_apply_one_outcome(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, _ = await two_invoices(customers, invoices)
    opened = await in_tenant(
        service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 10_000)), CARD)
    )
    await asyncio.gather(
        *(in_tenant(service, lambda s: ledger.settle_payment(s, opened.payment.id)) for _ in range(4)),
    )
    invoice = await invoice_now(invoices, first.id)
    assert (invoice.balance, invoice.amount_paid, invoice.pending_amount) == (0, 10_000, 0)


async def test_payment_and_invoice_events_are_recorded_with_the_change(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    customer_id, first, _ = await two_invoices(customers, invoices)
    opened = await in_tenant(
        service, lambda s: ledger.open_payment(s, card_payment(customer_id, (first.id, 10_000)), CARD)
    )
    await in_tenant(service, lambda s: ledger.settle_payment(s, opened.payment.id))
    events = EventLogServiceStub(service.channel)
    with bound("tenant-a"):
        about_invoice = await events.ListEvents(
            epb.ListEventsRequest(related_object_type="invoice", related_object_id=first.id)
        )
    assert [e.type for e in about_invoice.events] == ["invoice.paid", "invoice.updated", "invoice.created"]
    paid_event = about_invoice.events[0]
    after, before = ipb.Invoice(), ipb.Invoice()
    assert paid_event.object.Unpack(after) and paid_event.previous.Unpack(before)
    assert (after.balance, after.paid, before.balance) == (0, True, 10_000)
    assert after.link_token == ""  # bearer tokens stay out of the log
    with bound("tenant-a"):
        about_customer = await events.ListEvents(
            epb.ListEventsRequest(related_object_type="customer", related_object_id=customer_id)
        )
    assert "payment.created" in [e.type for e in about_customer.events]
    with bound("tenant-b"):
        assert (await events.ListEvents(epb.ListEventsRequest())).page_info.total_count == 0


async def test_a_settled_payment_requests_its_receipt_email_once(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, name="Receipt Co", email="ap@receipt.example", currency="jpy")
        invoice = await new_invoice(invoices, customer.id, item("1", 15_000))
    opened = await in_tenant(
        service, lambda s: ledger.open_payment(s, card_payment(customer.id, (invoice.id, 15_000), currency="jpy"), CARD)
    )
    presentation = Presentation("Acme Inc", "http://acme.localhost:8000")
    for _ in range(2):  # the browser and the webhook both settle it
        await in_tenant(service, lambda s: ledger.settle_payment(s, opened.payment.id, presentation))
    with bound("tenant-a"):
        async with service.db.unit_of_work() as session:
            rows = list((await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.seq)))).all())
    [row] = rows
    request = events_pb2.EmailRequested.FromString(row.payload)
    assert request.WhichOneof("template") == "payment_receipt"
    assert [r.email for r in request.envelope.to] == ["ap@receipt.example"]
    assert request.envelope.from_name == "Acme Inc"
    assert [a.receipt_pdf for a in request.envelope.attachments] == [opened.payment.id]
    receipt = request.payment_receipt
    assert (receipt.amount, receipt.currency, list(receipt.invoice_numbers)) == (15_000, "jpy", [invoice.number])
    assert receipt.link == "http://acme.localhost:8000/account/payments"
