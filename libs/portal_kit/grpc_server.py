"""A grpc.aio server: service credentials checked on every call, the standard health service (open to probes),
reflection in development only, and a graceful SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from portal_kit.db import Database
from portal_kit.grpc_interceptors import ContextAndErrorsInterceptor, development_open_services
from portal_kit.service_auth import ServiceTrust

log = logging.getLogger("portal_kit.grpc")


@dataclass(frozen=True)
class Registration:
    """One gRPC service: its full name (`portal.billing.v1.BillingService`), the add_*_to_server function and servicer."""

    name: str
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    servicer: Any


class GenericHandlersOnly:
    """What the generated `add_*_to_server` functions see of the server: they add each service twice, as a generic
    handler and as "registered methods"; only the generic handler is kept.

    grpc.aio (1.85) waits for a call on every registered method with a task of its own, and after each call it
    hands all of them to one `asyncio.wait` again: with billing's ~90 methods that costs hundreds of microseconds
    of CPU on every call. Generic handlers answer the same calls with one task waiting for all of them."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self.server = server

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self.server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service_name: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        """Dropped: the same handlers were just added as a generic handler."""


class GrpcServer:
    def __init__(
        self,
        registrations: Sequence[Registration],
        port: int,
        *,
        trust: ServiceTrust,
        host: str = "0.0.0.0",
        reflection_enabled: bool = False,
        replays: Database | None = None,
    ) -> None:
        self.registrations = registrations
        interceptor = ContextAndErrorsInterceptor(trust, development_open_services(reflection_enabled), replays)
        self.server = grpc.aio.server(interceptors=[interceptor], options=[("grpc.so_reuseport", 0)])
        self.health = health.aio.HealthServicer()
        generic_only = GenericHandlersOnly(self.server)
        for registration in registrations:
            registration.add_to_server(registration.servicer, generic_only)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, generic_only)
        if reflection_enabled:
            names = [r.name for r in registrations]
            reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], generic_only)
        try:
            self.port = self.server.add_insecure_port(f"{host}:{port}")
        except RuntimeError as taken:
            raise SystemExit(f"Port {port} is already in use: cannot start the gRPC server.") from taken

    async def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        await self.health.set("", status)
        for registration in self.registrations:
            await self.health.set(registration.name, status)

    async def start(self) -> None:
        await self.server.start()
        await self.set_serving(True)
        log.info("grpc server started", extra={"port": self.port})

    async def stop(self, grace: float = 5.0) -> None:
        """NOT_SERVING first so load balancers drain us, then stop with a grace period for calls in flight."""
        await self.set_serving(False)
        await self.server.stop(grace)
        log.info("grpc server stopped")


@dataclass(frozen=True)
class Worker:
    """A background loop that, when asked by `stop`, finishes the work in hand and returns from `run`."""

    run: Callable[[], Coroutine[Any, Any, None]]
    stop: Callable[[], None]


Background = Callable[[], Coroutine[Any, Any, None]] | Worker


async def run_until_signal(
    server: GrpcServer,
    background: Sequence[Background] = (),
    on_stop: Callable[[], Awaitable[None]] | None = None,
    grace: float = 20.0,
) -> None:
    """Starts the server and background loops; SIGTERM or SIGINT stops them gracefully (`shutdown`)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    tasks = [(item, asyncio.create_task(item.run() if isinstance(item, Worker) else item())) for item in background]
    try:
        await stop.wait()
        log.info("stop requested; draining", extra={"grace_seconds": grace})
    finally:
        await shutdown(server, tasks, grace, on_stop)


async def shutdown(
    server: GrpcServer,
    tasks: Sequence[tuple[Background, asyncio.Task[None]]],
    grace: float,
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Within `grace` seconds in all: NOT_SERVING and no new RPCs, the RPCs in flight finish; then each Worker,
    in the reverse order of `background` (so the outbox relay, listed first, flushes what the others wrote), is
    asked to stop and awaited; whatever is still running at the deadline, and every plain loop, is cancelled."""
    deadline = asyncio.get_running_loop().time() + grace
    await server.stop(grace)
    for item, task in reversed(tasks):
        if not isinstance(item, Worker) or task.done():
            continue
        item.stop()
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining > 0:
            await asyncio.wait([task], timeout=remaining)
        if not task.done():
            log.warning("background work did not finish within the grace period", extra={"grace_seconds": grace})
    for _item, task in tasks:
        task.cancel()
    await asyncio.gather(*(task for _item, task in tasks), return_exceptions=True)
    if on_stop is not None:
        await on_stop()
    log.info("stopped")
