"""Small builders for billing test data."""

from __future__ import annotations

from portal.billing.v1 import customers_pb2 as cpb
from portal.billing.v1 import customers_pb2_grpc, invoices_pb2_grpc
from portal.billing.v1 import invoices_pb2 as ipb


async def new_customer(stub: customers_pb2_grpc.CustomerServiceStub, **fields: object) -> cpb.Customer:
    fields.setdefault("name", "Acme Corp")
    response = await stub.CreateCustomer(cpb.CreateCustomerRequest(customer=cpb.Customer(**fields)))  # type: ignore[arg-type]  # field values typed as object
    return response.customer


def item(quantity: str, unit_cost: int, name: str = "Widget", **extra: object) -> ipb.LineItem:
    return ipb.LineItem(name=name, quantity=quantity, unit_cost=unit_cost, **extra)  # type: ignore[arg-type]  # field values typed as object


async def new_invoice(
    stub: invoices_pb2_grpc.InvoiceServiceStub, customer_id: int, *items: ipb.LineItem, **fields: object
) -> ipb.Invoice:
    data = ipb.InvoiceInput(customer=customer_id, items=ipb.LineItems(values=list(items)), **fields)  # type: ignore[arg-type]  # field values typed as object
    response = await stub.CreateInvoice(ipb.CreateInvoiceRequest(invoice=data))
    return response.invoice
