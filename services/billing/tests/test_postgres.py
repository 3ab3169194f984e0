"""The same service on a real PostgreSQL: migrations, concurrent numbering, metadata and status filters."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
from alembic import command
from portal.billing.v1 import common_pb2
from portal.billing.v1 import customers_pb2 as cpb
from portal.billing.v1 import invoices_pb2 as pb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.migrations import alembic_config, upgrade

from devtools.localservers import PostgresLike
from devtools.testing import running_service, settings_for_test
from services.billing.server import MIGRATIONS, build
from services.billing.settings import BillingSettings
from services.billing.tests.factories import item, new_customer, new_invoice


def test_migrations_go_down_and_up_again(postgres: PostgresLike, tmp_path: Path) -> None:
    postgres.create_database("billing_migrations")
    for url in (postgres.url("billing_migrations"), f"sqlite+aiosqlite:///{tmp_path}/billing.db"):
        upgrade(MIGRATIONS, url)
        command.downgrade(alembic_config(MIGRATIONS, url), "base")
        upgrade(MIGRATIONS, url)


async def test_concurrent_invoices_get_distinct_sequential_numbers(postgres: PostgresLike) -> None:
    postgres.create_database("billing_concurrency")
    settings = settings_for_test(BillingSettings, postgres.url("billing_concurrency"))
    async with running_service(settings, MIGRATIONS, build) as service:
        customers = CustomerServiceStub(service.channel)
        invoices = InvoiceServiceStub(service.channel)
        with bound("tenant-a"):
            customer = await new_customer(customers, email="a@example.test")
            tagged = common_pb2.Metadata(values={"batch": "one"})
            made = await asyncio.gather(
                *(new_invoice(invoices, customer.id, item("1.5", 999), metadata=tagged) for _ in range(15))
            )
            assert sorted(i.number for i in made) == [f"INV-{n:04d}" for n in range(1, 16)]
            assert all(i.total == 1499 for i in made)

            listed = await invoices.ListInvoices(
                pb.ListInvoicesRequest(filter={"status": "not_sent", "draft": "false"}, metadata={"batch": "one"})
            )
            assert listed.page_info.total_count == 15
            await invoices.VoidInvoice(pb.VoidInvoiceRequest(id=made[0].id))
            voided = await invoices.ListInvoices(pb.ListInvoicesRequest(filter={"status": "voided"}))
            assert [i.id for i in voided.invoices] == [made[0].id]

            contact = cpb.Contact(name="Ann", email="ann@example.test", primary=True)
            await customers.CreateContact(cpb.CreateContactRequest(customer_id=customer.id, contact=contact))
            presentation = pb.Presentation(business_name="Acme", portal_url="http://acme.localhost:8000")
            sent = await invoices.SendInvoice(pb.SendInvoiceRequest(id=made[1].id, presentation=presentation))
            assert [e.email for e in sent.emails] == ["a@example.test", "ann@example.test"]
            found = await invoices.GetInvoiceByLink(pb.GetInvoiceByLinkRequest(token=made[1].link_token))
            assert found.invoice.status == "sent"
        with bound("tenant-b"):
            other = await new_customer(customers)
            assert (await new_invoice(invoices, other.id, item("1", 1))).number == "INV-0001"


async def test_concurrent_creates_with_the_same_customer_number_give_one_customer_and_clear_refusals(
    postgres: PostgresLike,
) -> None:
    """The unique (tenant, number) constraint decides the race; the losers get ALREADY_EXISTS (a 400), not INTERNAL."""
    postgres.create_database("billing_customer_numbers")
    settings = settings_for_test(BillingSettings, postgres.url("billing_customer_numbers"))
    async with running_service(settings, MIGRATIONS, build) as service:
        customers = CustomerServiceStub(service.channel)
        with bound("tenant-a"):
            for number in ("C-42", "C-43"):
                outcomes = await asyncio.gather(
                    *(new_customer(customers, name=f"Racer {i}", number=number) for i in range(8)),
                    return_exceptions=True,
                )
                created = [o for o in outcomes if isinstance(o, cpb.Customer)]
                refused = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
                assert len(created) == 1 and created[0].number == number
                assert [e.code() for e in refused] == [grpc.StatusCode.ALREADY_EXISTS] * 7, outcomes
                assert all(f"number '{number}' already exists" in (e.details() or "") for e in refused)

            # A renumbering race ends the same way.
            first, second = await asyncio.gather(*(new_customer(customers, name=n) for n in ("First", "Second")))
            renumbered = await asyncio.gather(
                *(
                    customers.UpdateCustomer(cpb.UpdateCustomerRequest(id=c.id, changes=cpb.Customer(number="C-99")))
                    for c in (first, second)
                ),
                return_exceptions=True,
            )
            codes = sorted(str(r.code()) if isinstance(r, grpc.aio.AioRpcError) else "ok" for r in renumbered)
            assert codes == [str(grpc.StatusCode.ALREADY_EXISTS), "ok"], renumbered
        with bound("tenant-b"):
            assert (await new_customer(customers, number="C-42")).number == "C-42"
