"""What observability costs per call, in-process: a gRPC round trip through the kit's client and server
interceptors, and the gateway's ASGI middleware around a trivial app, with tracing off and on.

    .venv/bin/python scripts/bench_observability.py            # 3 rounds of 3,000 calls and 30,000 requests

Prints CPU microseconds per call (median of the rounds). "bare" is the same call without the kit's interceptors (gRPC)
or without the middleware (ASGI), so the differences are what metrics and traces add. With tracing on, spans go to
an in-memory exporter that is emptied between rounds (export itself is off the request path: batched in production).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

import grpc  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc  # noqa: E402
from portal_kit import grpc_client, tracing  # noqa: E402
from portal_kit.context import bound  # noqa: E402
from portal_kit.grpc_server import GrpcServer, Registration  # noqa: E402
from portal_kit.service_auth import ServiceCredential, ServiceTrust, generate_tokens  # noqa: E402

from services.gateway.observability import ObservabilityMiddleware  # noqa: E402

TOKENS = generate_tokens()
SERVICE = "portal.subscriptions.v1.PlanService"


class Plans(plans_pb2_grpc.PlanServiceServicer):
    async def GetPlan(self, request, context):  # type: ignore[no-untyped-def]  # noqa: N802 - generated name
        return plans_pb2.GetPlanResponse(plan=plans_pb2.Plan(id=request.id))


async def per_call(call: Callable[[], Awaitable[object]], count: int) -> float:
    """CPU microseconds per call (this process: client and server both), calls made one after another. CPU
    time, not wall time: on a shared machine other processes' load does not count."""
    started = time.process_time()
    for _ in range(count):
        await call()
    return (time.process_time() - started) / count * 1e6


async def grpc_round_trips(count: int, exporter: InMemorySpanExporter | None) -> dict[str, float]:
    kit = GrpcServer([Registration(SERVICE, plans_pb2_grpc.add_PlanServiceServicer_to_server, Plans())], 0,
                     trust=ServiceTrust.of("subscriptions", TOKENS), host="127.0.0.1")  # fmt: skip
    bare = grpc.aio.server()
    plans_pb2_grpc.add_PlanServiceServicer_to_server(Plans(), bare)
    bare_port = bare.add_insecure_port("127.0.0.1:0")
    await kit.start()
    await bare.start()
    kit_channel = grpc_client.channel(
        f"127.0.0.1:{kit.port}", credential=ServiceCredential("gateway", TOKENS["gateway"])
    )
    bare_channel = grpc.aio.insecure_channel(f"127.0.0.1:{bare_port}")
    request = plans_pb2.GetPlanRequest(id="p1")
    try:
        kit_stub, bare_stub = plans_pb2_grpc.PlanServiceStub(kit_channel), plans_pb2_grpc.PlanServiceStub(bare_channel)
        for stub in (kit_stub, bare_stub):  # warm up
            with bound("tenant-a"):
                await per_call(lambda s=stub: s.GetPlan(request, timeout=5), 200)
        results: dict[str, list[float]] = {"bare": [], "kit": []}
        for _ in range(3):
            results["bare"].append(await per_call(lambda: bare_stub.GetPlan(request, timeout=5), count))
            with bound("tenant-a"):
                if exporter is not None:
                    with tracing.span("request"):
                        results["kit"].append(await per_call(lambda: kit_stub.GetPlan(request), count))
                    exporter.clear()
                else:
                    results["kit"].append(await per_call(lambda: kit_stub.GetPlan(request), count))
        return {name: statistics.median(values) for name, values in results.items()}
    finally:
        await kit_channel.close()
        await bare_channel.close()
        await kit.stop(0)
        await bare.stop(0)


async def asgi_requests(count: int, exporter: InMemorySpanExporter | None) -> dict[str, float]:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]  # a trivial ASGI app
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request", "body": b""}

    async def send(message):  # type: ignore[no-untyped-def]
        return None

    wrapped = ObservabilityMiddleware(app)

    def scope() -> dict[str, object]:
        return {"type": "http", "method": "GET", "path": "/invoices/12", "headers": [], "scheme": "http"}

    results: dict[str, list[float]] = {"bare": [], "middleware": []}
    for _ in range(3):
        results["bare"].append(await per_call(lambda: app(scope(), receive, send), count))
        results["middleware"].append(await per_call(lambda: wrapped(scope(), receive, send), count))
        if exporter is not None:
            exporter.clear()
    return {name: statistics.median(values) for name, values in results.items()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=30000)
    args = parser.parse_args()
    for label in ("off", "on"):
        exporter = None
        if label == "on":
            exporter = InMemorySpanExporter()
            tracing.configure("bench", exporter=exporter)
        rpc = await grpc_round_trips(args.calls, exporter)
        http = await asgi_requests(args.requests, exporter)
        print(
            f"tracing {label:3}: gRPC round trip bare {rpc['bare']:7.1f} µs, through the kit {rpc['kit']:7.1f} µs "
            f"(+{rpc['kit'] - rpc['bare']:.1f}); ASGI bare {http['bare']:5.2f} µs, with the middleware "
            f"{http['middleware']:5.2f} µs (+{http['middleware'] - http['bare']:.2f})",
            flush=True,
        )
    tracing.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
