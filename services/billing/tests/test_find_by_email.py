from __future__ import annotations

from portal.billing.v1 import customers_pb2 as pb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal_kit.context import bound

from services.billing.tests.factories import new_customer


async def find(customers: CustomerServiceStub, email: str) -> list[str]:
    reply = await customers.FindCustomersByEmail(pb.FindCustomersByEmailRequest(email=email))
    return sorted(c.name for c in reply.customers)


async def test_matches_main_and_contact_emails_case_insensitively_within_the_business(
    customers: CustomerServiceStub,
) -> None:
    with bound("tenant-a"):
        globex = await new_customer(customers, name="Globex", email="AP@Globex.example")
        initech = await new_customer(customers, name="Initech", email="billing@initech.example")
        await customers.CreateContact(
            pb.CreateContactRequest(
                customer_id=initech.id, contact=pb.Contact(name="Hank", email="hank@globex.example")
            )
        )
        await customers.CreateContact(
            pb.CreateContactRequest(customer_id=globex.id, contact=pb.Contact(name="Hank", email="Hank@Globex.example"))
        )
        assert await find(customers, "  ap@globex.EXAMPLE ") == ["Globex"]
        assert await find(customers, "hank@globex.example") == ["Globex", "Initech"]
        assert await find(customers, "ap@globex.example.evil") == []
        assert await find(customers, "ap@globex") == []
        assert await find(customers, "") == []
    with bound("tenant-b"):
        assert await find(customers, "ap@globex.example") == []
        await new_customer(customers, name="Other Globex", email="ap@globex.example")
        assert await find(customers, "ap@globex.example") == ["Other Globex"]
