"""The gateway's view of the backends: one channel each, typed stubs, tenant-stamped calls with deadlines."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from portal.auth.v1 import auth_pb2_grpc
from portal.billing.v1 import customers_pb2_grpc, invoices_pb2_grpc
from portal.comments.v1 import comments_pb2_grpc
from portal.subscriptions.v1 import plans_pb2_grpc
from portal_kit import grpc_client
from portal_kit.context import bound

from services.gateway.settings import GatewaySettings

T = TypeVar("T")


class Backends:
    def __init__(self, settings: GatewaySettings) -> None:
        deadline = settings.backend_deadline
        self.channels = {
            "auth": grpc_client.channel(settings.auth_addr, deadline),
            "billing": grpc_client.channel(settings.billing_addr, deadline),
            "subscriptions": grpc_client.channel(settings.subscriptions_addr, deadline),
            "comments": grpc_client.channel(settings.comments_addr, deadline),
        }
        self.businesses = auth_pb2_grpc.BusinessServiceStub(self.channels["auth"])
        self.idempotency = auth_pb2_grpc.IdempotencyServiceStub(self.channels["auth"])
        self.sign_in = auth_pb2_grpc.SignInServiceStub(self.channels["auth"])
        self.sessions = auth_pb2_grpc.SessionServiceStub(self.channels["auth"])
        self.portal_settings = auth_pb2_grpc.PortalSettingsServiceStub(self.channels["auth"])
        self.customers = customers_pb2_grpc.CustomerServiceStub(self.channels["billing"])
        self.invoices = invoices_pb2_grpc.InvoiceServiceStub(self.channels["billing"])
        self.plans = plans_pb2_grpc.PlanServiceStub(self.channels["subscriptions"])
        self.comments = comments_pb2_grpc.CommentServiceStub(self.channels["comments"])

    async def call(self, method: Callable[..., Awaitable[T]], request: Any, tenant: str | None = None) -> T:
        """One backend call on behalf of a tenant; failures come back as domain errors."""
        with bound(tenant):
            try:
                return await method(request)
            except grpc.aio.AioRpcError as error:
                raise grpc_client.domain_error(error) from None

    async def health(self) -> dict[str, bool]:
        """Asks every backend at once (each call has its own deadline)."""

        async def check(channel: grpc.aio.Channel) -> bool:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1.0)
            except grpc.aio.AioRpcError:
                return False
            return reply.status == health_pb2.HealthCheckResponse.SERVING

        names = list(self.channels)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(check(self.channels[name])) for name in names]
        return {name: task.result() for name, task in zip(names, tasks, strict=True)}

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self.channels.values()))
