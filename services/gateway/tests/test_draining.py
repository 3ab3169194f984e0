"""SIGTERM on the gateway: readiness goes false at once, and uvicorn is told to stop (after the requests in flight)."""

from __future__ import annotations

import signal

import uvicorn
from fastapi.testclient import TestClient

from services.gateway.app import create_app
from services.gateway.draining import GatewayServer
from services.gateway.settings import GatewaySettings


def test_readyz_turns_false_when_sigterm_arrives() -> None:
    app = create_app(GatewaySettings())
    server = GatewayServer(uvicorn.Config(app), app.state.draining)
    client = TestClient(app)  # no lifespan: readiness needs no backend call
    assert client.get("/readyz", headers={"host": "acme.localhost"}).status_code == 200
    server.handle_exit(signal.SIGTERM, None)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"ready": False, "draining": True}
    assert server.should_exit
