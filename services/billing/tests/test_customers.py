from __future__ import annotations

import grpc
import pytest
from portal.billing.v1 import common_pb2
from portal.billing.v1 import customers_pb2 as pb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal_kit.context import bound

from services.billing.tests.factories import new_customer


def _param(error: grpc.aio.AioRpcError) -> str | None:
    return dict(error.trailing_metadata() or ()).get("x-portal-param")


async def test_customer_create_get_update_delete(customers: CustomerServiceStub) -> None:
    with bound("tenant-a"):
        created = await new_customer(
            customers,
            name="Acme Corp",
            email="billing@acme.test",
            currency="EUR",
            payment_terms="net 30",
            metadata=common_pb2.Metadata(values={"account-rep": "Jan Doe"}),
        )
        assert created.number == "CUST-0001"
        assert created.type == "company"
        assert created.currency == "eur"
        assert created.payment_terms == "NET 30"
        assert dict(created.metadata.values) == {"account-rep": "Jan Doe"}
        assert not created.HasField("city")
        assert created.created_at > 0

        fetched = (await customers.GetCustomer(pb.GetCustomerRequest(id=created.id))).customer
        assert fetched == created

        updated = (
            await customers.UpdateCustomer(
                pb.UpdateCustomerRequest(
                    id=created.id, changes=pb.Customer(city="Lyon", type="person"), cleared=["email"]
                )
            )
        ).customer
        assert (updated.city, updated.type, updated.name) == ("Lyon", "person", "Acme Corp")
        assert not updated.HasField("email")
        assert dict(updated.metadata.values) == {"account-rep": "Jan Doe"}

        await customers.DeleteCustomer(pb.DeleteCustomerRequest(id=created.id))
        with pytest.raises(grpc.aio.AioRpcError) as gone:
            await customers.GetCustomer(pb.GetCustomerRequest(id=created.id))
        assert gone.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({}, "name"),
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": "X", "type": "robot"}, "type"),
        ({"name": "X", "currency": "zzz"}, "currency"),
        ({"name": "X", "payment_terms": "someday"}, "payment_terms"),
        ({"name": "X", "metadata": common_pb2.Metadata(values={f"k{i}": "v" for i in range(11)})}, "metadata"),
        ({"name": "X", "metadata": common_pb2.Metadata(values={"k" * 41: "v"})}, "metadata"),
        ({"name": "X", "metadata": common_pb2.Metadata(values={"k": "v" * 256})}, "metadata"),
    ],
)
async def test_bad_customers_are_refused_and_nothing_is_written(
    customers: CustomerServiceStub, fields: dict[str, object], param: str
) -> None:
    with bound("tenant-a"):
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await customers.CreateCustomer(pb.CreateCustomerRequest(customer=pb.Customer(**fields)))  # type: ignore[arg-type]  # bad values on purpose
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert _param(bad.value) == param
        listed = await customers.ListCustomers(pb.ListCustomersRequest())
        assert listed.page_info.total_count == 0


