"""Invoice creation writes in few statements (services/billing/new_invoices, event_log/repository.py): what it writes
reads back the same on PostgreSQL and on SQLite (the local run's), numbers stay consecutive, the event log entry and
its relations are there, a keyed creation is replayed. On PostgreSQL an unkeyed creation is two statements and no
transaction round trips: the customer's terms, then one statement that writes everything (or nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import any_pb2
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
from portal_kit.db import Database
from sqlalchemy import event, select, text

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.billing.invoice_items import ItemInput
from services.billing.invoices import InvoiceChanges, InvoiceFields, new_invoice_record
from services.billing.new_invoices.creation import ANY_HEAD
from services.billing.new_invoices.repository import EVENTS, RELATIONS, CreatedEvent, NewInvoiceWrites
from services.billing.repository import InvoiceTerms
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


async def test_creating_an_invoice_takes_two_statements_and_no_transaction_round_trips_on_postgresql(
    service: RunningService,
) -> None:
    """The customer's terms; the invoice with its number, items, metadata, event and relations. Both run on the
    asyncpg connection (its query logger sees every statement it sends, BEGIN and COMMIT included), none through
    SQLAlchemy."""
    sent: list[str] = []
    through_sqlalchemy: list[str] = []
    engine = service.db.engine
    await engine.dispose()  # every connection from here on is new, and logged
    event.listen(engine.sync_engine, "connect",
                 lambda connection, _record: connection.driver_connection.add_query_logger(
                     lambda logged: sent.append(logged.query)))  # fmt: skip
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: through_sqlalchemy.append(statement))  # fmt: skip
    invoices = InvoiceServiceStub(service.channel)
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(service.channel))
        await new_invoice(invoices, customer.id)  # the pool's connection is set up (its first queries) by now
        sent.clear()
        through_sqlalchemy.clear()
        await new_invoice(invoices, customer.id, *_detailed_items(), metadata=common_pb2.Metadata(values={"a": "1"}))
    assert [s.split(None, 1)[0] for s in sent] == ["SELECT", "WITH"], sent
    assert through_sqlalchemy == []


async def _stored_event(db: Database, invoice_id: int) -> tuple[str, bytes, list[tuple[str, int]]]:
    async with db.read_only() as session:
        events = (await session.execute(select(EVENTS.c.pk, EVENTS.c.tenant_id, EVENTS.c.object)
                                        .where(EVENTS.c.object_id == invoice_id))).all()  # fmt: skip
        [(pk, tenant, stored)] = events
        relations = (await session.execute(select(RELATIONS.c.object_type, RELATIONS.c.object_id)
                                           .where(RELATIONS.c.event_pk == pk, RELATIONS.c.tenant_id == tenant)
                                           .order_by(RELATIONS.c.object_type))).all()  # fmt: skip
    return tenant, stored, [tuple(r) for r in relations]  # type: ignore[misc]  # rows of two columns


def _packed(message: pb.Invoice) -> bytes:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed.SerializeToString()


@pytest.mark.parametrize("size", ["small", "large"])
async def test_the_stored_event_is_byte_for_byte_the_packed_reply_without_its_link(
    service: RunningService, size: str
) -> None:
    """The statement builds the event's Any around the number it takes: its value's length is a varint of one byte
    for a small invoice and of three for a large one."""
    invoices = InvoiceServiceStub(service.channel)
    if size == "small":
        items, fields = [], {}
    else:
        items = [item("1", 100, description="d" * 10_000), item("2", 5, description="e" * 9_000)]
        fields = {"notes": "n" * 10_000, "name": "Large"}
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(service.channel))
        created = await new_invoice(invoices, customer.id, *items, **fields)
    tenant, stored, relations = await _stored_event(service.db, created.id)
    expected = pb.Invoice()
    expected.CopyFrom(created)
    expected.link_token = ""
    assert (expected.ByteSize() < 128) == (size == "small")
    assert expected.ByteSize() > 16384 or size == "small"
    assert stored == _packed(expected)
    assert tenant == "tenant-a" and relations == [("customer", customer.id), ("invoice", created.id)]


async def test_concurrent_creations_for_one_business_are_numbered_without_gaps_or_duplicates(
    service: RunningService,
) -> None:
    invoices = InvoiceServiceStub(service.channel)
    events = EventLogServiceStub(service.channel)
    with bound("tenant-a"):
        customers = [await new_customer(CustomerServiceStub(service.channel)) for _ in range(3)]
        created = await asyncio.gather(
            *(new_invoice(invoices, customers[i % 3].id, item("1", 100 + i)) for i in range(40))
        )
        logged = await events.ListEvents(event_log_pb2.ListEventsRequest(type="invoice.created",
                                                                         page=common_pb2.PageRequest(per_page=100)))  # fmt: skip
    assert sorted(i.number for i in created) == [f"INV-{n:04d}" for n in range(1, 41)]
    numbers = {}
    for entry in logged.events:
        assert entry.object.Unpack(received := pb.Invoice())
        numbers[received.id] = received.number
    assert numbers == {i.id: i.number for i in created}


async def test_a_refused_creation_writes_nothing_and_takes_no_number(service: RunningService) -> None:
    invoices = InvoiceServiceStub(service.channel)
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(service.channel))
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await new_invoice(invoices, customer.id + 1, item("1", 100))
        with pytest.raises(grpc.aio.AioRpcError) as bad_item:
            await new_invoice(invoices, customer.id, item("one", 100))
        after = await new_invoice(invoices, customer.id, item("1", 100))
        listed = await invoices.ListInvoices(pb.ListInvoicesRequest())
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "No such customer" in (unknown.value.details() or "")
    assert bad_item.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert after.number == "INV-0001" and [i.id for i in listed.invoices] == [after.id]
    assert await _counts(service.db) == {"invoices": 1, "line_items": 1, "events": 1, "event_relations": 2}


INVOICE_ROWS = {
    "invoices": "SELECT count(*) FROM invoices",
    "line_items": "SELECT count(*) FROM line_items",
    "events": "SELECT count(*) FROM events WHERE object_type = 'invoice'",
    "event_relations": "SELECT count(*) FROM event_relations r JOIN events e ON e.pk = r.event_pk "
    "WHERE e.object_type = 'invoice'",
}


async def _counts(db: Database) -> dict[str, int]:
    """Rows of invoices and of their events, of every tenant."""
    async with db.read_only() as session:
        return {name: (await session.execute(text(sql))).scalar_one() for name, sql in INVOICE_ROWS.items()}


async def test_a_statement_that_fails_half_way_leaves_nothing_behind(service: RunningService) -> None:
    """The single statement is its own transaction: an invoice whose customer vanished after its terms were read
    (a foreign key refuses it) leaves no invoice, item, event or relation, and its number is not taken."""
    terms = InvoiceTerms(id=123_456_789, currency="usd", autopay=False, payment_terms=None)
    changes = InvoiceChanges(InvoiceFields(customer=terms.id, items=[ItemInput(quantity="1", unit_cost=100)]))
    record, _token = new_invoice_record(b"k" * 32, changes, terms, "tenant-a")
    event = CreatedEvent(1, "business", record.invoice.created_at, ANY_HEAD, b"", b"")
    async with service.db.reads() as reader:
        with pytest.raises(Exception, match="foreign key"):
            await NewInvoiceWrites(reader, "tenant-a").insert(
                record.invoice, record.items, record.metadata, "INV", event
            )
    assert await _counts(service.db) == {"invoices": 0, "line_items": 0, "events": 0, "event_relations": 0}
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(service.channel))
        created = await new_invoice(InvoiceServiceStub(service.channel), customer.id)
    assert created.number == "INV-0001"


async def test_a_business_cannot_invoice_another_business_customer_and_numbers_its_own(
    service: RunningService,
) -> None:
    invoices = InvoiceServiceStub(service.channel)
    with bound("tenant-a"):
        theirs = await new_customer(CustomerServiceStub(service.channel))
        first_a = await new_invoice(invoices, theirs.id)
    with bound("tenant-b"):
        ours = await new_customer(CustomerServiceStub(service.channel))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await new_invoice(invoices, theirs.id)
        first_b = await new_invoice(invoices, ours.id)
        listed = await invoices.ListInvoices(pb.ListInvoicesRequest())
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (first_a.number, first_b.number) == ("INV-0001", "INV-0001")
    assert [i.id for i in listed.invoices] == [first_b.id]
    tenant, _, relations = await _stored_event(service.db, first_b.id)
    assert tenant == "tenant-b" and relations == [("customer", ours.id), ("invoice", first_b.id)]


async def test_texts_beyond_ascii_are_written_and_read_back_unchanged(either: RunningService) -> None:
    """Line items and metadata travel as JSON on PostgreSQL's single statement: accents, CJK and emoji (surrogate
    pairs in JSON's escapes) arrive as they were sent."""
    invoices = InvoiceServiceStub(either.channel)
    name, description = "Café ☕ 設計 😀", 'Quotes " and \\ backslashes\nand lines'
    labels = common_pb2.Metadata(values={"clé": "välue 😀"})
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(either.channel))
        created = await new_invoice(invoices, customer.id, item("1", 100, name=name, description=description,
                                                                metadata=labels), metadata=labels)  # fmt: skip
        read = (await invoices.GetInvoice(pb.GetInvoiceRequest(id=created.id))).invoice
    assert read == created
    assert (read.items[0].name, read.items[0].description) == (name, description)
    assert dict(read.items[0].metadata.values) == dict(read.metadata.values) == {"clé": "välue 😀"}


