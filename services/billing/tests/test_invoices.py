from __future__ import annotations

import grpc
import pytest
from portal.billing.v1 import common_pb2, customers_pb2
from portal.billing.v1 import invoices_pb2 as pb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.timestamps import unix, utcnow
from sqlalchemy import text

from devtools.testing import RunningService
from services.billing.tests.factories import item, new_customer, new_invoice

DAY = 86_400


def _param(error: grpc.aio.AioRpcError) -> str | None:
    return dict(error.trailing_metadata() or ()).get("x-portal-param")


async def _count(invoices: InvoiceServiceStub) -> int:
    return (await invoices.ListInvoices(pb.ListInvoicesRequest())).page_info.total_count


async def test_totals_are_exact_in_minor_units(customers: CustomerServiceStub, invoices: InvoiceServiceStub) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, currency="eur", payment_terms="NET 14")
        invoice = await new_invoice(invoices, customer.id, item("2", 1234), item("1.5", 99, name="Gadget"))
        assert [i.amount for i in invoice.items] == [2468, 149]  # 148.5 rounds half up
        assert [i.quantity for i in invoice.items] == ["2", "1.5"]
        assert (invoice.subtotal, invoice.total, invoice.balance) == (2617, 2617, 2617)
        assert invoice.currency == "eur"  # from the customer
        assert invoice.payment_terms == "NET 14"
        assert invoice.due_date == invoice.date + 14 * DAY
        assert len({invoice.id, *(i.id for i in invoice.items)}) == 3


async def test_discounts_and_taxes(customers: CustomerServiceStub, invoices: InvoiceServiceStub) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        discounted = item("3", 1000, discounts=[pb.Adjustment(amount=300)], taxes=[pb.Adjustment(amount=270)])
        invoice = await new_invoice(
            invoices,
            customer.id,
            discounted,
            item("1", 500),
            discounts=pb.Adjustments(values=[pb.Adjustment(amount=100)]),
            taxes=pb.Adjustments(values=[pb.Adjustment(amount=35)]),
        )
        assert invoice.currency == "usd"
        assert invoice.subtotal == 3500
        assert (invoice.total_discounts, invoice.total_taxes) == (400, 305)
        assert invoice.total == invoice.balance == 3500 - 400 + 305
        assert invoice.discounts[0].id > 0 and invoice.items[0].taxes[0].amount == 270

        # A credit line (negative unit cost) is fine while the total stays >= 0.
        credit = await new_invoice(invoices, customer.id, item("1", 1000), item("1", -250, name="Credit"))
        assert credit.total == 750


