"""Billing decides which currency decimal amounts are in: the request's, else the invoice's, else the customer's."""

from __future__ import annotations

import grpc
import pytest
from portal.billing.v1 import invoices_pb2 as pb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit import grpc_client
from portal_kit.context import bound

from services.billing.tests.factories import new_customer


def decimal_item(unit_cost: str, **extra: object) -> pb.LineItem:
    return pb.LineItem(name="Work", quantity="1", unit_cost_decimal=unit_cost, **extra)  # type: ignore[arg-type]


async def create(invoices: InvoiceServiceStub, customer_id: int, *items: pb.LineItem, **fields: object) -> pb.Invoice:
    data = pb.InvoiceInput(customer=customer_id, items=pb.LineItems(values=list(items)), **fields)  # type: ignore[arg-type]
    return (await invoices.CreateInvoice(pb.CreateInvoiceRequest(invoice=data))).invoice


async def test_decimal_amounts_are_read_in_the_customers_currency(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        yen = await new_customer(customers, currency="jpy")
        dollars = await new_customer(customers, currency="usd")
        unset = await new_customer(customers)
        in_yen = await create(invoices, yen.id, decimal_item("1234"))
        assert (in_yen.currency, in_yen.items[0].unit_cost, in_yen.total) == ("jpy", 1234, 1234)
        in_dollars = await create(invoices, dollars.id, decimal_item("12.34"))
        assert (in_dollars.currency, in_dollars.total) == ("usd", 1234)
        assert (await create(invoices, unset.id, decimal_item("0.5"))).currency == "usd"


async def test_the_requests_currency_wins_and_adjustments_follow_it(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        yen = await new_customer(customers, currency="jpy")
        discount = pb.Adjustment(amount_decimal="1.5")
        invoice = await create(
            invoices, yen.id, decimal_item("10.25", discounts=[discount]), currency="EUR",
            taxes=pb.Adjustments(values=[pb.Adjustment(amount_decimal="0.75")]),
        )  # fmt: skip
        assert invoice.currency == "eur"
        assert (invoice.items[0].unit_cost, invoice.items[0].discounts[0].amount, invoice.taxes[0].amount) == (
            1025, 150, 75)  # fmt: skip


async def test_an_update_reads_amounts_in_the_invoices_currency(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, currency="usd")
        invoice = await create(invoices, customer.id, currency="jpy")
        changes = pb.InvoiceInput(items=pb.LineItems(values=[decimal_item("500")]))
        updated = (await invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=invoice.id, changes=changes))).invoice
        assert (updated.currency, updated.total) == ("jpy", 500)


@pytest.mark.parametrize(("currency", "text", "message"), [
    ("usd", "12.345", "items[0].unit_cost has more decimal places than USD allows (2)."),
    ("jpy", "1.5", "items[0].unit_cost has more decimal places than JPY allows (0)."),
    ("usd", "1e5", "items[0].unit_cost must be a decimal number such as 12.34."),
    ("usd", "NaN", "items[0].unit_cost must be a decimal number such as 12.34."),
    ("usd", "9" * 40, "items[0].unit_cost must be a decimal number such as 12.34."),
])  # fmt: skip
async def test_amounts_finer_than_the_currency_or_not_decimal_are_refused(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub, currency: str, text: str, message: str
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, currency=currency)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await create(invoices, customer.id, decimal_item(text))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert refused.value.details() == message
        assert grpc_client.domain_error(refused.value).param == "items[0].unit_cost"
