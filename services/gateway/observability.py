"""Every HTTP request's metrics (by route template, never the raw path) and its trace span; the readiness flag.

Pure ASGI, the outermost layer: it sees every answer, those of the other middleware included.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import routing
from opentelemetry.trace import SpanKind
from portal_kit import metrics, tracing
from portal_kit.context import current_tenant_or_none
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNROUTED = "(unrouted)"  # answered before routing (unknown host, body too large) or by no route at all
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_EFFECTIVE_ROUTE = getattr(routing, "_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY", "effective_route_context")
PROBE_PATHS = frozenset({"/healthz", "/readyz"})  # not traced: probes would drown the traces


def route_of(scope: Scope) -> str:
    """The template of the route that answered (`/api/invoices/{invoice_id}`), as the routers left it in the scope:
    FastAPI's effective route (an included router's prefix included), else Starlette's route (mounts)."""
    effective = scope.get("fastapi", {}).get(_EFFECTIVE_ROUTE)
    path = getattr(effective, "path_format", None) or getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNROUTED


def _propagation_headers(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        if name in (b"traceparent", b"tracestate"):
            text = tracing.header_value(value)
            if text is not None:
                found[name.decode()] = text
    return found


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        status = 0  # no answer started: counted as an error

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            if tracing.active() and scope["path"] not in PROBE_PATHS:
                await self._traced(scope, receive, sending, method, lambda: status)
            else:
                await self.app(scope, receive, sending)
        except Exception:
            status = status or 500  # Starlette's outermost layer answers an unhandled error with a 500
            raise
        finally:
            route = route_of(scope)
            metrics.http_duration(method, route).observe(time.perf_counter() - started)
            metrics.http_requests(method, route, str(status) if status else "none").inc()
            if status >= 500 or status == 0:
                metrics.http_errors(method, route).inc()

    async def _traced(self, scope: Scope, receive: Receive, send: Send, method: str, status: Callable[[], int]) -> None:
        attributes = {"http.request.method": method, "url.scheme": scope.get("scheme", "http")}
        with tracing.span(method, SpanKind.SERVER, _propagation_headers(scope), attributes) as span:
            try:
                await self.app(scope, receive, send)
            finally:
                route = route_of(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                code = status()
                if code:
                    span.set_attribute("http.response.status_code", code)
                if code >= 500:
                    tracing.mark_error(span, f"HTTP {code}")
                if tenant := current_tenant_or_none() or _site_tenant(scope):
                    span.set_attribute("portal.tenant_id", tenant)


def _site_tenant(scope: Scope) -> str | None:
    site = scope.get("state", {}).get("site")
    business = getattr(site, "business", None)
    tenant = getattr(business, "id", None)
    return tenant if isinstance(tenant, str) else None


@dataclass
class Readiness:
    """Whether this gateway should get new requests. `drain()` (on SIGTERM) makes `/readyz` answer 503 at once,
    so the load balancer stops sending requests while those in flight finish."""

    draining: bool = False

    def drain(self) -> None:
        self.draining = True
