"""The gateway's backends: one channel each, the typed stubs on it, and the per-request clients made from them."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from portal_kit import grpc_client
from portal_kit.balancing import BalancedChannel
from portal_kit.principal import Principal

from services.gateway.caches import GatewayCaches
from services.gateway.clients.account_subscriptions import AccountSubscriptionsClient, AccountSubscriptionStubs
from services.gateway.clients.auth import AuthClient, AuthStubs
from services.gateway.clients.billing import BillingClient, BillingStubs
from services.gateway.clients.calls import CallScope
from services.gateway.clients.card_payments import CardPaymentsClient, CardPaymentStubs
from services.gateway.clients.comments import CommentsClient, CommentsStubs
from services.gateway.clients.sign_up_pages import SignUpPagesClient, SignUpPageStubs
from services.gateway.clients.subscriptions import SubscriptionsClient, SubscriptionsStubs
from services.gateway.settings import GatewaySettings


class Backends:
    def __init__(self, settings: GatewaySettings) -> None:
        self.deadline = settings.backend_deadline
        self.comments_deadline = settings.comments_deadline
        # Each address setting may list several instances (portal_kit.balancing).
        self.channels = {
            "auth": grpc_client.backend_channel(settings.auth_addr, self.deadline),
            "billing": grpc_client.backend_channel(settings.billing_addr, self.deadline),
            "subscriptions": grpc_client.backend_channel(settings.subscriptions_addr, self.deadline),
            "comments": grpc_client.backend_channel(settings.comments_addr, self.deadline),
        }
        self.auth_stubs = AuthStubs(self.channels["auth"])
        # Validated sessions and API keys, reused for a few seconds; on only while revocations are read (app.py).
        self.caches = GatewayCaches(settings.gateway_cache_seconds)
        self.billing_stubs = BillingStubs(self.channels["billing"])
        self.card_payment_stubs = CardPaymentStubs(self.channels["billing"])
        self.subscriptions_stubs = SubscriptionsStubs(self.channels["subscriptions"])
        self.account_subscription_stubs = AccountSubscriptionStubs(self.channels["subscriptions"])
        self.comments_stubs = CommentsStubs(self.channels["comments"])
        self.sign_up_page_stubs = SignUpPageStubs(self.channels["subscriptions"])

    def scope(self, tenant: str | None, principal: Principal | None = None) -> CallScope:
        return CallScope(tenant, self.deadline, principal)

    def auth(self, tenant: str | None, principal: Principal | None = None) -> AuthClient:
        return AuthClient(self.auth_stubs, self.scope(tenant, principal), self.caches)

    def billing(self, tenant: str, principal: Principal | None = None) -> BillingClient:
        return BillingClient(self.billing_stubs, self.scope(tenant, principal))

    def card_payments(self, tenant: str, principal: Principal | None = None) -> CardPaymentsClient:
        return CardPaymentsClient(self.card_payment_stubs, self.scope(tenant, principal))

    def subscriptions(self, tenant: str) -> SubscriptionsClient:
        return SubscriptionsClient(self.subscriptions_stubs, self.scope(tenant))

    def sign_up_pages(self, tenant: str) -> SignUpPagesClient:
        return SignUpPagesClient(self.sign_up_page_stubs, self.scope(tenant))

    def account_subscriptions(self, tenant: str, principal: Principal | None = None) -> AccountSubscriptionsClient:
        """The customer's subscriptions (with the visitor's principal), or the business's portal settings."""
        return AccountSubscriptionsClient(self.account_subscription_stubs, self.scope(tenant, principal))

    def comments(self, tenant: str, principal: Principal | None = None, page: bool = False) -> CommentsClient:
        """`page`: the short deadline of a thread shown inside a document page (settings.comments_deadline)."""
        deadline = min(self.deadline, self.comments_deadline) if page else self.deadline
        return CommentsClient(self.comments_stubs, CallScope(tenant, deadline, principal))

    async def health(self) -> dict[str, bool]:
        """Asks every backend at once (each call has its own deadline)."""

        async def check(channel: BalancedChannel) -> bool:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1.0)
            except grpc.aio.AioRpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

        names = list(self.channels)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(check(self.channels[name])) for name in names]
        return {name: task.result() for name, task in zip(names, tasks, strict=True)}

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self.channels.values()))
