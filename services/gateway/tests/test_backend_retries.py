"""The gateway's calls during a backend restart: a read that meets UNAVAILABLE goes once more, to another instance;
a write goes once. Two in-process PlanService instances stand in for a backend's replicas."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc
from portal_kit import grpc_client
from portal_kit.errors import Unavailable
from portal_kit.grpc_server import GrpcServer, Registration
from portal_kit.service_auth import ServiceCredential, ServiceTrust, generate_tokens

from services.gateway.clients.calls import CallScope
from services.gateway.clients.subscriptions import SubscriptionsClient, SubscriptionsStubs

TOKENS = generate_tokens()
CLIENTS = Path(__file__).resolve().parents[1] / "clients"
READ_PREFIXES = ("Get", "List", "BatchGet", "ResolveBusiness", "AuthenticateApiKey", "Inspect", "Render")


class Instance(plans_pb2_grpc.PlanServiceServicer):
    def __init__(self, name: str, unavailable: bool) -> None:
        self.name = name
        self.port = 0
        self.unavailable = unavailable
        self.calls = 0

    async def _answer(self, context: grpc.aio.ServicerContext) -> None:
        self.calls += 1
        if self.unavailable:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "shutting down")

    async def GetPlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.GetPlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.GetPlanResponse:
        await self._answer(context)
        return plans_pb2.GetPlanResponse(plan=plans_pb2.Plan(id=self.name))

    async def CreatePlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.CreatePlanResponse:
        await self._answer(context)
        return plans_pb2.CreatePlanResponse(plan=plans_pb2.Plan(id=self.name))


@pytest.fixture
async def client() -> AsyncIterator[tuple[SubscriptionsClient, Instance, Instance]]:
    stopping = Instance("stopping", unavailable=True)  # type: ignore[abstract]  # partial fake: no ListPlans
    healthy = Instance("healthy", unavailable=False)  # type: ignore[abstract]  # as above
    servers = [await serving(servicer) for servicer in (stopping, healthy)]
    addresses = ",".join(f"127.0.0.1:{server.port}" for server in servers)
    channel = grpc_client.backend_channel(addresses, 5.0, ServiceCredential("gateway", TOKENS["gateway"]))
    try:
        yield SubscriptionsClient(SubscriptionsStubs(channel), CallScope("tenant-1", 5.0)), stopping, healthy
    finally:
        await channel.close()
        for server in servers:
            await server.stop(0)


async def test_a_read_that_meets_unavailable_is_answered_by_the_other_instance(
    client: tuple[SubscriptionsClient, Instance, Instance],
) -> None:
    subscriptions, stopping, healthy = client
    answers = [(await subscriptions.get_plan("gold")).id for _ in range(6)]
    assert answers == ["healthy"] * 6
    assert stopping.calls >= 1  # it was tried, and each such read went once more, elsewhere
    assert healthy.calls == 6


async def test_a_write_is_sent_once_even_when_it_meets_unavailable(
    client: tuple[SubscriptionsClient, Instance, Instance],
) -> None:
    subscriptions, stopping, healthy = client
    failures = 0
    for _ in range(6):
        try:
            await subscriptions.create_plan(plans_pb2.Plan(id="gold"))
        except Unavailable:
            failures += 1
    assert failures == stopping.calls >= 1
    assert stopping.calls + healthy.calls == 6  # never a second attempt


def test_only_calls_that_change_nothing_are_marked_as_reads() -> None:
    """Every `unary(...)` in the clients names its RPC; reads (read=True) are Get/List/Resolve/Render… and no write is
    one. GetSession counts as a read: it only moves the session's last-seen time, which a repeat sets again; so does
    GetAccountEstimate, which records the first view once (a repeat finds it recorded)."""
    call = re.compile(r"unary\(\s*self\.stubs?\.(?:\w+\.)?(\w+),(.*?)\)\n", re.DOTALL)
    marked = {}
    for path in CLIENTS.glob("*.py"):
        for name, rest in call.findall(path.read_text()):
            marked[name] = "read=True" in rest
    assert len(marked) >= 55
    wrong = {name for name, read in marked.items() if read != name.startswith(READ_PREFIXES)}
    assert wrong == set()


async def test_within_one_address_that_resolves_to_several_instances_a_read_goes_to_another(
    client: tuple[SubscriptionsClient, Instance, Instance],
) -> None:
    """One entry naming several instances (as a headless Service's `dns:///` name does): round_robin spreads the
    calls, and the retried read is picked on the next instance."""
    _subscriptions, stopping, healthy = client
    ports = [instance.port for instance in (stopping, healthy)]
    single = grpc_client.channel(
        f"ipv4:127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}", 5.0, ServiceCredential("gateway", TOKENS["gateway"])
    )
    try:
        over_one = SubscriptionsClient(SubscriptionsStubs(single), CallScope("tenant-1", 5.0))
        await single.channel_ready()
        await asyncio.sleep(0.5)  # round_robin connects to every address in the background (loopback: milliseconds)
        answers = [(await over_one.get_plan("gold")).id for _ in range(6)]
    finally:
        await single.close()
    assert answers == ["healthy"] * 6
    assert stopping.calls >= 2  # round_robin sent some first attempts there


async def test_reads_racing_an_instances_graceful_stop_are_all_answered() -> None:
    """SIGTERM's graceful stop while reads keep coming: a read that reaches the stopping instance just as its stop
    begins is cancelled there unanswered (CANCELLED: grpc.aio takes no more calls once the stop began), another meets
    its GOAWAY (UNAVAILABLE); each is sent once more and answered by the other instance. A few rounds, as the race
    is won by a different number of reads each time."""
    for _ in range(5):
        servicers = [Instance("stopping", unavailable=False), Instance("healthy", unavailable=False)]  # type: ignore[abstract]
        servers = [await serving(servicer) for servicer in servicers]
        addresses = ",".join(f"127.0.0.1:{server.port}" for server in servers)
        channel = grpc_client.backend_channel(addresses, 5.0, ServiceCredential("gateway", TOKENS["gateway"]))
        subscriptions = SubscriptionsClient(SubscriptionsStubs(channel), CallScope("tenant-1", 5.0))

        async def read(after: float, subscriptions: SubscriptionsClient = subscriptions) -> str:
            await asyncio.sleep(after)
            return (await subscriptions.get_plan("gold")).id

        async def stop_the_first(first: GrpcServer = servers[0]) -> None:
            await asyncio.sleep(0.02)
            await first.stop(5)

        try:
            await asyncio.gather(*(instance.channel.channel_ready() for instance in channel.instances))
            _stopped, *answers = await asyncio.gather(stop_the_first(), *(read(i * 0.0002) for i in range(200)))
        finally:
            await channel.close()
            for server in servers:
                await server.stop(0)
        assert set(answers) == {"stopping", "healthy"}  # every read answered; some by the first before it stopped


async def serving(servicer: Instance) -> GrpcServer:
    registration = Registration(
        "portal.subscriptions.v1.PlanService", plans_pb2_grpc.add_PlanServiceServicer_to_server, servicer
    )
    server = GrpcServer([registration], 0, trust=ServiceTrust.of("subscriptions", TOKENS), host="127.0.0.1")
    await server.start()
    servicer.port = server.port
    return server
