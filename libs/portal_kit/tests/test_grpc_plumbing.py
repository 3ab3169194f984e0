"""The gRPC plumbing end to end: client stamping and deadlines, the server interceptor, health, reflection, SIGTERM.

A tiny PlanService servicer (the generated base class, not the subscriptions service) runs in-process on a
GrpcServer; only the SIGTERM test starts a real service (`python -m services.subscriptions`) as a subprocess.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc

from devtools.localservers import free_port, refusing_port
from portal_kit import grpc_client
from portal_kit.context import (
    PARAM_METADATA_KEY,
    PRINCIPAL_METADATA_KEY,
    TENANT_METADATA_KEY,
    bound,
    current_principal,
    current_tenant,
)
from portal_kit.errors import InvalidArgument, Unauthenticated, Unavailable
from portal_kit.grpc_server import GrpcServer, Registration
from portal_kit.service_auth import ServiceCredential, ServiceTrust, generate_tokens

SERVICE_NAME = "portal.subscriptions.v1.PlanService"
HEALTH_SERVICE_NAME = "grpc.health.v1.Health"
REFLECTION_SERVICE_NAME = "grpc.reflection.v1alpha.ServerReflection"
CLIENT_TIMEOUT = 0.3
SLOW_SECONDS = 2.0
SECRET_TEXT = "db password is hunter2"  # must never reach the client
REPO = Path(__file__).resolve().parents[3]

TOKENS = generate_tokens()
GATEWAY = ServiceCredential("gateway", TOKENS["gateway"])

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class ProbeServicer(plans_pb2_grpc.PlanServiceServicer):
    """GetPlan echoes the call's context; CreatePlan fails on demand; ListPlans sleeps `per_page` tenths of a second
    (and says when it has started)."""

    def __init__(self) -> None:
        self.seen_metadata: dict[str, str | bytes] = {}
        self.seen_time_remaining: float | None = None
        self.listing = asyncio.Event()

    async def GetPlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.GetPlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.GetPlanResponse:
        self.seen_metadata = dict(context.invocation_metadata() or ())
        self.seen_time_remaining = context.time_remaining()
        return plans_pb2.GetPlanResponse(plan=plans_pb2.Plan(id=current_tenant(), name=current_principal() or ""))

    async def CreatePlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.CreatePlanResponse:
        match request.plan.name:
            case "invalid":
                raise InvalidArgument("msg", "param")
            case "invalid-no-param":
                raise InvalidArgument("Name is required.")
            case "crash":
                raise RuntimeError(SECRET_TEXT)
            case "abort":
                await context.abort(grpc.StatusCode.NOT_FOUND, "No such plan.")
        return plans_pb2.CreatePlanResponse(plan=request.plan)

    async def ListPlans(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.ListPlansRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.ListPlansResponse:
        self.listing.set()
        await asyncio.sleep(request.per_page / 10)
        return plans_pb2.ListPlansResponse(total_count=request.per_page)


def start_probe_server(reflection_enabled: bool = True) -> GrpcServer:
    registration = Registration(SERVICE_NAME, plans_pb2_grpc.add_PlanServiceServicer_to_server, ProbeServicer())
    trust = ServiceTrust.of("subscriptions", TOKENS)
    return GrpcServer([registration], 0, trust=trust, host="127.0.0.1", reflection_enabled=reflection_enabled)


@pytest.fixture
async def server() -> AsyncIterator[GrpcServer]:
    server = start_probe_server()
    await server.start()
    try:
        yield server
    finally:
        await server.stop(0)


@pytest.fixture
async def channel(server: GrpcServer) -> AsyncIterator[grpc.aio.Channel]:
    channel = grpc_client.channel(f"127.0.0.1:{server.port}", default_timeout=CLIENT_TIMEOUT, credential=GATEWAY)
    try:
        yield channel
    finally:
        await channel.close()


@pytest.fixture
def plans(channel: grpc.aio.Channel) -> plans_pb2_grpc.PlanServiceStub:
    return plans_pb2_grpc.PlanServiceStub(channel)


async def health_status(channel: grpc.aio.Channel, service: str = "") -> int:
    response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service))
    return int(response.status)


async def create_failing(plans: plans_pb2_grpc.PlanServiceStub, name: str) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await plans.CreatePlan(plans_pb2.CreatePlanRequest(plan=plans_pb2.Plan(name=name)))
    return info.value


# Context: tenant and principal travel from the caller's context to the servicer's.


async def test_tenant_and_principal_travel_in_metadata_into_the_servicer_context(
    server: GrpcServer, plans: plans_pb2_grpc.PlanServiceStub
) -> None:
    with bound("tenant-acme", "user-42"):
        response = await plans.GetPlan(plans_pb2.GetPlanRequest(id="p1"))
    assert (response.plan.id, response.plan.name) == ("tenant-acme", "user-42")
    servicer = server.registrations[0].servicer
    assert servicer.seen_metadata[TENANT_METADATA_KEY] == "tenant-acme"
    assert servicer.seen_metadata[PRINCIPAL_METADATA_KEY] == "user-42"


async def test_caller_metadata_is_kept_next_to_the_stamped_one(
    server: GrpcServer, plans: plans_pb2_grpc.PlanServiceStub
) -> None:
    with bound("tenant-acme"):
        response = await plans.GetPlan(plans_pb2.GetPlanRequest(id="p1"), metadata=(("x-request-id", "r-1"),))
    assert (response.plan.id, response.plan.name) == ("tenant-acme", "")
    seen = server.registrations[0].servicer.seen_metadata
    assert seen["x-request-id"] == "r-1"
    assert PRINCIPAL_METADATA_KEY not in seen


async def test_context_does_not_leak_between_calls(plans: plans_pb2_grpc.PlanServiceStub) -> None:
    with bound("tenant-a", "user-a"):
        await plans.GetPlan(plans_pb2.GetPlanRequest(id="p1"))
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await plans.GetPlan(plans_pb2.GetPlanRequest(id="p1"))  # no tenant bound this time
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    error = grpc_client.domain_error(info.value)
    assert isinstance(error, Unauthenticated)
    assert "tenant" in error.message


# Deadlines: every call has one, even when the caller gives none.


async def test_every_call_has_a_deadline(server: GrpcServer, plans: plans_pb2_grpc.PlanServiceStub) -> None:
    with bound("tenant-a"):
        await plans.GetPlan(plans_pb2.GetPlanRequest(id="p1"))  # no timeout given
    remaining = server.registrations[0].servicer.seen_time_remaining
    # grpc reports the remaining time from its own clock: allow its rounding (0.3001 s of a 0.3 s deadline)
    assert remaining is not None and 0 < remaining <= CLIENT_TIMEOUT + 0.005, remaining

    with pytest.raises(grpc.aio.AioRpcError) as info:
        await plans.ListPlans(plans_pb2.ListPlansRequest(per_page=int(SLOW_SECONDS * 10)))
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    error = grpc_client.domain_error(info.value)
    assert isinstance(error, Unavailable)
    assert error.message == "A backend service took too long to answer."
    assert error.param is None


async def test_an_explicit_timeout_wins_over_the_default(plans: plans_pb2_grpc.PlanServiceStub) -> None:
    response = await plans.ListPlans(plans_pb2.ListPlansRequest(per_page=5), timeout=3)  # 0.5 s > default 0.3 s
    assert response.total_count == 5


async def test_an_unreachable_backend_is_unavailable() -> None:
    with refusing_port() as port:
        channel = grpc_client.channel(f"127.0.0.1:{port}", default_timeout=CLIENT_TIMEOUT, credential=GATEWAY)
        try:
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await plans_pb2_grpc.PlanServiceStub(channel).GetPlan(plans_pb2.GetPlanRequest(id="p1"))
        finally:
            await channel.close()
    assert info.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    error = grpc_client.domain_error(info.value)
    assert isinstance(error, Unavailable)
    assert error.message.startswith("A backend service")


# Errors: domain errors keep their code, message and param; anything else is a generic INTERNAL.


async def test_domain_error_becomes_its_status_with_param_in_trailing_metadata(
    plans: plans_pb2_grpc.PlanServiceStub,
) -> None:
    failure = await create_failing(plans, "invalid")
    assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.details() == "msg"
    assert dict(failure.trailing_metadata() or ())[PARAM_METADATA_KEY] == "param"
    error = grpc_client.domain_error(failure)
    assert type(error) is InvalidArgument
    assert (error.message, error.param) == ("msg", "param")


async def test_domain_error_without_param_has_no_param_metadata(plans: plans_pb2_grpc.PlanServiceStub) -> None:
    failure = await create_failing(plans, "invalid-no-param")
    assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert PARAM_METADATA_KEY not in dict(failure.trailing_metadata() or ())
    error = grpc_client.domain_error(failure)
    assert (type(error), error.message, error.param) == (InvalidArgument, "Name is required.", None)


async def test_unexpected_exception_is_internal_without_leaking_its_text(
    plans: plans_pb2_grpc.PlanServiceStub, caplog: pytest.LogCaptureFixture
) -> None:
    failure = await create_failing(plans, "crash")
    assert failure.code() == grpc.StatusCode.INTERNAL
    assert failure.details() == "Something went wrong on our side."
    assert SECRET_TEXT not in (failure.details() or "")
    assert SECRET_TEXT not in str(failure.trailing_metadata())
    assert SECRET_TEXT not in str(failure.debug_error_string())
    error = grpc_client.domain_error(failure)
    assert isinstance(error, Unavailable)
    assert SECRET_TEXT not in error.message
    # ...but the server logs it, with the method.
    logged = [r for r in caplog.records if r.name == "portal_kit.grpc" and r.exc_info]
    assert logged and logged[-1].method == f"/{SERVICE_NAME}/CreatePlan"  # type: ignore[attr-defined]  # a logging `extra` field


async def test_servicer_abort_passes_through_unchanged(plans: plans_pb2_grpc.PlanServiceStub) -> None:
    failure = await create_failing(plans, "abort")
    assert (failure.code(), failure.details()) == (grpc.StatusCode.NOT_FOUND, "No such plan.")


async def test_successful_call_is_untouched(plans: plans_pb2_grpc.PlanServiceStub) -> None:
    plan = plans_pb2.Plan(name="Gold", currency="EUR", amount=1200)
    response = await plans.CreatePlan(plans_pb2.CreatePlanRequest(plan=plan))
    assert response.plan == plan


# Health and reflection.


async def test_started_server_is_serving_overall_and_per_service(server: GrpcServer, channel: grpc.aio.Channel) -> None:
    assert await health_status(channel) == SERVING
    assert await health_status(channel, SERVICE_NAME) == SERVING


async def test_set_serving_false_makes_everything_not_serving(server: GrpcServer, channel: grpc.aio.Channel) -> None:
    await server.set_serving(False)
    assert await health_status(channel) == NOT_SERVING
    assert await health_status(channel, SERVICE_NAME) == NOT_SERVING
    await server.set_serving(True)
    assert await health_status(channel) == SERVING
    assert await health_status(channel, SERVICE_NAME) == SERVING


async def test_health_of_an_unknown_service_is_not_found(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await health_status(channel, "portal.nope.v1.Nothing")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_the_services(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    responses = [response async for response in stub.ServerReflectionInfo(iter([request]), timeout=5)]
    assert len(responses) == 1
    names = {service.name for service in responses[0].list_services_response.service}
    assert names == {SERVICE_NAME, HEALTH_SERVICE_NAME, REFLECTION_SERVICE_NAME}


async def test_the_server_waits_for_calls_with_one_task_not_one_per_method(
    server: GrpcServer, plans: plans_pb2_grpc.PlanServiceStub, channel: grpc.aio.Channel
) -> None:
    """Services are added as generic handlers only: grpc.aio would otherwise keep a task per registered method and
    pass all of them to asyncio.wait after every call (CPU on every call that grows with the number of methods)."""
    waiting = [repr(task) for task in asyncio.all_tasks()]
    assert not [coro for coro in waiting if "_request_registered_call" in coro]
    assert [coro for coro in waiting if "_request_call" in coro]  # the one that takes every call
    with bound("tenant-acme", "customer:7"):
        assert (await plans.GetPlan(plans_pb2.GetPlanRequest(id="p1"))).plan.id == "tenant-acme"  # served through it
    assert await health_status(channel, SERVICE_NAME) == SERVING


async def test_stop_drains_calls_in_flight_and_reports_not_serving() -> None:
    server = start_probe_server()
    await server.start()
    channel = grpc_client.channel(f"127.0.0.1:{server.port}", default_timeout=5, credential=GATEWAY)
    try:
        slow_call = plans_pb2_grpc.PlanServiceStub(channel).ListPlans(plans_pb2.ListPlansRequest(per_page=5))
        in_flight = asyncio.ensure_future(slow_call)
        await asyncio.wait_for(server.registrations[0].servicer.listing.wait(), 10)  # inside the servicer
        await server.stop(grace=3)
        assert (await in_flight).total_count == 5
        assert await server.health.Check(health_pb2.HealthCheckRequest(service=""), None) == (
            health_pb2.HealthCheckResponse(status=NOT_SERVING)
        )
    finally:
        await channel.close()
        await server.stop(0)


async def test_a_taken_port_is_refused_not_shared(server: GrpcServer) -> None:
    """grpc sets SO_REUSEPORT by default: a second server would silently share the port and take half the calls."""
    with pytest.raises((SystemExit, RuntimeError), match=str(server.port)):
        GrpcServer([], server.port, trust=ServiceTrust.of("subscriptions", TOKENS), host="127.0.0.1")


# Graceful SIGTERM of a real service process.


def wait_until_serving(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the service exited early with {process.returncode}")
            try:
                response = stub.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=0.5)
            except grpc.RpcError:
                time.sleep(0.1)
                continue
            if response.status == SERVING:
                return
    pytest.fail(f"the service was not SERVING within {timeout} s")


def test_sigterm_stops_the_service_gracefully(tmp_path: Path) -> None:
    with refusing_port() as no_broker:
        sigterm_a_service(tmp_path, no_broker)


def sigterm_a_service(tmp_path: Path, no_broker: int) -> None:
    port = free_port()  # the service binds it itself, at start
    env = {
        **os.environ,
        "PORTAL_SUBSCRIPTIONS_GRPC_PORT": str(port),
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_MIGRATE_ON_START": "true",
        "PORTAL_KAFKA_BOOTSTRAP": f"127.0.0.1:{no_broker}",  # nothing listens: no broker is needed
        "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'libs'}",
    }
    for name in ("PORTAL_DATABASE_URL", "PORTAL_SUBSCRIPTIONS_DATABASE_URL", "PORTAL_GRPC_PORT", "PORTAL_ENV"):
        env.pop(name, None)
    log = tmp_path / "service.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.subscriptions"], cwd=REPO, env=env, stdout=output, stderr=output
        )
        try:
            wait_until_serving(port, process)
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert returncode == 0, log.read_text()
    assert (tmp_path / "subscriptions.db").exists()
