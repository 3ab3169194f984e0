from __future__ import annotations

import grpc
from portal.subscriptions.v1 import plans_pb2 as pb
from portal.subscriptions.v1 import plans_pb2_grpc
from portal_kit.db import Database
from portal_kit.timestamps import unix

from services.subscriptions import plans
from services.subscriptions.models import Plan


def plan_to_pb(plan: Plan) -> pb.Plan:
    return pb.Plan(
        id=plan.id,
        name=plan.name,
        currency=plan.currency,
        amount=plan.amount,
        interval=plan.interval,
        interval_count=plan.interval_count,
        created_at=unix(plan.created_at),
        updated_at=unix(plan.updated_at),
        metadata=plans.metadata_of(plan.metadata_json),
    )


class PlanServicer(plans_pb2_grpc.PlanServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def CreatePlan(
        self, request: pb.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePlanResponse:
        p = request.plan
        async with self.db.unit_of_work() as session:
            new = plans.NewPlan(
                id=p.id,
                name=p.name,
                currency=p.currency,
                amount=p.amount,
                interval=p.interval,
                interval_count=p.interval_count or 1,
                metadata=dict(p.metadata),
            )
            plan = await plans.create_plan(session, new)
        return pb.CreatePlanResponse(plan=plan_to_pb(plan))

    async def GetPlan(self, request: pb.GetPlanRequest, context: grpc.aio.ServicerContext) -> pb.GetPlanResponse:
        async with self.db.unit_of_work() as session:
            plan = await plans.get_plan(session, request.id)
        return pb.GetPlanResponse(plan=plan_to_pb(plan))

    async def ListPlans(self, request: pb.ListPlansRequest, context: grpc.aio.ServicerContext) -> pb.ListPlansResponse:
        async with self.db.unit_of_work() as session:
            rows, total = await plans.list_plans(session, request.page or 1, request.per_page or 100)
        return pb.ListPlansResponse(plans=[plan_to_pb(p) for p in rows], total_count=total)

    async def UpdatePlan(
        self, request: pb.UpdatePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePlanResponse:
        changes = plans.PlanChanges(
            name=request.name if request.HasField("name") else None,
            metadata=dict(request.metadata) if request.metadata_set or request.metadata else None,
            currency=request.currency if request.HasField("currency") else None,
            amount=request.amount if request.HasField("amount") else None,
            interval=request.interval if request.HasField("interval") else None,
            interval_count=request.interval_count if request.HasField("interval_count") else None,
        )
        async with self.db.unit_of_work() as session:
            plan = await plans.update_plan(session, request.id, changes)
        return pb.CreatePlanResponse(plan=plan_to_pb(plan))

    async def DeletePlan(
        self, request: pb.DeletePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeletePlanResponse:
        async with self.db.unit_of_work() as session:
            await plans.delete_plan(session, request.id)
        return pb.DeletePlanResponse()
