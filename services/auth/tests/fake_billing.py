"""A stand-in for billing (FindCustomersByEmail, GetCustomer, ResolveInvoiceLink), served over real gRPC."""

from __future__ import annotations

import unicodedata
from collections import defaultdict

import grpc
from portal.billing.v1 import customers_pb2 as pb
from portal.billing.v1 import customers_pb2_grpc, invoices_pb2_grpc
from portal.billing.v1 import invoices_pb2 as ipb
from portal_kit.context import current_tenant
from portal_kit.errors import NotFound
from portal_kit.grpc_server import GrpcServer, Registration
from portal_kit.service_auth import ServiceTrust, generate_tokens


class FakeCustomers(customers_pb2_grpc.CustomerServiceServicer):
    def __init__(self) -> None:
        self.emails: dict[str, dict[int, set[str]]] = defaultdict(dict)
        self.lookups = 0

    def add(self, tenant_id: str, customer_id: int, *emails: str) -> None:
        self.emails[tenant_id][customer_id] = {self.normalize(e) for e in emails}

    def remove(self, tenant_id: str, customer_id: int) -> None:
        self.emails[tenant_id].pop(customer_id, None)

    @staticmethod
    def normalize(email: str) -> str:
        return unicodedata.normalize("NFKC", email).strip().lower()

    async def FindCustomersByEmail(
        self, request: pb.FindCustomersByEmailRequest, context: grpc.aio.ServicerContext
    ) -> pb.FindCustomersByEmailResponse:
        self.lookups += 1
        address = self.normalize(request.email)
        found = sorted(cid for cid, emails in self.emails[current_tenant()].items() if address in emails)
        return pb.FindCustomersByEmailResponse(customers=[pb.Customer(id=cid) for cid in found])

    async def GetCustomer(
        self, request: pb.GetCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCustomerResponse:
        if request.id not in self.emails[current_tenant()]:
            raise NotFound(f"No such customer: {request.id}", "id")
        return pb.GetCustomerResponse(customer=pb.Customer(id=request.id))


class FakeInvoices(invoices_pb2_grpc.InvoiceServiceServicer):
    """Invoice links: token → (invoice id, customer id), per tenant."""

    def __init__(self) -> None:
        self.links: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)

    def add_link(self, tenant_id: str, token: str, invoice_id: int, customer_id: int) -> None:
        self.links[tenant_id][token] = (invoice_id, customer_id)

    async def ResolveInvoiceLink(
        self, request: ipb.ResolveInvoiceLinkRequest, context: grpc.aio.ServicerContext
    ) -> ipb.ResolveInvoiceLinkResponse:
        found = self.links[current_tenant()].get(request.token)
        if found is None:
            raise NotFound("This invoice link is not valid.", "token")
        return ipb.ResolveInvoiceLinkResponse(invoice_id=found[0], customer_id=found[1])


class FakeBilling:
    def __init__(self) -> None:
        self.customers = FakeCustomers()  # type: ignore[abstract]  # partial fake: other RPCs answer UNIMPLEMENTED
        self.tokens = generate_tokens()  # checked like the real billing's: auth must call with its own credential
        self.invoices = FakeInvoices()  # type: ignore[abstract]  # partial fake, as above
        self.server = GrpcServer(
            [
                Registration(
                    "portal.billing.v1.CustomerService",
                    customers_pb2_grpc.add_CustomerServiceServicer_to_server,
                    self.customers,
                ),
                Registration(
                    "portal.billing.v1.InvoiceService",
                    invoices_pb2_grpc.add_InvoiceServiceServicer_to_server,
                    self.invoices,
                ),
            ],
            0,
            trust=ServiceTrust.of("billing", self.tokens),
            host="127.0.0.1",
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"
