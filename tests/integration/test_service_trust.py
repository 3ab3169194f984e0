"""The running backends answer only authenticated services, on loopback only; health stays open for probes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from portal.auth.v1 import auth_pb2, auth_pb2_grpc
from portal.billing.v1 import customers_pb2, customers_pb2_grpc
from portal.comments.v1 import comments_pb2, comments_pb2_grpc
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc
from portal_kit.context import PRINCIPAL_METADATA_KEY, TENANT_METADATA_KEY
from portal_kit.service_auth import ADMIN, UNAUTHENTICATED_MESSAGE, ServiceCredential

from devtools.stack import BACKENDS, Stack
from tests.conftest import Business, client_for

Call = Callable[[grpc.aio.Channel, list[tuple[str, str]]], Awaitable[Any]]


def list_customers(channel: grpc.aio.Channel, metadata: list[tuple[str, str]]) -> Awaitable[Any]:
    stub = customers_pb2_grpc.CustomerServiceStub(channel)
    return stub.ListCustomers(customers_pb2.ListCustomersRequest(), metadata=metadata, timeout=5)


def resolve_business(channel: grpc.aio.Channel, metadata: list[tuple[str, str]]) -> Awaitable[Any]:
    stub = auth_pb2_grpc.BusinessServiceStub(channel)
    return stub.ResolveBusiness(auth_pb2.ResolveBusinessRequest(username="acme"), metadata=metadata, timeout=5)


def list_plans(channel: grpc.aio.Channel, metadata: list[tuple[str, str]]) -> Awaitable[Any]:
    stub = plans_pb2_grpc.PlanServiceStub(channel)
    return stub.ListPlans(plans_pb2.ListPlansRequest(page=1, per_page=10), metadata=metadata, timeout=5)


def list_comments(channel: grpc.aio.Channel, metadata: list[tuple[str, str]]) -> Awaitable[Any]:
    stub = comments_pb2_grpc.CommentServiceStub(channel)
    return stub.ListComments(comments_pb2.ListCommentsRequest(), metadata=metadata, timeout=5)


CALLS: dict[str, Call] = {
    "auth": resolve_business,
    "billing": list_customers,
    "subscriptions": list_plans,
    "comments": list_comments,
}


async def outcome(stack: Stack, service: str, call: Call, metadata: list[tuple[str, str]]) -> tuple[Any, str]:
    """The status code and details of one call made with exactly `metadata` (no stamping client)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.grpc_ports[service]}") as channel:
        try:
            await call(channel, metadata)
        except grpc.aio.AioRpcError as error:
            return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""


def test_forged_tenant_metadata_without_a_credential_learns_nothing(stack: Stack, business: Business) -> None:
    client_for(stack, business).Customer.create(name="Private Co", email="private@example.com")
    forged = [(TENANT_METADATA_KEY, business.id), (PRINCIPAL_METADATA_KEY, "customer:1")]
    wrong = [*ServiceCredential("gateway", stack.tokens["gateway"] + "x").metadata(), *forged]
    impostor = [*ServiceCredential("gateway", stack.tokens["mailer"]).metadata(), *forged]
    refused = (grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE)

    async def check() -> None:
        for service, call in CALLS.items():
            for metadata in (forged, wrong, impostor, [(TENANT_METADATA_KEY, "biz_nobody")]):
                assert await outcome(stack, service, call, metadata) == refused, (service, metadata[0][0])
        # The same call with the gateway's credential does see the business's customer.
        gateway = [*stack.credential("gateway").metadata(), (TENANT_METADATA_KEY, business.id)]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.grpc_ports['billing']}") as channel:
            reply = await list_customers(channel, gateway)
        assert [customer.name for customer in reply.customers] == ["Private Co"]

    asyncio.run(check())


def test_api_keys_are_minted_only_with_the_admin_credential(stack: Stack, business: Business) -> None:
    def issue(metadata: list[tuple[str, str]]) -> Call:
        async def call(channel: grpc.aio.Channel, _: list[tuple[str, str]]) -> Any:
            stub = auth_pb2_grpc.BusinessAdminServiceStub(channel)
            request = auth_pb2.IssueApiKeyRequest(username=business.username)
            return await stub.IssueApiKey(request, metadata=metadata, timeout=5)

        return call

    async def check() -> None:
        nothing = await outcome(stack, "auth", issue([]), [])
        assert nothing == (grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE)
        gateway = await outcome(stack, "auth", issue(list(stack.credential("gateway").metadata())), [])
        assert gateway[0] == grpc.StatusCode.PERMISSION_DENIED  # a known caller of auth, but not an admin
        for caller in ("auth", "mailer"):  # services auth does not even know
            code, _ = await outcome(stack, "auth", issue(list(stack.credential(caller).metadata())), [])
            assert code == grpc.StatusCode.UNAUTHENTICATED, caller
        wrong_admin = list(ServiceCredential(ADMIN, stack.tokens["gateway"]).metadata())
        assert (await outcome(stack, "auth", issue(wrong_admin), []))[0] == grpc.StatusCode.UNAUTHENTICATED
        assert await outcome(stack, "auth", issue(list(stack.admin_credential.metadata())), []) == (
            grpc.StatusCode.OK,
            "",
        )

    asyncio.run(check())


def test_health_answers_every_probe_without_a_credential(stack: Stack) -> None:
    async def check() -> None:
        for service in BACKENDS:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.grpc_ports[service]}") as channel:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, service

    asyncio.run(check())


def outbound_address() -> str | None:
    """This machine's address on its network (no packet is sent), or None without a network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_the_local_run_listens_on_loopback_only(stack: Stack) -> None:
    address = outbound_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to try")
    for port in [*stack.grpc_ports.values(), stack.http_port]:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, port), timeout=2).close()
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
