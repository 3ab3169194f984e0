"""The account pages read through portal_kit.reads: raw asyncpg on PostgreSQL, SQLAlchemy Core on SQLite (the local
run). Both answer the same: one tenant's rows, drafts hidden, keyset pages, and the same Invoice message as the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from portal.billing.v1 import account_pb2 as apb
from portal.billing.v1 import common_pb2
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.account_pb2_grpc import AccountServiceStub
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.principal import Principal
from portal_kit.reads import CoreReader, DriverReader

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.billing.attention.models import InvoiceAttention
from services.billing.server import MIGRATIONS, build
from services.billing.settings import BillingSettings
from services.billing.tests.factories import item, new_customer, new_invoice


@pytest.fixture(params=["postgresql", "sqlite"])
async def any_service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunningService[BillingSettings]]:
    if request.param == "postgresql":
        databases: ServiceDatabases = request.getfixturevalue("service_databases")
        url = await databases.fresh("billing", MIGRATIONS)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/billing.db"
    async with running_service(settings_for_test(BillingSettings, url), MIGRATIONS, build) as running:
        async with running.db.reads() as reader:  # the path each database takes
            assert isinstance(reader, DriverReader if request.param == "postgresql" else CoreReader)
        yield running


async def _refused(call: object) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]  # any pending gRPC call
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    return refused.value.details() or ""


async def test_pages_of_one_tenant_newest_first_with_balances_and_no_drafts(any_service: RunningService) -> None:
    customers, invoices = CustomerServiceStub(any_service.channel), InvoiceServiceStub(any_service.channel)
    account = AccountServiceStub(any_service.channel)
    with bound("tenant-a"):
        customer = await new_customer(customers, name="Paged Ltd", email="ap@paged.test", currency="usd")
        made = [await new_invoice(invoices, customer.id, item("1", 100 * (n + 1))) for n in range(5)]
        made.append(await new_invoice(invoices, customer.id, item("3", 200), currency="eur"))
        await new_invoice(invoices, customer.id, item("1", 9_999), draft=True)
        await invoices.VoidInvoice(ipb.VoidInvoiceRequest(id=made[0].id))
    with bound("tenant-b"):
        stranger = await new_customer(customers, name="Stranger")
        await new_invoice(invoices, stranger.id, item("1", 5))
    with bound("tenant-a", Principal(customer.id).encode()):
        seen: list[apb.InvoiceRow] = []
        after, pages = "", 0
        while True:
            page = await account.GetAccountPage(apb.GetAccountPageRequest(per_page=2, after=after))
            assert (page.holder.id, page.holder.name, page.holder.email) == (customer.id, "Paged Ltd", "ap@paged.test")
            assert {b.currency: (b.outstanding, b.open_invoices) for b in page.balances} == {
                "usd": (200 + 300 + 400 + 500, 4), "eur": (600, 1)}  # fmt: skip
            assert [b.currency for b in page.balances] == ["eur", "usd"]
            seen += page.invoices
            pages += 1
            after = page.next_page
            if not after:
                break
    assert pages == 3
    assert [row.id for row in seen] == [i.id for i in reversed(made)]  # the draft left out, the voided kept
    assert [row.status for row in seen][-1] == "voided" and seen[0].currency == "eur" and seen[0].total == 600
    with bound("tenant-b", Principal(customer.id).encode()):  # the same customer id, from another business
        assert await _refused(account.GetAccountPage(apb.GetAccountPageRequest())) == "This account no longer exists."
        await _refused(account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=made[1].id)))


async def test_the_invoice_page_shows_the_apis_invoice_with_its_holder_and_thread(any_service: RunningService) -> None:
    customers, invoices = CustomerServiceStub(any_service.channel), InvoiceServiceStub(any_service.channel)
    account = AccountServiceStub(any_service.channel)
    with bound("tenant-a"):
        customer = await new_customer(customers, name="Detailed Co")
        other = await new_customer(customers, name="Other Co")
        tagged = await new_invoice(
            invoices, customer.id, item("2", 150, name="Second", description="two of them"), item("1", 99, name="Third"),
            metadata=common_pb2.Metadata(values={"po": "PO-7", "crm": "x1"}), purchase_order="PO-7", notes="Thanks",
        )  # fmt: skip
        bare = await new_invoice(invoices, customer.id)
        draft = await new_invoice(invoices, customer.id, item("1", 5), draft=True)
        theirs = await new_invoice(invoices, other.id, item("1", 5))
        from_api = {i.id: (await invoices.GetInvoice(ipb.GetInvoiceRequest(id=i.id))).invoice for i in (tagged, bare)}
        async with any_service.db.unit_of_work() as session:
            session.add(InvoiceAttention(tenant_id="tenant-a", invoice_id=bare.id))
    with bound("tenant-a", Principal(customer.id).encode()):
        shown = await account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=tagged.id))
        assert shown.invoice == from_api[tagged.id]
        assert [i.name for i in shown.invoice.items] == ["Second", "Third"]
        assert dict(shown.invoice.metadata.values) == {"po": "PO-7", "crm": "x1"}
        assert (shown.holder.name, shown.has_comments) == ("Detailed Co", False)
        empty = await account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=bare.id))
        assert empty.invoice == from_api[bare.id] and list(empty.invoice.items) == [] and empty.has_comments
        for hidden in (draft, theirs):
            assert await _refused(account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=hidden.id))) == (
                f"No such invoice: {hidden.id}")  # fmt: skip
    with bound("tenant-a", Principal(customer.id, "invoice", bare.id, guest=True).encode()):
        assert (await account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=bare.id))).invoice.id == bare.id
        await _refused(account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=tagged.id)))
