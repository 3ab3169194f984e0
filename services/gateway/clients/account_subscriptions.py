"""The subscriptions service's AccountSubscriptionService as the gateway uses it: the customer's subscriptions
(calls carry the visitor's principal) and the business's subscription portal settings."""

from __future__ import annotations

from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc
from portal_kit.balancing import Channel

from services.gateway.clients.calls import CallScope, unary


class AccountSubscriptionStubs:
    def __init__(self, channel: Channel) -> None:
        self.account = subscriptions_pb2_grpc.AccountSubscriptionServiceStub(channel)


class AccountSubscriptionsClient:
    def __init__(self, stubs: AccountSubscriptionStubs, scope: CallScope) -> None:
        self.stubs = stubs
        self.scope = scope

    async def rows(self) -> list[pb.AccountSubscriptionRow]:
        reply: pb.ListAccountSubscriptionsResponse = await unary(
            self.stubs.account.ListAccountSubscriptions, pb.ListAccountSubscriptionsRequest(), self.scope, read=True
        )
        return list(reply.subscriptions)

    async def get(self, subscription_id: int) -> pb.GetAccountSubscriptionResponse:
        request = pb.GetAccountSubscriptionRequest(id=subscription_id)
        reply: pb.GetAccountSubscriptionResponse = await unary(
            self.stubs.account.GetAccountSubscription, request, self.scope, read=True
        )
        return reply

    async def preview_change(self, change: pb.AccountChangeRequest) -> pb.PreviewAccountChangeResponse:
        """Changes nothing, but is not marked a read: it takes the subscription's row lock while it measures."""
        reply: pb.PreviewAccountChangeResponse = await unary(
            self.stubs.account.PreviewAccountChange, change, self.scope
        )
        return reply

    async def change(self, change: pb.AccountChangeRequest) -> pb.GetAccountSubscriptionResponse:
        reply: pb.GetAccountSubscriptionResponse = await unary(
            self.stubs.account.ChangeAccountSubscription, change, self.scope
        )
        return reply

    async def cancel(
        self, subscription_id: int, at_period_end: bool, reason: str | None
    ) -> pb.GetAccountSubscriptionResponse:
        request = pb.CancelAccountSubscriptionRequest(id=subscription_id, at_period_end=at_period_end)
        if reason:
            request.reason = reason
        reply: pb.GetAccountSubscriptionResponse = await unary(
            self.stubs.account.CancelAccountSubscription, request, self.scope
        )
        return reply

    async def pause(self, subscription_id: int, paused: bool) -> pb.GetAccountSubscriptionResponse:
        request = pb.PauseAccountSubscriptionRequest(id=subscription_id, paused=paused)
        reply: pb.GetAccountSubscriptionResponse = await unary(
            self.stubs.account.PauseAccountSubscription, request, self.scope
        )
        return reply

    async def settings(self) -> pb.PortalSettings:
        reply: pb.PortalSettingsResponse = await unary(
            self.stubs.account.GetPortalSettings, pb.GetPortalSettingsRequest(), self.scope, read=True
        )
        return reply.settings

    async def update_settings(self, settings: pb.PortalSettings, fields: list[str]) -> pb.PortalSettings:
        request = pb.UpdatePortalSettingsRequest(settings=settings, fields=fields)
        reply: pb.PortalSettingsResponse = await unary(self.stubs.account.UpdatePortalSettings, request, self.scope)
        return reply.settings
