"""AccountService: billing decides what a portal principal sees, and computes what the account owes."""

from __future__ import annotations

from contextlib import AbstractContextManager

import grpc
import pytest
from portal.billing.v1 import account_pb2 as apb
from portal.billing.v1 import customers_pb2 as cpb
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.account_pb2_grpc import AccountServiceStub
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.principal import Principal

from devtools.testing import RunningService
from services.billing.tests.factories import item, new_customer, new_invoice

TENANT = "tenant-a"


@pytest.fixture
def account(service: RunningService) -> AccountServiceStub:
    return AccountServiceStub(service.channel)


def acting(principal: Principal | None) -> AbstractContextManager[None]:
    return bound(TENANT, principal.encode() if principal else None)


async def _refused(call: object, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]  # any pending gRPC call
    assert refused.value.code() == code
    return refused.value.details() or ""


async def test_another_customers_invoice_and_drafts_read_as_missing(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub, account: AccountServiceStub
) -> None:
    with bound(TENANT):
        mine = await new_customer(customers, name="Mine")
        theirs = await new_customer(customers, name="Theirs")
        own = await new_invoice(invoices, mine.id, item("1", 500))
        draft = await new_invoice(invoices, mine.id, item("1", 500), draft=True)
        foreign = await new_invoice(invoices, theirs.id, item("1", 700))
    with acting(Principal(mine.id)):
        shown = await account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=own.id))
        assert shown.invoice.id == own.id and shown.invoice.total == 500
        assert (shown.holder.id, shown.holder.name) == (mine.id, "Mine")
        missing = await _refused(account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=foreign.id)),
                                 grpc.StatusCode.NOT_FOUND)  # fmt: skip
        assert missing == f"No such invoice: {foreign.id}"
        unknown = await _refused(account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=123456789)),
                                 grpc.StatusCode.NOT_FOUND)  # fmt: skip
        assert unknown == "No such invoice: 123456789"  # the same answer as another customer's
        await _refused(account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=draft.id)), grpc.StatusCode.NOT_FOUND)
        await _refused(account.RenderAccountInvoicePdf(apb.RenderAccountInvoicePdfRequest(id=foreign.id)),
                       grpc.StatusCode.NOT_FOUND)  # fmt: skip
        pdf = await account.RenderAccountInvoicePdf(apb.RenderAccountInvoicePdfRequest(id=own.id))
        assert pdf.pdf.startswith(b"%PDF")


async def test_a_guest_with_one_document_sees_only_that_document(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub, account: AccountServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers)
        first = await new_invoice(invoices, customer.id, item("1", 100))
        second = await new_invoice(invoices, customer.id, item("1", 200))
    with acting(Principal(customer.id, "invoice", first.id, guest=True)):
        assert (await account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=first.id))).invoice.id == first.id
        await _refused(account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=second.id)), grpc.StatusCode.NOT_FOUND)
        await _refused(account.GetAccountPage(apb.GetAccountPageRequest()), grpc.StatusCode.PERMISSION_DENIED)


async def test_calls_without_a_principal_are_refused(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub, account: AccountServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers)
        invoice = await new_invoice(invoices, customer.id, item("1", 100))
        for call in (
            account.GetAccountInvoice(apb.GetAccountInvoiceRequest(id=invoice.id)),
            account.GetAccountPage(apb.GetAccountPageRequest()),
            account.RenderAccountInvoicePdf(apb.RenderAccountInvoicePdfRequest(id=invoice.id)),
            account.GetAccountCustomer(apb.GetAccountCustomerRequest()),
        ):
            message = await _refused(call, grpc.StatusCode.PERMISSION_DENIED)
            assert message == "This call must be made for a signed-in customer."
    with bound(TENANT, "business:1"):
        await _refused(account.GetAccountPage(apb.GetAccountPageRequest()), grpc.StatusCode.PERMISSION_DENIED)


async def test_the_summary_counts_every_open_invoice_per_currency(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub, account: AccountServiceStub
) -> None:
    """More than 100 open invoices and two currencies (the old gateway summed the first 100 in one currency)."""
    with bound(TENANT):
        customer = await new_customer(customers, currency="usd")
        other = await new_customer(customers, currency="usd")
        created = [await new_invoice(invoices, customer.id, item("1", 1000 + i)) for i in range(105)]
        created += [await new_invoice(invoices, customer.id, item("2", 250), currency="eur") for _ in range(3)]
        voided = await new_invoice(invoices, customer.id, item("1", 99_999))
        await invoices.VoidInvoice(ipb.VoidInvoiceRequest(id=voided.id))
        await new_invoice(invoices, customer.id, item("1", 77_777), draft=True)
        await new_invoice(invoices, other.id, item("1", 55_555))
    with acting(Principal(customer.id)):
        first = await account.GetAccountPage(apb.GetAccountPageRequest(per_page=50))
        balances = {b.currency: (b.outstanding, b.open_invoices) for b in first.balances}
        assert balances == {"usd": (sum(1000 + i for i in range(105)), 105), "eur": (1500, 3)}
        assert first.holder.id == customer.id and first.holder.currency == "usd"
        seen = [row.id for row in first.invoices]
        after = first.next_page
        while after:
            page = await account.GetAccountPage(apb.GetAccountPageRequest(per_page=50, after=after))
            assert [b.currency for b in page.balances] == ["eur", "usd"]
            seen += [row.id for row in page.invoices]
            after = page.next_page
    expected = [*reversed([i.id for i in created]), voided.id]
    assert sorted(seen) == sorted(expected) and len(seen) == 109  # drafts and the other customer's left out
    assert seen[0] == voided.id  # newest first
    newest_usd = first.invoices[1]
    assert (newest_usd.number, newest_usd.status, newest_usd.total, newest_usd.currency) == (
        created[107].number, "not_sent", 500, "eur")  # fmt: skip