@pytest.mark.parametrize(
    ("items", "extra", "param"),
    [
        ([item("-1", 100)], {}, "items[0].quantity"),
        ([item("1", 100), item("abc", 100)], {}, "items[1].quantity"),
        ([item("1", 100)], {"currency": "zzz"}, "currency"),
        ([item("1", 100), item("1", -101)], {}, "items"),
        ([item("1", 100, discounts=[pb.Adjustment(amount=-5)])], {}, "items[0].discounts[0].amount"),
        ([item("1", 100)], {"payment_terms": "when convenient"}, "payment_terms"),
        ([item("1", 100)], {"date": -DAY}, "date"),
    ],
)
async def test_bad_invoices_are_refused_and_nothing_is_written(
    customers: CustomerServiceStub,
    invoices: InvoiceServiceStub,
    items: list[pb.LineItem],
    extra: dict[str, object],
    param: str,
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await new_invoice(invoices, customer.id, *items, **extra)
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert _param(bad.value) == param
        if param == "items[0].quantity":
            assert "quantity cannot be negative" in (bad.value.details() or "")
        assert await _count(invoices) == 0
        # The failed attempt did not use up a number.
        assert (await new_invoice(invoices, customer.id, item("1", 100))).number == "INV-0001"


async def test_the_customer_must_exist_in_this_business(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-b"):
        foreign = await new_customer(customers)
    with bound("tenant-a"):
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await new_invoice(invoices, foreign.id, item("1", 100))
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad.value.details() == f"No such customer: {foreign.id}"
        assert _param(bad.value) == "customer"
        assert await _count(invoices) == 0


async def test_numbers_per_business_and_random_ids(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer_a = await new_customer(customers)
        a1 = await new_invoice(invoices, customer_a.id, item("1", 100))
        a2 = await new_invoice(invoices, customer_a.id, item("1", 100))
    with bound("tenant-b"):
        customer_b = await new_customer(customers)
        b1 = await new_invoice(invoices, customer_b.id, item("1", 100))
    assert (a1.number, a2.number, b1.number) == ("INV-0001", "INV-0002", "INV-0001")
    assert abs(a2.id - a1.id) > 1
    assert a1.link_token and a1.link_token != a2.link_token


async def test_status_follows_the_flags_and_the_due_date(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    now = unix(utcnow())
    with bound("tenant-a"):
        customer = await new_customer(customers)
        draft = await new_invoice(invoices, customer.id, item("1", 100), draft=True)
        assert draft.status == "draft"
        invoice = (
            await invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=draft.id, changes=pb.InvoiceInput(draft=False)))
        ).invoice
        assert invoice.status == "not_sent"
        invoice = (
            await invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=draft.id, changes=pb.InvoiceInput(sent=True)))
        ).invoice
        assert invoice.status == "sent"
        invoice = (
            await invoices.UpdateInvoice(
                pb.UpdateInvoiceRequest(
                    id=draft.id, changes=pb.InvoiceInput(date=now - 40 * DAY, payment_terms="NET 30")
                )
            )
        ).invoice
        assert invoice.due_date == now - 10 * DAY
        assert invoice.status == "past_due"
        invoice = (
            await invoices.UpdateInvoice(
                pb.UpdateInvoiceRequest(
                    id=draft.id, changes=pb.InvoiceInput(closed=True, cleared=["due_date", "payment_terms"])
                )
            )
        ).invoice
        assert (invoice.status, invoice.closed) == ("sent", True)
        assert not invoice.HasField("due_date") and not invoice.HasField("payment_terms")

        free = await new_invoice(invoices, customer.id, item("1", 0), date=now - 40 * DAY, due_date=now - DAY)
        assert free.status == "not_sent"  # nothing owed, so not past due

        statuses = {}
        for status in ("draft", "not_sent", "sent", "past_due", "voided"):
            listed = await invoices.ListInvoices(pb.ListInvoicesRequest(filter={"status": status}))
            statuses[status] = [i.id for i in listed.invoices]
        assert statuses == {"draft": [], "not_sent": [free.id], "sent": [draft.id], "past_due": [], "voided": []}


async def test_update_replaces_items_and_keeps_known_ids(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        invoice = await new_invoice(invoices, customer.id, item("1", 100), item("2", 200))
        kept = invoice.items[1]
        changes = pb.InvoiceInput(
            items=pb.LineItems(values=[pb.LineItem(id=kept.id, name="Kept", quantity="3", unit_cost=200)]),
            metadata=common_pb2.Metadata(values={"po": "42"}),
        )
        updated = (await invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=invoice.id, changes=changes))).invoice
        assert [(i.id, i.name, i.amount) for i in updated.items] == [(kept.id, "Kept", 600)]
        assert (updated.subtotal, updated.total, updated.balance) == (600, 600, 600)
        assert dict(updated.metadata.values) == {"po": "42"}

        stranger = pb.InvoiceInput(items=pb.LineItems(values=[pb.LineItem(id=invoice.items[0].id, unit_cost=1)]))
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=invoice.id, changes=stranger))
        assert _param(bad.value) == "items[0].id"
        again = (await invoices.GetInvoice(pb.GetInvoiceRequest(id=invoice.id))).invoice
        assert again == updated


