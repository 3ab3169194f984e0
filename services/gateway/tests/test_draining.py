"""SIGTERM on the gateway: readiness goes false at once, and uvicorn is told to stop (after the requests in flight)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import grpc
import httpx
import uvicorn
from fastapi.testclient import TestClient
from portal.auth.v1 import auth_pb2, auth_pb2_grpc
from portal_kit.grpc_server import GrpcServer, Registration
from portal_kit.service_auth import ServiceTrust, env_for, generate_tokens

from devtools.localservers import free_port
from services.gateway.app import create_app
from services.gateway.draining import GatewayServer
from services.gateway.settings import GatewaySettings

REPO = Path(__file__).resolve().parents[3]


def test_readyz_turns_false_when_sigterm_arrives() -> None:
    app = create_app(GatewaySettings())
    server = GatewayServer(uvicorn.Config(app), app.state.readiness)
    client = TestClient(app)  # no lifespan: a draining gateway answers /readyz without asking any backend
    assert not app.state.readiness.draining
    server.handle_exit(signal.SIGTERM, None)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "draining"}
    assert server.should_exit


class SlowAuth(auth_pb2_grpc.BusinessServiceServicer):
    """Takes a second and a half to say that no business has this name."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()

    async def ResolveBusiness(  # noqa: N802 - generated gRPC method name
        self, request: auth_pb2.ResolveBusinessRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ResolveBusinessResponse:
        self.asked.set()
        await asyncio.sleep(1.5)
        await context.abort(grpc.StatusCode.NOT_FOUND, "No such business.")
        raise AssertionError("abort raises")


async def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(tmp_path: Path) -> None:
    tokens = generate_tokens()
    servicer = SlowAuth()  # type: ignore[abstract]  # partial fake: other RPCs answer UNIMPLEMENTED
    registration = Registration(
        "portal.auth.v1.BusinessService", auth_pb2_grpc.add_BusinessServiceServicer_to_server, servicer
    )
    auth = GrpcServer([registration], 0, trust=ServiceTrust.of("auth", tokens), host="127.0.0.1")
    await auth.start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'libs'}",
        PORTAL_HTTP_HOST="127.0.0.1",
        PORTAL_HTTP_PORT=str(port),
        PORTAL_AUTH_ADDR=f"127.0.0.1:{auth.port}",
        PORTAL_SHUTDOWN_GRACE_SECONDS="10",
        **env_for("gateway", tokens),
    )
    log = tmp_path / "gateway.log"
    with log.open("wb") as out:
        gateway = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.gateway", cwd=REPO, env=env, stdout=out, stderr=out
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            async with asyncio.timeout(60):
                while True:  # listening (readiness would also need every backend, and only auth is here)
                    try:
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
            page = asyncio.create_task(client.get("/", headers={"host": "nobody.localhost"}))
            await asyncio.wait_for(servicer.asked.wait(), 10)  # the request is inside the gateway, waiting on auth
            gateway.send_signal(signal.SIGTERM)
            answer = await page
        assert answer.status_code == 404
        assert "There is no billing portal at this address." in answer.text
        assert await asyncio.wait_for(gateway.wait(), 20) == 0, log.read_text()
    finally:
        if gateway.returncode is None:
            gateway.kill()
            await gateway.wait()
        await auth.stop(0)
