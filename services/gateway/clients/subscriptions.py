"""The subscriptions service as the gateway uses it: plans and subscriptions (the business's API)."""

from __future__ import annotations

from portal.subscriptions.v1 import plans_pb2 as pb
from portal.subscriptions.v1 import plans_pb2_grpc, subscriptions_pb2_grpc
from portal.subscriptions.v1 import subscriptions_pb2 as spb
from portal_kit.balancing import Channel

from services.gateway.clients.calls import CallScope, unary


class SubscriptionsStubs:
    def __init__(self, channel: Channel) -> None:
        self.plans = plans_pb2_grpc.PlanServiceStub(channel)
        self.subscriptions = subscriptions_pb2_grpc.SubscriptionServiceStub(channel)


class SubscriptionsClient:
    def __init__(self, stubs: SubscriptionsStubs, scope: CallScope) -> None:
        self.stubs = stubs
        self.scope = scope

    # Plans
    async def create_plan(self, plan: pb.Plan) -> pb.Plan:
        reply: pb.CreatePlanResponse = await unary(
            self.stubs.plans.CreatePlan, pb.CreatePlanRequest(plan=plan), self.scope
        )
        return reply.plan

    async def get_plan(self, plan_id: str) -> pb.Plan:
        reply: pb.GetPlanResponse = await unary(
            self.stubs.plans.GetPlan, pb.GetPlanRequest(id=plan_id), self.scope, read=True
        )
        return reply.plan

    async def list_plans(self, page: int, per_page: int) -> tuple[list[pb.Plan], int]:
        reply: pb.ListPlansResponse = await unary(
            self.stubs.plans.ListPlans, pb.ListPlansRequest(page=page, per_page=per_page), self.scope, read=True
        )
        return list(reply.plans), reply.total_count

    async def update_plan(self, request: pb.UpdatePlanRequest) -> pb.Plan:
        reply: pb.CreatePlanResponse = await unary(self.stubs.plans.UpdatePlan, request, self.scope)
        return reply.plan

    async def delete_plan(self, plan_id: str) -> None:
        await unary(self.stubs.plans.DeletePlan, pb.DeletePlanRequest(id=plan_id), self.scope)

    # Subscriptions
    async def create_subscription(self, given: spb.SubscriptionInput) -> spb.Subscription:
        request = spb.CreateSubscriptionRequest(subscription=given)
        reply: spb.SubscriptionResponse = await unary(self.stubs.subscriptions.CreateSubscription, request, self.scope)
        return reply.subscription

    async def get_subscription(self, subscription_id: int) -> spb.Subscription:
        reply: spb.SubscriptionResponse = await unary(
            self.stubs.subscriptions.GetSubscription,
            spb.GetSubscriptionRequest(id=subscription_id),
            self.scope,
            read=True,
        )
        return reply.subscription

    async def update_subscription(self, subscription_id: int, changes: spb.SubscriptionInput) -> spb.Subscription:
        request = spb.UpdateSubscriptionRequest(id=subscription_id, changes=changes)
        reply: spb.SubscriptionResponse = await unary(self.stubs.subscriptions.UpdateSubscription, request, self.scope)
        return reply.subscription

    async def cancel_subscription(self, request: spb.CancelSubscriptionRequest) -> spb.Subscription:
        reply: spb.SubscriptionResponse = await unary(self.stubs.subscriptions.CancelSubscription, request, self.scope)
        return reply.subscription

    async def list_subscriptions(self, request: spb.ListSubscriptionsRequest) -> spb.ListSubscriptionsResponse:
        reply: spb.ListSubscriptionsResponse = await unary(
            self.stubs.subscriptions.ListSubscriptions, request, self.scope, read=True
        )
        return reply

    async def preview_subscription(self, given: spb.SubscriptionInput) -> spb.PreviewSubscriptionResponse:
        request = spb.PreviewSubscriptionRequest(subscription=given)
        reply: spb.PreviewSubscriptionResponse = await unary(
            self.stubs.subscriptions.PreviewSubscription, request, self.scope
        )
        return reply

    async def upcoming(self, subscription_id: int) -> spb.GetUpcomingResponse:
        reply: spb.GetUpcomingResponse = await unary(
            self.stubs.subscriptions.GetUpcoming, spb.GetUpcomingRequest(id=subscription_id), self.scope, read=True
        )
        return reply
