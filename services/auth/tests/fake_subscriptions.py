"""A stand-in for the subscriptions service's ResolveManageLink, served over real gRPC with billing's fake's tokens
(auth calls both with the one credential it has)."""

from __future__ import annotations

from collections import defaultdict

import grpc
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc
from portal_kit.context import current_tenant
from portal_kit.errors import NotFound
from portal_kit.grpc_server import GrpcServer, Registration
from portal_kit.service_auth import ServiceTrust


class FakeManageLinks(subscriptions_pb2_grpc.AccountSubscriptionServiceServicer):
    """Manage links: token → (subscription id, customer id, scope), per tenant."""

    def __init__(self) -> None:
        self.links: dict[str, dict[str, tuple[int, int, str]]] = defaultdict(dict)

    def add_link(self, tenant_id: str, token: str, subscription_id: int, customer_id: int, scope: str) -> None:
        self.links[tenant_id][token] = (subscription_id, customer_id, scope)

    async def ResolveManageLink(
        self, request: pb.ResolveManageLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveManageLinkResponse:
        found = self.links[current_tenant()].get(request.token)
        if found is None:
            raise NotFound("This subscription link is not valid.", "token")
        return pb.ResolveManageLinkResponse(subscription=found[0], customer=found[1], scope=found[2])


class FakeSubscriptions:
    def __init__(self, tokens: dict[str, str]) -> None:
        self.links = FakeManageLinks()  # type: ignore[abstract]  # partial fake: other RPCs answer UNIMPLEMENTED
        registration = Registration(
            "portal.subscriptions.v1.AccountSubscriptionService",
            subscriptions_pb2_grpc.add_AccountSubscriptionServiceServicer_to_server,
            self.links,
        )
        self.server = GrpcServer([registration], 0, trust=ServiceTrust.of("subscriptions", tokens), host="127.0.0.1")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"
