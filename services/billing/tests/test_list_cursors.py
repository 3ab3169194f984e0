"""Keyset pages of the customer and invoice lists: cursors that walk a list exactly as page numbers do, that other
businesses and other lists cannot use, that cannot be forged, and pages that stay put while rows are added."""

from __future__ import annotations

import grpc
import pytest
from portal.billing.v1 import common_pb2
from portal.billing.v1 import customers_pb2 as pb
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound

from services.billing.tests.factories import item, new_customer, new_invoice


async def listed(
    customers: CustomerServiceStub,
    per_page: int,
    cursor: str = "",
    page: int = 1,
    filters: dict[str, str] | None = None,
) -> pb.ListCustomersResponse:
    request = pb.ListCustomersRequest(
        page=common_pb2.PageRequest(page=page, per_page=per_page, cursor=cursor), filter=filters or {}
    )
    return await customers.ListCustomers(request)


def names(reply: pb.ListCustomersResponse) -> list[str]:
    return [c.name for c in reply.customers]


async def refused(customers: CustomerServiceStub, per_page: int, cursor: str, **filters: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await listed(customers, per_page, cursor, filters=filters)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "cursor" in (error.value.details() or "")


async def test_following_cursors_walks_the_list_as_page_numbers_do(customers: CustomerServiceStub) -> None:
    with bound("tenant-a"):
        for i in range(7):
            await new_customer(customers, name=f"Customer {i}")
        first = await listed(customers, 3)
        info = first.page_info
        assert (names(first), info.total_count, info.page, info.last_page) == (
            ["Customer 0", "Customer 1", "Customer 2"], 7, 1, 3
        )  # fmt: skip
        assert info.next_cursor and info.last_cursor and not info.previous_cursor

        second = await listed(customers, 3, info.next_cursor, page=99)  # the cursor decides, not the number
        assert (names(second), second.page_info.page) == (["Customer 3", "Customer 4", "Customer 5"], 2)
        third = await listed(customers, 3, second.page_info.next_cursor)
        assert (names(third), third.page_info.page, third.page_info.next_cursor) == (["Customer 6"], 3, "")

        last = await listed(customers, 3, info.last_cursor)
        assert (names(last), last.page_info.page) == (["Customer 6"], 3)
        back = await listed(customers, 3, last.page_info.previous_cursor)
        assert (names(back), back.page_info.page) == (names(second), 2)
        assert names(await listed(customers, 3, back.page_info.previous_cursor)) == names(first)
        assert names(await listed(customers, 3, page=2)) == names(second)  # page numbers alone still work


async def test_pages_stay_put_while_customers_are_added(customers: CustomerServiceStub) -> None:
    with bound("tenant-a"):
        for i in range(4):
            await new_customer(customers, name=f"Customer {i}")
        first = await listed(customers, 2)
        for i in range(4, 6):
            await new_customer(customers, name=f"Customer {i}")
        second = await listed(customers, 2, first.page_info.next_cursor)
        assert names(second) == ["Customer 2", "Customer 3"]
        assert second.page_info.total_count == 4  # counted once, when the walk began
        assert (await listed(customers, 2)).page_info.total_count == 6  # a new walk counts again


async def test_a_cursor_works_only_for_its_business_and_its_list(customers: CustomerServiceStub) -> None:
    with bound("tenant-a"):
        for i in range(3):
            await new_customer(customers, name=f"Customer {i}", country="FR")
        cursor = (await listed(customers, 1)).page_info.next_cursor
        filtered = (await listed(customers, 1, filters={"country": "FR"})).page_info.next_cursor
        await refused(customers, 2, cursor)  # another page size
        await refused(customers, 1, cursor, country="FR")  # other filters
        await refused(customers, 1, filtered)
    with bound("tenant-b"):
        await new_customer(customers, name="Theirs")
        await refused(customers, 1, cursor)
        await refused(customers, 1, filtered, country="FR")


@pytest.mark.parametrize("change", ["flip", "truncate", "garbage", "long"])
async def test_a_tampered_cursor_is_refused(customers: CustomerServiceStub, change: str) -> None:
    with bound("tenant-a"):
        for i in range(3):
            await new_customer(customers, name=f"Customer {i}")
        cursor = (await listed(customers, 1)).page_info.next_cursor
        tampered = {
            "flip": cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:],
            "truncate": cursor[:-4],
            "garbage": "not-a-cursor!",
            "long": cursor * 10,
        }[change]
        await refused(customers, 1, tampered)


async def test_invoices_page_by_cursor_with_filters(
    invoices: InvoiceServiceStub, customers: CustomerServiceStub
) -> None:
    with bound("tenant-a"):
        mine = await new_customer(customers, name="Mine")
        other = await new_customer(customers, name="Other")
        numbers = []
        for i in range(5):
            numbers.append((await new_invoice(invoices, mine.id, item("1", 100 + i))).number)
            await new_invoice(invoices, other.id, item("1", 1))
        filters = {"customer": str(mine.id)}
        seen: list[str] = []
        cursor = ""
        while True:
            request = ipb.ListInvoicesRequest(page=common_pb2.PageRequest(per_page=2, cursor=cursor), filter=filters)
            reply = await invoices.ListInvoices(request)
            assert reply.page_info.total_count == 5
            seen += [i.number for i in reply.invoices]
            assert all(len(i.items) == 1 for i in reply.invoices)
            cursor = reply.page_info.next_cursor
            if not cursor:
                break
        assert seen == numbers
