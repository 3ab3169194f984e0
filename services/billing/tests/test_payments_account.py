"""A customer's own payments and statements over gRPC, for the principal the gateway sends."""

from __future__ import annotations

import grpc
import pytest
from portal.billing.v1 import payments_pb2 as pb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal.billing.v1.payments_pb2_grpc import AccountPaymentServiceStub, PaymentServiceStub
from portal_kit.context import bound
from portal_kit.timestamps import unix, utcnow

from devtools.testing import RunningService
from services.billing.tests.factories import item, new_customer, new_invoice

DAY = 86_400


async def offline(payments: PaymentServiceStub, customer: int, invoice: int, amount: int, currency: str) -> pb.Payment:
    given = pb.PaymentInput(
        customer=customer, currency=currency, amount=amount, method="check",
        applied_to=[pb.PaymentApplication(invoice=invoice, amount=amount)],
    )  # fmt: skip
    return (await payments.CreatePayment(pb.CreatePaymentRequest(payment=given))).payment


async def test_a_customer_lists_and_opens_only_its_own_payments(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    payments = PaymentServiceStub(service.channel)
    account = AccountPaymentServiceStub(service.channel)
    with bound("tenant-a"):
        mine = await new_customer(customers, currency="kwd")
        other = await new_customer(customers, name="Other")
        invoice = await new_invoice(invoices, mine.id, item("1", 12_345))
        theirs = await new_invoice(invoices, other.id, item("1", 500))
        paid = await offline(payments, mine.id, invoice.id, 10_001, "kwd")
        foreign = await offline(payments, other.id, theirs.id, 500, "usd")
        voided = await offline(payments, mine.id, invoice.id, 1, "kwd")
        await payments.VoidPayment(pb.VoidPaymentRequest(id=voided.id))
    with bound("tenant-a", f"customer:{mine.id}"):
        listed = (await account.ListAccountPayments(pb.ListAccountPaymentsRequest())).payments
        assert [p.id for p in listed] == [paid.id]  # voided attempts are not the customer's history
        assert listed[0].applied_to[0].invoice_number == invoice.number and listed[0].receipt_token
        shown = (await account.GetAccountPayment(pb.GetAccountPaymentRequest(id=paid.id))).payment
        assert shown.amount == 10_001
        for hidden in (foreign.id, voided.id):
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await account.GetAccountPayment(pb.GetAccountPaymentRequest(id=hidden))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with bound("tenant-a", f"guest:{mine.id}/invoice:{invoice.id}"), pytest.raises(grpc.aio.AioRpcError) as refused:
        await account.ListAccountPayments(pb.ListAccountPaymentsRequest())
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with bound("tenant-a"), pytest.raises(grpc.aio.AioRpcError) as nobody:
        await account.ListAccountPayments(pb.ListAccountPaymentsRequest())
    assert nobody.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with bound("tenant-b", f"customer:{mine.id}"):
        assert list((await account.ListAccountPayments(pb.ListAccountPaymentsRequest())).payments) == []


async def test_the_statement_lists_open_items_of_the_period_and_payments_received(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    payments = PaymentServiceStub(service.channel)
    account = AccountPaymentServiceStub(service.channel)
    now = unix(utcnow())
    with bound("tenant-a"):
        customer = await new_customer(customers, currency="jpy")
        old = await new_invoice(invoices, customer.id, item("1", 5_000), date=now - 400 * DAY)
        open_yen = await new_invoice(invoices, customer.id, item("1", 15_000))
        paid_yen = await new_invoice(invoices, customer.id, item("2", 1_000))
        dinars = await new_invoice(invoices, customer.id, item("1", 12_345), currency="kwd")
        await offline(payments, customer.id, paid_yen.id, 2_000, "jpy")
        await offline(payments, customer.id, dinars.id, 10_001, "kwd")
    with bound("tenant-a", f"customer:{customer.id}"):
        statement = (await account.GetAccountStatement(pb.GetAccountStatementRequest())).statement
        assert [i.number for i in statement.invoices] == [open_yen.number, dinars.number]  # old: outside the year
        assert [(t.currency, t.balance, t.received) for t in statement.totals] == [("jpy", 15_000, 2_000),
                                                                                  ("kwd", 2_344, 10_001)]  # fmt: skip
        assert [p.amount for p in statement.payments] == [2_000, 10_001]
        older = pb.StatementPeriod(start=now - 500 * DAY, end=now - 300 * DAY)
        earlier = (await account.GetAccountStatement(pb.GetAccountStatementRequest(period=older))).statement
        assert [i.number for i in earlier.invoices] == [old.number] and list(earlier.payments) == []
        with pytest.raises(grpc.aio.AioRpcError) as backwards:
            await account.GetAccountStatement(
                pb.GetAccountStatementRequest(period=pb.StatementPeriod(start=now, end=now - DAY))
            )
        assert backwards.value.code() == grpc.StatusCode.INVALID_ARGUMENT
