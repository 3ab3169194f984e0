from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from portal.subscriptions.v1 import plans_pb2 as pb
from portal.subscriptions.v1 import plans_pb2_grpc
from portal_kit.context import bound

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.subscriptions.server import MIGRATIONS, build
from services.subscriptions.settings import SubscriptionsSettings


@pytest.fixture
async def service(service_databases: ServiceDatabases) -> AsyncIterator[RunningService]:
    settings = settings_for_test(SubscriptionsSettings, await service_databases.fresh("subscriptions", MIGRATIONS))
    async with running_service(settings, MIGRATIONS, build) as running:
        yield running


async def test_plan_create_get_list_is_scoped_to_the_tenant(service: RunningService) -> None:
    stub = plans_pb2_grpc.PlanServiceStub(service.channel)
    with bound("tenant-a"):
        created = await stub.CreatePlan(
            pb.CreatePlanRequest(plan=pb.Plan(id="gold", name="Gold", currency="USD", amount=1999, interval="month"))
        )
        assert created.plan.currency == "usd"
        assert created.plan.interval_count == 1
        fetched = await stub.GetPlan(pb.GetPlanRequest(id="gold"))
        assert fetched.plan.amount == 1999
    with bound("tenant-b"):
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.GetPlan(pb.GetPlanRequest(id="gold"))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        listed = await stub.ListPlans(pb.ListPlansRequest())
        assert listed.total_count == 0


async def test_bad_plans_are_refused_with_a_message(service: RunningService) -> None:
    stub = plans_pb2_grpc.PlanServiceStub(service.channel)
    with bound("tenant-a"):
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await stub.CreatePlan(pb.CreatePlanRequest(plan=pb.Plan(name="X", currency="zzz", interval="month")))
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "currency" in (bad.value.details() or "")
        assert dict(bad.value.trailing_metadata() or ())["x-portal-param"] == "currency"
        listed = await stub.ListPlans(pb.ListPlansRequest())
        assert listed.total_count == 0


async def test_calls_without_a_tenant_are_refused(service: RunningService) -> None:
    stub = plans_pb2_grpc.PlanServiceStub(service.channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListPlans(pb.ListPlansRequest())
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
