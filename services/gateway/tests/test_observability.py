"""The gateway's HTTP metrics (by route template), its request spans, and its probes: liveness answers alone,
readiness asks the backends and goes false while draining."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from portal_kit import tracing
from prometheus_client import REGISTRY

from services.gateway.app import create_app
from services.gateway.caches import GatewayCaches
from services.gateway.observability import Readiness
from services.gateway.settings import GatewaySettings
from services.gateway.tenancy import Tenancy

BACKEND_NAMES = ("auth", "billing", "subscriptions", "comments")


class FakeBackends:
    """What the probes use (the backends' health), and an auth client that no request here gets to call."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.caches = GatewayCaches(0)

    async def health(self) -> dict[str, bool]:
        return {name: name not in self.down for name in BACKEND_NAMES}

    def auth(self, tenant: str | None) -> FakeBackends:
        return self

    async def authenticate_api_key(self, api_key: str) -> None:
        raise AssertionError("requests without an API key are refused before auth is asked")


@pytest.fixture
def backends() -> FakeBackends:
    return FakeBackends()


@pytest.fixture
def app(backends: FakeBackends) -> FastAPI:
    app = create_app(GatewaySettings.load(), backends)  # type: ignore[arg-type]  # a stand-in for Backends
    app.state.backends = backends  # what the lifespan sets (httpx's ASGI transport runs no lifespan)
    app.state.tenancy = Tenancy(backends, "localhost")  # type: ignore[arg-type]
    return app


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure("gateway", exporter=exporter)
    yield exporter
    tracing.shutdown()


def http(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost")


def requests(method: str, route: str, status: str) -> float:
    found = REGISTRY.get_sample_value(
        "portal_http_requests_total", {"method": method, "route": route, "status": status}
    )
    return found or 0.0


def durations(method: str, route: str) -> float:
    found = REGISTRY.get_sample_value("portal_http_request_duration_seconds_count", {"method": method, "route": route})
    return found or 0.0


async def test_requests_are_counted_by_route_template_never_by_raw_path(app: FastAPI) -> None:
    template = "/api/invoices/{invoice_id}"
    before = requests("GET", template, "401"), durations("GET", template), requests("GET", "(unrouted)", "404")
    async with http(app) as client:
        assert (await client.get("/api/invoices/12345")).status_code == 401
        assert (await client.get("/api/invoices/67890")).status_code == 401
        assert (await client.get("/no/such/page/9")).status_code == 404
    after = requests("GET", template, "401"), durations("GET", template), requests("GET", "(unrouted)", "404")
    assert after == (before[0] + 2, before[1] + 2, before[2] + 1)
    routes = {s.labels["route"] for f in REGISTRY.collect() for s in f.samples if "route" in s.labels}
    assert not any(route.endswith(("12345", "67890", "/9")) for route in routes)


async def test_an_unexpected_method_is_one_label(app: FastAPI) -> None:
    before = requests("OTHER", "(unrouted)", "404")
    async with http(app) as client:
        await client.request("BREW", "/coffee")
    assert requests("OTHER", "(unrouted)", "404") == before + 1


async def test_a_request_is_a_server_span_named_by_its_route_continuing_the_callers_trace(
    app: FastAPI, exported: InMemorySpanExporter
) -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with http(app) as client:
        await client.get("/api/invoices/12345", headers={"traceparent": parent})
        await client.get("/healthz")
    [span] = exported.get_finished_spans()  # probes are not traced
    assert span.name == "GET /api/invoices/{invoice_id}" and span.kind == SpanKind.SERVER
    assert span.attributes is not None and span.attributes["http.response.status_code"] == 401
    assert span.attributes["http.route"] == "/api/invoices/{invoice_id}"
    assert f"{span.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "b7ad6b7169203331"


async def test_liveness_asks_no_backend(app: FastAPI, backends: FakeBackends) -> None:
    backends.down = set(BACKEND_NAMES)
    async with http(app) as client:
        reply = await client.get("/healthz")
    assert (reply.status_code, reply.json()) == (200, {"status": "alive"})


async def test_readiness_needs_auth_and_billing(app: FastAPI, backends: FakeBackends) -> None:
    async with http(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        for essential in ("auth", "billing"):
            backends.down = {essential}
            reply = await client.get("/readyz")
            assert reply.status_code == 503
            expected = {name: name != essential for name in BACKEND_NAMES}
            assert reply.json() == {"status": "unavailable", "backends": expected}


async def test_readiness_survives_an_optional_backend_outage(app: FastAPI, backends: FakeBackends) -> None:
    """Comments or subscriptions down degrade a section of some pages; the gateway keeps serving the rest."""
    backends.down = {"comments", "subscriptions"}
    async with http(app) as client:
        reply = await client.get("/readyz")
    assert reply.status_code == 200
    assert reply.json()["backends"] == {name: name in ("auth", "billing") for name in BACKEND_NAMES}


async def test_readiness_goes_false_while_draining(app: FastAPI) -> None:
    readiness: Readiness = app.state.readiness
    async with http(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        readiness.drain()
        reply = await client.get("/readyz")
        assert (reply.status_code, reply.json()) == (503, {"status": "draining"})
        assert (await client.get("/healthz")).status_code == 200  # still alive: in-flight requests finish