async def test_a_keyed_creation_writes_in_one_statement_inside_the_call_transaction_and_is_stored(
    service: RunningService,
) -> None:
    """A keyed (Idempotency-Key) call runs in one unit of work with its stored reply: the creation's statement joins
    it (through the session's connection) and says it wrote, so the reply is stored and the retry replayed; the
    invoice and its event exist once."""
    statements: list[str] = []
    event.listen(service.db.engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))  # fmt: skip
    invoices = InvoiceServiceStub(service.channel)
    with bound("tenant-a"):
        customer = await new_customer(CustomerServiceStub(service.channel))
        statements.clear()
        with idempotency.claimed("invoice-key-2", "request-2") as claim:
            first = await new_invoice(invoices, customer.id, item("1", 100))
            written = list(statements)
            again = await new_invoice(invoices, customer.id, item("1", 100))
            assert claim.replayed
    assert again == first and first.number == "INV-0001"
    assert sum(s.lstrip().startswith("WITH taken") for s in written) == 1
    assert not any("INSERT INTO events" in s and not s.lstrip().startswith("WITH taken") for s in written)
    assert any(s.lstrip().startswith("INSERT INTO idempotent_replies") for s in written)
    assert await _counts(service.db) == {"invoices": 1, "line_items": 1, "events": 1, "event_relations": 2}
    _, stored, _ = await _stored_event(service.db, first.id)
    expected = pb.Invoice()
    expected.CopyFrom(first)
    expected.link_token = ""
    assert stored == _packed(expected)