async def test_void_and_delete_rules(customers: CustomerServiceStub, invoices: InvoiceServiceStub) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        sent = await new_invoice(invoices, customer.id, item("1", 500), sent=True)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await invoices.DeleteInvoice(pb.DeleteInvoiceRequest(id=sent.id))
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "void it instead" in (refused.value.details() or "")

        voided = (await invoices.VoidInvoice(pb.VoidInvoiceRequest(id=sent.id))).invoice
        assert (voided.status, voided.voided, voided.closed, voided.paid) == ("voided", True, True, False)
        assert (voided.balance, voided.total) == (0, 500)
        for call in (
            invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=sent.id, changes=pb.InvoiceInput(name="x"))),
            invoices.VoidInvoice(pb.VoidInvoiceRequest(id=sent.id)),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as frozen:
                await call
            assert frozen.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        with pytest.raises(grpc.aio.AioRpcError) as has_invoices:
            await customers.DeleteCustomer(customers_pb2.DeleteCustomerRequest(id=customer.id))
        assert has_invoices.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        draft = await new_invoice(invoices, customer.id, item("1", 500), draft=True)
        not_sent = await new_invoice(invoices, customer.id, item("1", 500))
        for deletable in (draft, not_sent):
            await invoices.DeleteInvoice(pb.DeleteInvoiceRequest(id=deletable.id))
            with pytest.raises(grpc.aio.AioRpcError) as gone:
                await invoices.GetInvoice(pb.GetInvoiceRequest(id=deletable.id))
            assert gone.value.code() == grpc.StatusCode.NOT_FOUND
        assert await _count(invoices) == 1


async def test_tenant_isolation(customers: CustomerServiceStub, invoices: InvoiceServiceStub) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        invoice = await new_invoice(invoices, customer.id, item("1", 100))
    with bound("tenant-b"):
        with pytest.raises(grpc.aio.AioRpcError) as foreign:
            await invoices.GetInvoice(pb.GetInvoiceRequest(id=invoice.id))
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await invoices.GetInvoice(pb.GetInvoiceRequest(id=invoice.id + 1))
        assert foreign.value.code() == missing.value.code() == grpc.StatusCode.NOT_FOUND
        assert foreign.value.details() == f"No such invoice: '{invoice.id}'"
        assert missing.value.details() == f"No such invoice: '{invoice.id + 1}'"
        for call in (
            invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=invoice.id, changes=pb.InvoiceInput(name="x"))),
            invoices.VoidInvoice(pb.VoidInvoiceRequest(id=invoice.id)),
            invoices.DeleteInvoice(pb.DeleteInvoiceRequest(id=invoice.id)),
            invoices.RenderInvoicePdf(pb.RenderInvoicePdfRequest(id=invoice.id)),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call
            assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        assert await _count(invoices) == 0
        listed = await invoices.ListInvoices(pb.ListInvoicesRequest(filter={"customer": str(customer.id)}))
        assert listed.page_info.total_count == 0


