"""Invoice creation writes with Core in few statements (services/billing/new_invoices, event_log/repository.py):
what it writes reads back the same on PostgreSQL and on SQLite (the local run's), numbers stay consecutive, the
event log entry and its relations are there, a keyed creation is replayed, and PostgreSQL sees three statements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from portal.billing.v1 import common_pb2, event_log_pb2
from portal.billing.v1 import invoices_pb2 as pb
from portal.billing.v1 import subscription_invoices_pb2 as spb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.event_log_pb2_grpc import EventLogServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal.billing.v1.subscription_invoices_pb2_grpc import SubscriptionInvoiceServiceStub
from portal.subscriptions.v1 import subscriptions_pb2
from portal_kit import idempotency
from portal_kit.context import bound
from sqlalchemy import event

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.billing.server import MIGRATIONS, build
from services.billing.settings import BillingSettings
from services.billing.tests.factories import item, new_customer, new_invoice

JAN_1 = 1767225600  # 2026-01-01T00:00:00Z


@pytest.fixture(params=["postgresql", "sqlite"])
async def either(
    request: pytest.FixtureRequest, service_databases: ServiceDatabases, tmp_path: Path
) -> AsyncIterator[RunningService]:
    if request.param == "postgresql":
        url = await service_databases.fresh("billing", MIGRATIONS)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/billing.db"
    async with running_service(settings_for_test(BillingSettings, url), MIGRATIONS, build) as running:
        yield running


def _detailed_items() -> list[pb.LineItem]:
    taxed = item("2.5", 1000, name="Consulting", description="Week 1", catalog_item="consulting", type="service",
                 discountable=True, taxable=True, discounts=[pb.Adjustment(amount=100)],
                 taxes=[pb.Adjustment(amount=240)],
                 metadata=common_pb2.Metadata(values={"project": "apollo"}))  # fmt: skip
    return [taxed, item("1", 4950, name="Hosting")]


async def test_a_new_invoice_reads_back_as_it_was_created(either: RunningService) -> None:
    invoices = InvoiceServiceStub(either.channel)
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(either.channel), currency="eur", payment_terms="NET 30")
        created = await new_invoice(
            invoices, customer.id, *_detailed_items(), name="Retainer", purchase_order="PO-7", notes="Thanks",
            discounts=pb.Adjustments(values=[pb.Adjustment(amount=50)]),
            metadata=common_pb2.Metadata(values={"a": "1"}),
        )  # fmt: skip
        second = await new_invoice(invoices, customer.id)
        read = (await invoices.GetInvoice(pb.GetInvoiceRequest(id=created.id))).invoice

    assert read == created
    assert (created.number, second.number) == ("INV-0001", "INV-0002")
    assert [i.name for i in read.items] == ["Consulting", "Hosting"] and second.items == []
    first = read.items[0]
    assert (first.quantity, first.amount, first.description, first.catalog_item, first.type) == (
        "2.5",
        2500,
        "Week 1",
        "consulting",
        "service",
    )
    assert first.discountable and first.taxable and dict(first.metadata.values) == {"project": "apollo"}
    assert [a.amount for a in first.discounts] == [100] and [a.amount for a in first.taxes] == [240]
    assert (read.subtotal, read.total_discounts, read.total_taxes, read.total) == (7450, 150, 240, 7540)
    assert dict(read.metadata.values) == {"a": "1"} and read.due_date == read.date + 30 * 86_400
    assert read.link_token and read.status == "not_sent"


async def test_the_created_event_is_the_invoice_without_its_link_and_relates_to_it_and_its_customer(
    either: RunningService,
) -> None:
    events = EventLogServiceStub(either.channel)
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(either.channel))
        created = await new_invoice(InvoiceServiceStub(either.channel), customer.id, item("1", 100))
        by_invoice = await events.ListEvents(
            event_log_pb2.ListEventsRequest(related_object_type="invoice", related_object_id=created.id)
        )
        by_customer = await events.ListEvents(
            event_log_pb2.ListEventsRequest(related_object_type="customer", related_object_id=customer.id)
        )
    with bound("tenant-b"):
        elsewhere = await events.ListEvents(
            event_log_pb2.ListEventsRequest(related_object_type="invoice", related_object_id=created.id)
        )

    [logged] = by_invoice.events
    assert logged.type == "invoice.created" and logged.customer == customer.id and logged.actor == "business"
    assert [e.id for e in by_customer.events if e.type == "invoice.created"] == [logged.id]
    expected = pb.Invoice()
    expected.CopyFrom(created)
    expected.link_token = ""
    assert logged.object.Unpack(received := pb.Invoice()) and received == expected
    assert not logged.HasField("previous")
    assert list(elsewhere.events) == []


async def test_a_subscription_invoice_is_numbered_after_its_companions_are_written(either: RunningService) -> None:
    """The path that writes before taking the number (`before_numbering`): the written invoice is changed after."""
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(either.channel), email="ap@example.test", currency="usd")
        first = await new_invoice(InvoiceServiceStub(either.channel), customer.id, item("1", 100))
        subscription = subscriptions_pb2.Subscription(id=77, customer=customer.id, plan="pro", quantity=1,
                                                      currency="usd", status="active")  # fmt: skip
        line = subscriptions_pb2.InvoiceLine(name="Pro", quantity=1, unit_cost=900, amount=900, plan="pro",
                                             period_start=JAN_1, period_end=JAN_1 + 31 * 86_400)  # fmt: skip
        presentation = pb.Presentation(business_name="Acme", portal_url="http://acme.localhost:8000")
        request = spb.CreateSubscriptionInvoiceRequest(subscription=subscription, period_start=JAN_1,
                                                       period_end=JAN_1 + 31 * 86_400, lines=[line], plan_name="Pro",
                                                       presentation=presentation)  # fmt: skip
        channel = either.channel_as("subscriptions")
        try:
            made = await SubscriptionInvoiceServiceStub(channel).CreateSubscriptionInvoice(request)
        finally:
            await channel.close()
        read = (
            await InvoiceServiceStub(either.channel).GetInvoice(pb.GetInvoiceRequest(id=made.invoice.invoice_id))
        ).invoice
    assert (first.number, read.number) == ("INV-0001", "INV-0002")
    assert read.subscription == 77 and read.sent and read.total == 900


async def test_a_keyed_creation_is_replayed_not_made_twice(service: RunningService) -> None:
    invoices = InvoiceServiceStub(service.channel)
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(service.channel))
        with idempotency.claimed("invoice-key-1", "request-1") as claim:
            first = await new_invoice(invoices, customer.id, item("1", 100))
            assert not claim.replayed
            again = await new_invoice(invoices, customer.id, item("1", 100))
            assert claim.replayed
        listed = await invoices.ListInvoices(pb.ListInvoicesRequest())
    assert again == first
    assert [i.id for i in listed.invoices] == [first.id]


async def test_creating_an_invoice_takes_three_statements_on_postgresql(service: RunningService) -> None:
    """The customer's terms; the invoice with its number, items and metadata; the event with its relations."""
    statements: list[str] = []
    event.listen(service.db.engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))  # fmt: skip
    invoices = InvoiceServiceStub(service.channel)
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(service.channel))
        statements.clear()
        await new_invoice(invoices, customer.id, *_detailed_items(), metadata=common_pb2.Metadata(values={"a": "1"}))
    assert [s.split(None, 1)[0] for s in statements] == ["SELECT", "WITH", "WITH"]