async def test_an_account_with_nothing_owed_shows_its_own_currency(
    customers: CustomerServiceStub, account: AccountServiceStub
) -> None:
    with bound(TENANT):
        euro = await new_customer(customers, currency="eur")
        plain = await new_customer(customers)
    with acting(Principal(euro.id)):
        page = await account.GetAccountPage(apb.GetAccountPageRequest())
        assert (list(page.balances), list(page.invoices), page.next_page, page.holder.currency) == ([], [], "", "eur")
    with acting(Principal(plain.id)):
        assert (await account.GetAccountPage(apb.GetAccountPageRequest())).holder.currency == "usd"
        message = await _refused(account.GetAccountPage(apb.GetAccountPageRequest(after="x")),
                                 grpc.StatusCode.INVALID_ARGUMENT)  # fmt: skip
        assert "page link" in message
        await _refused(account.GetAccountPage(apb.GetAccountPageRequest(per_page=101)),
                       grpc.StatusCode.INVALID_ARGUMENT)  # fmt: skip


async def test_customers_change_only_their_contact_details_and_only_when_fully_signed_in(
    customers: CustomerServiceStub, account: AccountServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers, name="Detail Co", city="Paris")
    changes = cpb.Customer(phone="+33 1 23 45 67 89")
    with acting(Principal(customer.id)):
        updated = await account.UpdateAccountDetails(apb.UpdateAccountDetailsRequest(changes=changes, cleared=["city"]))
        assert updated.customer.phone == "+33 1 23 45 67 89" and not updated.customer.HasField("city")
        refused = await _refused(
            account.UpdateAccountDetails(apb.UpdateAccountDetailsRequest(changes=cpb.Customer(name="Renamed"))),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert refused == "name cannot be changed from the portal."
    with acting(Principal(customer.id, guest=True)):
        await _refused(account.UpdateAccountDetails(apb.UpdateAccountDetailsRequest(changes=changes)),
                       grpc.StatusCode.PERMISSION_DENIED)  # fmt: skip
        assert (await account.GetAccountCustomer(apb.GetAccountCustomerRequest())).customer.name == "Detail Co"


async def test_batch_lookup_returns_the_known_customers_in_the_order_asked(customers: CustomerServiceStub) -> None:
    with bound(TENANT):
        first = await new_customer(customers, name="First", metadata={"values": {"crm": "1"}})
        second = await new_customer(customers, name="Second")
    with bound("tenant-b"):
        stranger = await new_customer(customers, name="Stranger")
    with bound(TENANT):
        reply = await customers.BatchGetCustomers(
            cpb.BatchGetCustomersRequest(ids=[second.id, 987654321, first.id, stranger.id, second.id])
        )
        assert [c.name for c in reply.customers] == ["Second", "First"]
        assert dict(reply.customers[1].metadata.values) == {"crm": "1"}
        await _refused(customers.BatchGetCustomers(cpb.BatchGetCustomersRequest(ids=list(range(1, 102)))),
                       grpc.StatusCode.INVALID_ARGUMENT)  # fmt: skip


async def test_a_link_resolves_to_its_invoice_and_customer_only_while_open(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers)
        invoice = await new_invoice(invoices, customer.id, item("1", 100))
        found = await invoices.ResolveInvoiceLink(ipb.ResolveInvoiceLinkRequest(token=invoice.link_token))
        assert (found.invoice_id, found.customer_id) == (invoice.id, customer.id)
        await invoices.VoidInvoice(ipb.VoidInvoiceRequest(id=invoice.id))
        await _refused(invoices.ResolveInvoiceLink(ipb.ResolveInvoiceLinkRequest(token=invoice.link_token)),
                       grpc.StatusCode.NOT_FOUND)  # fmt: skip
    with bound("tenant-b"):
        await _refused(invoices.ResolveInvoiceLink(ipb.ResolveInvoiceLinkRequest(token="nope")),
                       grpc.StatusCode.NOT_FOUND)  # fmt: skip