async def test_list_paging_and_filters(customers: CustomerServiceStub, invoices: InvoiceServiceStub) -> None:
    with bound("tenant-a"):
        first = await new_customer(customers)
        second = await new_customer(customers, name="Second")
        made = []
        for i in range(4):
            made.append(
                await new_invoice(
                    invoices,
                    first.id if i < 3 else second.id,
                    item("1", 100 * (i + 1)),
                    draft=i == 0,
                    metadata=common_pb2.Metadata(values={"project": "apollo" if i % 2 else "gemini"}),
                )
            )
        page = await invoices.ListInvoices(pb.ListInvoicesRequest(page=common_pb2.PageRequest(page=2, per_page=3)))
        assert [i.number for i in page.invoices] == ["INV-0004"]
        assert page.page_info.total_count == 4

        def numbers(response: pb.ListInvoicesResponse) -> list[str]:
            return [i.number for i in response.invoices]

        by_customer = await invoices.ListInvoices(pb.ListInvoicesRequest(filter={"customer": str(first.id)}))
        assert numbers(by_customer) == ["INV-0001", "INV-0002", "INV-0003"]
        drafts = await invoices.ListInvoices(pb.ListInvoicesRequest(filter={"draft": "True"}))
        assert numbers(drafts) == ["INV-0001"]
        not_drafts = await invoices.ListInvoices(pb.ListInvoicesRequest(filter={"draft": "0", "paid": "false"}))
        assert numbers(not_drafts) == ["INV-0002", "INV-0003", "INV-0004"]
        apollo = await invoices.ListInvoices(pb.ListInvoicesRequest(metadata={"project": "apollo"}))
        assert numbers(apollo) == ["INV-0002", "INV-0004"]
        combined = await invoices.ListInvoices(
            pb.ListInvoicesRequest(filter={"customer": str(first.id)}, metadata={"project": "apollo"})
        )
        assert numbers(combined) == ["INV-0002"]
        by_number = await invoices.ListInvoices(pb.ListInvoicesRequest(filter={"number": "INV-0003"}))
        assert [i.id for i in by_number.invoices] == [made[2].id]

        for bad_filter, param in (
            ({"colour": "red"}, "filter[colour]"),
            ({"paid": "maybe"}, "filter[paid]"),
            ({"customer": "abc"}, "filter[customer]"),
            ({"status": "lost"}, "filter[status]"),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await invoices.ListInvoices(pb.ListInvoicesRequest(filter=bad_filter))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert _param(bad.value) == param


async def test_currency_cannot_change_once_amounts_are_stored(
    customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    """Amounts are minor units of the invoice's currency: USD 1,234.56 must never become JPY 123,456."""
    with bound("tenant-a"):
        customer = await new_customer(customers)
        invoice = await new_invoice(invoices, customer.id, item("1", 123456))
        to_yen = pb.UpdateInvoiceRequest(id=invoice.id, changes=pb.InvoiceInput(currency="jpy"))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await invoices.UpdateInvoice(to_yen)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert _param(refused.value) == "currency"
        assert "cannot be changed once it has line items" in (refused.value.details() or "")
        # Refused even when the same request replaces the items: the stored ones are what the check is about.
        with pytest.raises(grpc.aio.AioRpcError):
            await invoices.UpdateInvoice(
                pb.UpdateInvoiceRequest(
                    id=invoice.id, changes=pb.InvoiceInput(currency="jpy", items=pb.LineItems(values=[item("1", 5)]))
                )
            )
        stored = (await invoices.GetInvoice(pb.GetInvoiceRequest(id=invoice.id))).invoice
        assert (stored.currency, stored.total, stored.items[0].unit_cost) == ("usd", 123456, 123456)

        # The same currency (any spelling) is no change; an invoice-level tax also holds amounts.
        same = await invoices.UpdateInvoice(
            pb.UpdateInvoiceRequest(id=invoice.id, changes=pb.InvoiceInput(currency="USD"))
        )
        assert same.invoice.currency == "usd"
        taxed = await new_invoice(invoices, customer.id, taxes=pb.Adjustments(values=[pb.Adjustment(amount=5)]))
        with pytest.raises(grpc.aio.AioRpcError):
            await invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=taxed.id, changes=pb.InvoiceInput(currency="jpy")))

        # Once the items are removed, the currency can change; new amounts are then read in the new currency.
        emptied = pb.InvoiceInput(cleared=["items"])
        await invoices.UpdateInvoice(pb.UpdateInvoiceRequest(id=invoice.id, changes=emptied))
        changed = await invoices.UpdateInvoice(
            pb.UpdateInvoiceRequest(id=invoice.id, changes=pb.InvoiceInput(currency="jpy"))
        )
        assert (changed.invoice.currency, changed.invoice.total) == ("jpy", 0)


async def test_invoice_numbers_keep_four_digits_then_grow(
    service: RunningService, invoices: InvoiceServiceStub, customers: CustomerServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        first = await new_invoice(invoices, customer.id, item("1", 100))
        async with service.db.unit_of_work() as session:
            await session.execute(
                text("UPDATE number_sequences SET next_value = 9999 WHERE tenant_id = 'tenant-a' AND kind = 'invoice'")
            )
        numbers = [(await new_invoice(invoices, customer.id, item("1", 100))).number for _ in range(2)]
    assert [first.number, *numbers] == ["INV-0001", "INV-9999", "INV-10000"]
