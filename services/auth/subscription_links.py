"""The subscriptions service as auth needs it: what a "Manage Subscription" link opens, and in which scope.

Calls carry the tenant bound in the context (portal_kit.context), like every other backend call.
"""

from __future__ import annotations

import os

import grpc
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1.subscriptions_pb2_grpc import AccountSubscriptionServiceStub
from portal_kit import grpc_client
from portal_kit.errors import InvalidArgument, NotFound

from services.auth.billing_customers import LinkedDocument
from services.auth.models import ACCOUNT_SCOPE, DOCUMENT_SCOPE

SUBSCRIPTIONS_ADDR_ENV = "PORTAL_SUBSCRIPTIONS_ADDR"
DEFAULT_SUBSCRIPTIONS_ADDR = "127.0.0.1:50053"
MAX_TOKEN_LENGTH = 100


class SubscriptionLinks:
    def __init__(self, target: str | None = None) -> None:
        self.target = target or os.environ.get(SUBSCRIPTIONS_ADDR_ENV) or DEFAULT_SUBSCRIPTIONS_ADDR
        self._channel = grpc_client.LoopChannel(self.target)

    def _stub(self) -> AccountSubscriptionServiceStub:
        return AccountSubscriptionServiceStub(self._channel.get())

    async def manage_link(self, token: str) -> LinkedDocument | None:
        """The subscription (and its customer) a "Manage Subscription" link opens, or None when it opens nothing.
        The business's manage_link_scope decides the guest session's scope: the one subscription, or the account."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            reply = await self._stub().ResolveManageLink(pb.ResolveManageLinkRequest(token=token))
        except grpc.aio.AioRpcError as error:
            failure = grpc_client.domain_error(error)
            if isinstance(failure, NotFound | InvalidArgument):
                return None
            raise failure from None
        scope = ACCOUNT_SCOPE if reply.scope == "account" else DOCUMENT_SCOPE
        return LinkedDocument("subscription", reply.subscription, reply.customer, scope)

    async def close(self) -> None:
        await self._channel.close()
