from __future__ import annotations

import grpc
from portal.billing.v1 import common_pb2, customers_pb2_grpc
from portal.billing.v1 import customers_pb2 as pb
from portal_kit.db import Database
from portal_kit.keyset import CursorCodec

from services.billing import contacts, customer_lookup, customers
from services.billing.contacts import ContactChanges
from services.billing.customers import CustomerChanges, CustomerRecord
from services.billing.event_log import record as record_event
from services.billing.messages import (
    contact_fields,
    contact_to_pb,
    customer_fields,
    customer_to_pb,
    page_info,
    paging_of,
)
from services.billing.payments import statements


class CustomerServicer(customers_pb2_grpc.CustomerServiceServicer):
    def __init__(self, db: Database, secret_key: bytes) -> None:
        self.db = db
        self.cursors = CursorCodec(secret_key)
        self.secret_key = secret_key

    def _pb(self, record: CustomerRecord) -> pb.Customer:
        """The customer with the token of its statement link (the API's statement_pdf_url)."""
        message = customer_to_pb(record)
        message.statement_token = statements.statement_token(self.secret_key, message.id)
        return message

    async def CreateCustomer(
        self, request: pb.CreateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateCustomerResponse:
        async with self.db.unit_of_work() as session:
            record = await customers.create_customer(session, customer_fields(request.customer))
            created = customer_to_pb(record)
            await record_event(session, "customer.created", created, customer_id=created.id)
        return pb.CreateCustomerResponse(customer=self._pb(record))

    async def GetCustomer(
        self, request: pb.GetCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCustomerResponse:
        async with self.db.read_only() as session:
            record = await customers.get_customer(session, request.id)
        return pb.GetCustomerResponse(customer=self._pb(record))

    async def BatchGetCustomers(
        self, request: pb.BatchGetCustomersRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGetCustomersResponse:
        async with self.db.read_only() as session:
            records = await customer_lookup.customers_by_id(session, list(request.ids))
        return pb.BatchGetCustomersResponse(customers=[self._pb(r) for r in records])

    async def UpdateCustomer(
        self, request: pb.UpdateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateCustomerResponse:
        async with self.db.unit_of_work() as session:
            changes = CustomerChanges(customer_fields(request.changes), list(request.cleared))
            before = customer_to_pb(await customers.get_customer(session, request.id))
            record = await customers.update_customer(session, request.id, changes)
            await record_event(session, "customer.updated", customer_to_pb(record), customer_id=before.id,
                               previous=before)  # fmt: skip
        return pb.UpdateCustomerResponse(customer=self._pb(record))

    async def DeleteCustomer(
        self, request: pb.DeleteCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteCustomerResponse:
        async with self.db.unit_of_work() as session:
            before = customer_to_pb(await customers.get_customer(session, request.id))
            await customers.delete_customer(session, request.id)
            await record_event(session, "customer.deleted", before, customer_id=before.id)
        return pb.DeleteCustomerResponse()

    async def ListCustomers(
        self, request: pb.ListCustomersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCustomersResponse:
        async with self.db.read_only() as session:
            rows, walk = await customers.list_customers(
                session, self.cursors, paging_of(request.page), dict(request.filter), dict(request.metadata)
            )
        return pb.ListCustomersResponse(customers=[self._pb(r) for r in rows], page_info=page_info(walk))

    async def FindCustomersByEmail(
        self, request: pb.FindCustomersByEmailRequest, context: grpc.aio.ServicerContext
    ) -> pb.FindCustomersByEmailResponse:
        async with self.db.read_only() as session:
            rows = await customers.find_by_email(session, request.email)
        return pb.FindCustomersByEmailResponse(customers=[self._pb(r) for r in rows])

    async def CreateContact(
        self, request: pb.CreateContactRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateContactResponse:
        async with self.db.unit_of_work() as session:
            contact = await contacts.create_contact(session, request.customer_id, contact_fields(request.contact))
            await record_event(session, "contact.created", contact_to_pb(contact), customer_id=request.customer_id)
        return pb.CreateContactResponse(contact=contact_to_pb(contact))

    async def GetContact(
        self, request: pb.GetContactRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetContactResponse:
        async with self.db.read_only() as session:
            contact = await contacts.get_contact(session, request.customer_id, request.id)
        return pb.GetContactResponse(contact=contact_to_pb(contact))

    async def UpdateContact(
        self, request: pb.UpdateContactRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateContactResponse:
        async with self.db.unit_of_work() as session:
            changes = ContactChanges(contact_fields(request.changes), list(request.cleared))
            before = contact_to_pb(await contacts.get_contact(session, request.customer_id, request.id))
            contact = await contacts.update_contact(session, request.customer_id, request.id, changes)
            await record_event(session, "contact.updated", contact_to_pb(contact), customer_id=request.customer_id,
                               previous=before)  # fmt: skip
        return pb.UpdateContactResponse(contact=contact_to_pb(contact))

    async def DeleteContact(
        self, request: pb.DeleteContactRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteContactResponse:
        async with self.db.unit_of_work() as session:
            before = contact_to_pb(await contacts.get_contact(session, request.customer_id, request.id))
            await contacts.delete_contact(session, request.customer_id, request.id)
            await record_event(session, "contact.deleted", before, customer_id=request.customer_id)
        return pb.DeleteContactResponse()

    async def ListContacts(
        self, request: pb.ListContactsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListContactsResponse:
        async with self.db.read_only() as session:
            rows, total = await contacts.list_contacts(
                session, request.customer_id, request.page.page, request.page.per_page
            )
        return pb.ListContactsResponse(
            contacts=[contact_to_pb(c) for c in rows], page_info=common_pb2.PageInfo(total_count=total)
        )
