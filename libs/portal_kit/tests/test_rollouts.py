"""What a rolling restart relies on, in-process: the SIGTERM sequence (`shutdown`), several instances behind one
client (`BalancedChannel`), and deadlines that travel from one backend to the next.

A small PlanService (the generated base class, not the subscriptions service) runs on GrpcServers on free ports.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc

from devtools.localservers import refusing_port
from portal_kit import grpc_client
from portal_kit.balancing import BalancedChannel, split_addresses
from portal_kit.context import deadline_in
from portal_kit.grpc_server import Background, GrpcServer, Registration, Worker, shutdown
from portal_kit.service_auth import ServiceCredential, ServiceTrust, generate_tokens

SERVICE_NAME = "portal.subscriptions.v1.PlanService"
TOKENS = generate_tokens()
GATEWAY = ServiceCredential("gateway", TOKENS["gateway"])


class PlanServicer(plans_pb2_grpc.PlanServiceServicer):
    """GetPlan answers with this instance's name; ListPlans sleeps `per_page` tenths of a second; CreatePlan
    answers UNAVAILABLE when told to (`unavailable`). `seen_remaining`: the deadline each call arrived with."""

    def __init__(self, name: str, events: list[str] | None = None) -> None:
        self.name = name
        self.events = events if events is not None else []
        self.calls = 0
        self.unavailable = False
        self.in_flight = 0
        self.listing = asyncio.Event()
        self.seen_remaining: list[float | None] = []
        self.forward_to: plans_pb2_grpc.PlanServiceStub | None = None

    async def GetPlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.GetPlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.GetPlanResponse:
        self.calls += 1
        if self.unavailable:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "stopping")
        return plans_pb2.GetPlanResponse(plan=plans_pb2.Plan(id=self.name))

    async def CreatePlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.CreatePlanResponse:
        self.calls += 1
        if self.unavailable:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "stopping")
        return plans_pb2.CreatePlanResponse(plan=request.plan)

    async def ListPlans(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.ListPlansRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.ListPlansResponse:
        self.seen_remaining.append(context.time_remaining())
        self.in_flight += 1
        self.listing.set()
        try:
            if self.forward_to is not None:  # a backend calling the next backend, as auth calls billing
                return await self.forward_to.ListPlans(request)
            await asyncio.sleep(request.per_page / 10)
            self.events.append(f"{self.name} answered")
            return plans_pb2.ListPlansResponse(total_count=request.per_page)
        finally:
            self.in_flight -= 1


async def started(servicer: PlanServicer, port: int = 0) -> GrpcServer:
    registration = Registration(SERVICE_NAME, plans_pb2_grpc.add_PlanServiceServicer_to_server, servicer)
    server = GrpcServer([registration], port, trust=ServiceTrust.of("subscriptions", TOKENS), host="127.0.0.1")
    await server.start()
    return server


@pytest.fixture
async def two_instances() -> AsyncIterator[tuple[list[PlanServicer], list[GrpcServer]]]:
    servicers = [PlanServicer("one"), PlanServicer("two")]
    servers = [await started(servicer) for servicer in servicers]
    try:
        yield servicers, servers
    finally:
        for server in servers:
            await server.stop(0)


def balanced(servers: list[GrpcServer], timeout: float = 5.0) -> BalancedChannel:
    return grpc_client.backend_channel(
        ",".join(f"127.0.0.1:{server.port}" for server in servers), timeout, credential=GATEWAY
    )


# The SIGTERM sequence


class Loop:
    """A background loop that finishes when asked, recording when."""

    def __init__(self, name: str, events: list[str], obeys: bool = True) -> None:
        self.name = name
        self.events = events
        self.obeys = obeys
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        await self.stopping.wait()
        if not self.obeys:
            await asyncio.sleep(3600)
        self.events.append(f"{self.name} finished")

    def stop(self) -> None:
        self.events.append(f"{self.name} asked")
        self.stopping.set()


async def test_shutdown_drains_rpcs_then_stops_workers_last_first_then_the_rest() -> None:
    events: list[str] = []
    servicer = PlanServicer("backend", events)
    server = await started(servicer)
    relay, consumer = Loop("relay", events), Loop("consumer", events)

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("plain loop cancelled")
            raise

    async def on_stop() -> None:
        events.append("database closed")

    background: list[Background] = [Worker(relay.run, relay.stop), Worker(consumer.run, consumer.stop), forever]
    tasks = [(item, asyncio.create_task(item.run() if isinstance(item, Worker) else item())) for item in background]
    channel = grpc_client.channel(f"127.0.0.1:{server.port}", 5, credential=GATEWAY)
    try:
        call = asyncio.ensure_future(
            plans_pb2_grpc.PlanServiceStub(channel).ListPlans(plans_pb2.ListPlansRequest(per_page=5))
        )
        await asyncio.wait_for(servicer.listing.wait(), 10)
        await shutdown(server, tasks, grace=10, on_stop=on_stop)
        assert (await call).total_count == 5  # the call in flight was answered
    finally:
        await channel.close()
    assert events == [
        "backend answered",
        "consumer asked",
        "consumer finished",
        "relay asked",  # the relay flushes after the consumer, whose events it publishes
        "relay finished",
        "plain loop cancelled",
        "database closed",
    ]


async def test_shutdown_cancels_a_worker_that_outlives_the_grace_period() -> None:
    events: list[str] = []
    server = await started(PlanServicer("backend"))
    stubborn = Loop("stubborn", events, obeys=False)
    task = asyncio.create_task(stubborn.run())
    began = time.monotonic()
    await shutdown(server, [(Worker(stubborn.run, stubborn.stop), task)], grace=0.5)
    assert time.monotonic() - began < 3
    assert task.cancelled()
    assert events == ["stubborn asked"]


# Several instances behind one client


def test_addresses_are_a_comma_separated_list() -> None:
    assert split_addresses("a:1, b:2") == ["a:1", "b:2"]
    assert split_addresses("billing:50051") == ["billing:50051"]
    for wrong in ("", "a:1,", ",a:1", "a:1,,b:2"):
        with pytest.raises(ValueError, match="comma-separated"):
            split_addresses(wrong)


async def test_calls_are_spread_over_every_instance(two_instances: tuple[list[PlanServicer], list[GrpcServer]]) -> None:
    servicers, servers = two_instances
    channel = balanced(servers)
    try:
        stub = plans_pb2_grpc.PlanServiceStub(channel)
        await asyncio.gather(*(channel.instances[i].channel.channel_ready() for i in range(2)))
        answers = [(await stub.GetPlan(plans_pb2.GetPlanRequest(id="x"))).plan.id for _ in range(10)]
    finally:
        await channel.close()
    assert answers.count("one") == 5 and answers.count("two") == 5


async def test_a_stopped_instance_is_passed_over(two_instances: tuple[list[PlanServicer], list[GrpcServer]]) -> None:
    servicers, servers = two_instances
    channel = balanced(servers)
    try:
        stub = plans_pb2_grpc.PlanServiceStub(channel)
        await asyncio.gather(*(channel.instances[i].channel.channel_ready() for i in range(2)))
        await servers[0].stop(1)
        answers = [(await stub.GetPlan(plans_pb2.GetPlanRequest(id="x"))).plan.id for _ in range(10)]
    finally:
        await channel.close()
    assert answers == ["two"] * 10


async def test_a_call_waiting_for_a_connection_takes_the_instance_that_connects_first() -> None:
    """A rolling restart's worst moment: one instance has just come back, but this client is still in its reconnect
    backoff, and the other one has just been stopped. A call that may wait for a connection (the retried read) is
    answered by the one that is back as soon as the client reconnects, not left waiting for the stopped one until its
    deadline (which is what happened when the instance was chosen before waiting)."""
    with refusing_port() as stopped:
        reply, took = await waiting_call_while_one_restarts(f"127.0.0.1:{stopped}", suspect_first=False)
    assert reply == "restarted"
    assert took < 3  # well before the deadline: the reconnect backoff is 1 s at most (grpc_client.CHANNEL_OPTIONS)


async def test_a_call_waiting_for_a_connection_passes_over_one_that_has_just_failed() -> None:
    """Right after an instance answers UNAVAILABLE its channel may still say READY for a moment (a killed process:
    the failed call is seen before the closed connection). A call waiting for a connection does not take such an
    instance for connected: it waits for the other one, which is coming back."""
    failing = PlanServicer("failing")
    failing.unavailable = True  # its channel stays READY: the look of a connection whose process was just killed
    server = await started(failing)
    try:
        reply, _took = await waiting_call_while_one_restarts(f"127.0.0.1:{server.port}", suspect_first=True)
    finally:
        await server.stop(0)
    assert reply == "restarted"
    assert failing.calls == 0


async def waiting_call_while_one_restarts(first: str, suspect_first: bool) -> tuple[str, float]:
    """A call with wait_for_ready over `first` and a second instance that is down until this client has tried it
    and is waiting out its reconnect backoff, then back (a "restarted" PlanService); the second is suspect (it
    answered UNAVAILABLE while down), and so is `first` when `suspect_first`. Returns the answer and its time."""
    servicer = PlanServicer("restarted")
    with refusing_port() as restarting:
        channel = grpc_client.backend_channel(f"{first},127.0.0.1:{restarting}", 5.0, GATEWAY)
        async with asyncio.timeout(5):
            state = channel.instances[1].channel.get_state(try_to_connect=True)
            while state != grpc.ChannelConnectivity.TRANSIENT_FAILURE:
                await channel.instances[1].channel.wait_for_state_change(state)
                state = channel.instances[1].channel.get_state()
            channel.instances[0].channel.get_state(try_to_connect=True)
            await asyncio.sleep(0.1)  # `first` is connected by now, or refused
    server = await started(servicer, restarting)
    try:
        channel.instances[1].suspect()
        if suspect_first:
            channel.instances[0].suspect()
        began = time.monotonic()
        reply = await plans_pb2_grpc.PlanServiceStub(channel).GetPlan(
            plans_pb2.GetPlanRequest(id="x"), timeout=4, wait_for_ready=True
        )
        return reply.plan.id, time.monotonic() - began
    finally:
        await channel.close()
        await server.stop(0)


# Deadlines


async def test_a_backend_calling_another_gives_it_only_the_time_left() -> None:
    """Gateway → first backend (1 s) → second backend: the second gets what is left of the 1 s, not its own 5 s
    default, and when the first deadline passes both handlers are cancelled: nothing piles up behind a slow one."""
    first, second = PlanServicer("first"), PlanServicer("second")
    servers = [await started(first), await started(second)]
    onward = grpc_client.channel(f"127.0.0.1:{servers[1].port}", 5.0, credential=GATEWAY)
    first.forward_to = plans_pb2_grpc.PlanServiceStub(onward)
    channel = grpc_client.channel(f"127.0.0.1:{servers[0].port}", 1.0, credential=GATEWAY)
    try:
        began = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as late:
            await plans_pb2_grpc.PlanServiceStub(channel).ListPlans(plans_pb2.ListPlansRequest(per_page=50))  # 5 s
        assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.monotonic() - began < 2.5
        [remaining] = second.seen_remaining
        assert remaining is not None and 0 < remaining < 1.1  # not its own 5 s (grpc rounds deadlines a little)
        async with asyncio.timeout(3):
            while first.in_flight or second.in_flight:  # noqa: ASYNC110 - the handlers end with the deadline
                await asyncio.sleep(0.02)
    finally:
        await channel.close()
        await onward.close()
        for server in servers:
            await server.stop(0)


async def test_no_call_is_made_once_the_callers_deadline_has_passed() -> None:
    servicer = PlanServicer("backend")
    server = await started(servicer)
    channel = grpc_client.channel(f"127.0.0.1:{server.port}", 5.0, credential=GATEWAY)
    try:
        with deadline_in(0.0), pytest.raises(grpc.aio.AioRpcError) as late:
            await plans_pb2_grpc.PlanServiceStub(channel).GetPlan(plans_pb2.GetPlanRequest(id="x"))
        assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert servicer.calls == 0
    finally:
        await channel.close()
        await server.stop(0)


async def test_health_checks_and_watches_work_over_the_instances(
    two_instances: tuple[list[PlanServicer], list[GrpcServer]],
) -> None:
    """The gateway's /healthz asks each backend through its balanced channel; the Health stub has a stream too."""
    _servicers, servers = two_instances
    channel = balanced(servers)
    try:
        health = health_pb2_grpc.HealthStub(channel)
        serving = health_pb2.HealthCheckResponse.SERVING
        assert (await health.Check(health_pb2.HealthCheckRequest(), timeout=5)).status == serving
        watch = health.Watch(health_pb2.HealthCheckRequest(), timeout=5)
        assert (await watch.read()).status == serving
        watch.cancel()
    finally:
        await channel.close()
