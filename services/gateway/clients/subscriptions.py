"""The subscriptions service as the gateway uses it: plans."""

from __future__ import annotations

from portal.subscriptions.v1 import plans_pb2 as pb
from portal.subscriptions.v1 import plans_pb2_grpc
from portal_kit.balancing import Channel

from services.gateway.clients.calls import CallScope, unary


class SubscriptionsStubs:
    def __init__(self, channel: Channel) -> None:
        self.plans = plans_pb2_grpc.PlanServiceStub(channel)


class SubscriptionsClient:
    def __init__(self, stubs: SubscriptionsStubs, scope: CallScope) -> None:
        self.stubs = stubs
        self.scope = scope

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
