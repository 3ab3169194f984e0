"""The billing service as subscriptions needs it: the customer a subscription is for.

Calls carry the tenant bound in the context (portal_kit.context), so another business's customer is not found.
"""

from __future__ import annotations

import grpc
from portal.billing.v1 import customers_pb2 as pb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal_kit import grpc_client
from portal_kit.balancing import BalancedChannel
from portal_kit.errors import NotFound


class Billing:
    def __init__(self, target: str) -> None:
        self.target = target
        self._channel = grpc_client.LoopChannel(self.target)

    def channel(self) -> BalancedChannel:
        return self._channel.get()

    async def customer(self, customer_id: int) -> pb.Customer | None:
        """This business's customer, or None (unknown, or another business's)."""
        if customer_id <= 0:
            return None
        try:
            reply = await CustomerServiceStub(self.channel()).GetCustomer(pb.GetCustomerRequest(id=customer_id))
        except grpc.aio.AioRpcError as error:
            failure = grpc_client.domain_error(error)
            if isinstance(failure, NotFound):
                return None
            raise failure from None
        return reply.customer

    async def close(self) -> None:
        await self._channel.close()
