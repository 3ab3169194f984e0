"""The billing service as auth needs it: who has this address, does this customer exist, what a link opens.

Calls carry the tenant bound in the context (portal_kit.context), like every other backend call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import grpc
from portal.billing.v1 import customers_pb2 as pb
from portal.billing.v1 import estimates_pb2 as epb
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.estimates_pb2_grpc import EstimateServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit import grpc_client
from portal_kit.balancing import BalancedChannel
from portal_kit.errors import InvalidArgument, NotFound

BILLING_ADDR_ENV = "PORTAL_BILLING_ADDR"
DEFAULT_BILLING_ADDR = "127.0.0.1:50052"


@dataclass(frozen=True)
class LinkedDocument:
    """What an emailed document link opens."""

    document_type: str
    document_id: int
    customer_id: int
    scope: str | None = None  # the guest session's scope when the link decides it ("account" or "document")


class BillingCustomers:
    def __init__(self, target: str | None = None) -> None:
        self.target = target or os.environ.get(BILLING_ADDR_ENV) or DEFAULT_BILLING_ADDR
        self._channel = grpc_client.LoopChannel(self.target)

    def _channel_now(self) -> BalancedChannel:
        return self._channel.get()

    def _stub(self) -> CustomerServiceStub:
        return CustomerServiceStub(self._channel_now())

    def _invoices(self) -> InvoiceServiceStub:
        return InvoiceServiceStub(self._channel_now())

    async def ids_by_email(self, email: str) -> list[int]:
        """The ids of this business's customers reachable at this address, smallest first."""
        try:
            reply = await self._stub().FindCustomersByEmail(pb.FindCustomersByEmailRequest(email=email))
        except grpc.aio.AioRpcError as error:
            raise grpc_client.domain_error(error) from None
        return sorted({customer.id for customer in reply.customers if customer.id > 0})

    async def invoice_link(self, token: str) -> LinkedDocument | None:
        """The invoice (and its customer) an emailed link opens, or None when it opens nothing."""
        if not token or len(token) > 100:
            return None
        try:
            reply = await self._invoices().ResolveInvoiceLink(ipb.ResolveInvoiceLinkRequest(token=token))
        except grpc.aio.AioRpcError as error:
            failure = grpc_client.domain_error(error)
            if isinstance(failure, NotFound | InvalidArgument):
                return None
            raise failure from None
        return LinkedDocument("invoice", reply.invoice_id, reply.customer_id)

    async def document_link(self, document_type: str, token: str) -> LinkedDocument | None:
        """What an emailed link of this kind ("invoice" when empty, or "estimate") opens, or None."""
        if document_type in ("", "invoice"):
            return await self.invoice_link(token)
        if document_type != "estimate" or not token or len(token) > 100:
            return None
        try:
            reply = await EstimateServiceStub(self._channel_now()).ResolveEstimateLink(
                epb.ResolveEstimateLinkRequest(token=token)
            )
        except grpc.aio.AioRpcError as error:
            failure = grpc_client.domain_error(error)
            if isinstance(failure, NotFound | InvalidArgument):
                return None
            raise failure from None
        return LinkedDocument("estimate", reply.estimate_id, reply.customer_id)

    async def exists(self, customer_id: int) -> bool:
        if customer_id <= 0:
            return False
        try:
            await self._stub().GetCustomer(pb.GetCustomerRequest(id=customer_id))
        except grpc.aio.AioRpcError as error:
            failure = grpc_client.domain_error(error)
            if isinstance(failure, NotFound):
                return False
            raise failure from None
        return True

    async def close(self) -> None:
        await self._channel.close()