async def test_another_tenant_sees_exactly_what_a_missing_id_shows(customers: CustomerServiceStub) -> None:
    with bound("tenant-a"):
        mine = await new_customer(customers)
        contact = (
            await customers.CreateContact(pb.CreateContactRequest(customer_id=mine.id, contact=pb.Contact(name="Ann")))
        ).contact
    with bound("tenant-b"):
        with pytest.raises(grpc.aio.AioRpcError) as foreign:
            await customers.GetCustomer(pb.GetCustomerRequest(id=mine.id))
        missing_id = mine.id + 1
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await customers.GetCustomer(pb.GetCustomerRequest(id=missing_id))
        assert foreign.value.code() == missing.value.code() == grpc.StatusCode.NOT_FOUND
        assert foreign.value.details() == f"No such customer: '{mine.id}'"
        assert missing.value.details() == f"No such customer: '{missing_id}'"
        for call in (
            customers.UpdateCustomer(pb.UpdateCustomerRequest(id=mine.id, changes=pb.Customer(name="Mine now"))),
            customers.DeleteCustomer(pb.DeleteCustomerRequest(id=mine.id)),
            customers.GetContact(pb.GetContactRequest(customer_id=mine.id, id=contact.id)),
            customers.ListContacts(pb.ListContactsRequest(customer_id=mine.id)),
            customers.CreateContact(pb.CreateContactRequest(customer_id=mine.id, contact=pb.Contact(name="Eve"))),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call
            assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        assert (await customers.ListCustomers(pb.ListCustomersRequest())).page_info.total_count == 0
    with bound("tenant-a"):
        still = (await customers.GetCustomer(pb.GetCustomerRequest(id=mine.id))).customer
        assert still.name == "Acme Corp"


async def test_contacts_crud(customers: CustomerServiceStub) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        other = await new_customer(customers, name="Other")
        created = (
            await customers.CreateContact(
                pb.CreateContactRequest(
                    customer_id=customer.id, contact=pb.Contact(name="Ann", email="ann@acme.test", primary=True)
                )
            )
        ).contact
        assert (created.customer, created.primary, created.sms_enabled) == (customer.id, True, False)
        await customers.CreateContact(pb.CreateContactRequest(customer_id=customer.id, contact=pb.Contact(name="Bob")))

        with pytest.raises(grpc.aio.AioRpcError) as nameless:
            await customers.CreateContact(pb.CreateContactRequest(customer_id=customer.id, contact=pb.Contact()))
        assert _param(nameless.value) == "name"
        with pytest.raises(grpc.aio.AioRpcError) as wrong_parent:
            await customers.GetContact(pb.GetContactRequest(customer_id=other.id, id=created.id))
        assert wrong_parent.value.code() == grpc.StatusCode.NOT_FOUND

        updated = (
            await customers.UpdateContact(
                pb.UpdateContactRequest(
                    customer_id=customer.id, id=created.id, changes=pb.Contact(title="CFO"), cleared=["email"]
                )
            )
        ).contact
        assert updated.title == "CFO" and not updated.HasField("email")

        listed = await customers.ListContacts(pb.ListContactsRequest(customer_id=customer.id))
        assert [c.name for c in listed.contacts] == ["Ann", "Bob"]
        assert listed.page_info.total_count == 2

        await customers.DeleteContact(pb.DeleteContactRequest(customer_id=customer.id, id=created.id))
        listed = await customers.ListContacts(pb.ListContactsRequest(customer_id=customer.id))
        assert [c.name for c in listed.contacts] == ["Bob"]
        # Deleting the customer takes its remaining contacts along.
        await customers.DeleteCustomer(pb.DeleteCustomerRequest(id=customer.id))


async def test_numbers_are_sequential_per_business_and_ids_are_random(customers: CustomerServiceStub) -> None:
    with bound("tenant-a"):
        a1 = await new_customer(customers)
        chosen = await new_customer(customers, number="CUST-0002")
        a3 = await new_customer(customers)
        with pytest.raises(grpc.aio.AioRpcError) as duplicate:
            await new_customer(customers, number="CUST-0001")
        assert duplicate.value.code() == grpc.StatusCode.ALREADY_EXISTS
    with bound("tenant-b"):
        b1 = await new_customer(customers)
    assert (a1.number, chosen.number, a3.number, b1.number) == ("CUST-0001", "CUST-0002", "CUST-0003", "CUST-0001")
    ids = sorted([a1.id, chosen.id, a3.id, b1.id])
    assert all(later - earlier > 1 for earlier, later in zip(ids, ids[1:], strict=False))
    assert all(0 < i < 2**53 for i in ids)


async def test_list_paging_and_filters(customers: CustomerServiceStub) -> None:
    with bound("tenant-a"):
        for i in range(5):
            await new_customer(
                customers,
                name=f"Customer {i}",
                country="us" if i % 2 else "FR",
                metadata=common_pb2.Metadata(values={"tier": "gold" if i < 2 else "silver", "i": str(i)}),
            )
    with bound("tenant-b"):
        await new_customer(customers, name="Customer 0", metadata=common_pb2.Metadata(values={"tier": "gold"}))
    with bound("tenant-a"):
        page = await customers.ListCustomers(pb.ListCustomersRequest(page=common_pb2.PageRequest(page=2, per_page=2)))
        assert [c.name for c in page.customers] == ["Customer 2", "Customer 3"]
        assert page.page_info.total_count == 5
        clamped = await customers.ListCustomers(
            pb.ListCustomersRequest(page=common_pb2.PageRequest(page=-1, per_page=1000))
        )
        assert len(clamped.customers) == 5

        by_country = await customers.ListCustomers(pb.ListCustomersRequest(filter={"country": "US"}))
        assert [c.name for c in by_country.customers] == ["Customer 1", "Customer 3"]
        by_name = await customers.ListCustomers(pb.ListCustomersRequest(filter={"name": "Customer 0"}))
        assert by_name.page_info.total_count == 1

        gold = await customers.ListCustomers(pb.ListCustomersRequest(metadata={"tier": "gold"}))
        assert [c.name for c in gold.customers] == ["Customer 0", "Customer 1"]
        both = await customers.ListCustomers(pb.ListCustomersRequest(metadata={"tier": "gold", "i": "1"}))
        assert [c.name for c in both.customers] == ["Customer 1"]
        none = await customers.ListCustomers(pb.ListCustomersRequest(metadata={"tier": "gold", "i": "3"}))
        assert none.page_info.total_count == 0

        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await customers.ListCustomers(pb.ListCustomersRequest(filter={"color": "red"}))
        assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert _param(unknown.value) == "filter[color]"
