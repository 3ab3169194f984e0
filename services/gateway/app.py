"""The gateway: maps hosts to businesses, serves the portal's pages and the business JSON API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from portal_kit.errors import DomainError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway.api import (
    api_keys,
    card_payments,
    comments,
    customers,
    docs,
    errors,
    estimates,
    events,
    invoices,
    payments,
    portal_access,
    sign_up_pages,
    subscription_settings,
    subscriptions,
)
from services.gateway.api.idempotency import IdempotencyMiddleware
from services.gateway.backends import Backends
from services.gateway.body_limit import BodyLimitMiddleware
from services.gateway.caches import ActivityReporter, RevocationListener
from services.gateway.deps import backends_of
from services.gateway.observability import ObservabilityMiddleware, Readiness
from services.gateway.portal import account, documents, pages, receipts, sign_up, signin, stripe_webhooks, wallet
from services.gateway.portal import estimates as estimate_pages
from services.gateway.portal import payments as portal_payments
from services.gateway.portal import subscriptions as subscription_pages
from services.gateway.portal.sessions import FullSignInRequired, SignInRequired, to_sign_in
from services.gateway.portal.web_security import FormExpired
from services.gateway.settings import GatewaySettings
from services.gateway.tenancy import Site, Tenancy

log = logging.getLogger("gateway")
ESSENTIAL_BACKENDS = ("auth", "billing")  # every portal page and API call needs both
HOST_FREE_PATHS = ("/healthz", "/readyz", "/static/", "/webhooks/")  # webhooks name their business in the path
TOKEN_PATHS = (
    "/sign-in/",
    "/login/",
    "/invoices/",
    "/estimates/",
    "/update-card/",
    "/pages/",
    "/sign_up/",
    "/subscriptions/",
)  # a bearer token follows


def loggable_path(path: str) -> str:
    """The request path with bearer tokens cut out, for logs."""
    for prefix in TOKEN_PATHS:
        if path.startswith(prefix) and path not in ("/sign-in/check", "/sign-in/code"):
            rest = path[len(prefix) :].split("/", 1)
            return prefix + "[token]" + ("/" + rest[1] if len(rest) > 1 else "")
    return path


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def _host(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            return value.decode("latin-1")
    return ""


class SiteMiddleware:
    """Every request is for the base site or for one business's portal; an unknown subdomain is a 404.

    Pure ASGI (no BaseHTTPMiddleware: no extra task and stream per request); `request.state.site` lives in the
    ASGI scope, so the routes below see it. It reads the path and the Host header straight from the scope: a
    Request (and its parsed URL) is made only for a refusal."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = await self.refusal(scope, receive)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def refusal(self, scope: Scope, receive: Receive) -> Response | None:
        """Sets the request's site; the answer when the request goes no further, else None."""
        state = scope.setdefault("state", {})
        path: str = scope["path"]
        if path.startswith(HOST_FREE_PATHS):
            state["site"] = Site(None)
            return None
        tenancy = cast(Tenancy, scope["app"].state.tenancy)
        username = tenancy.username_of(_host(scope))
        api = path == "/api" or path.startswith("/api/")
        if username is None:
            state["site"] = Site(None)
            if path != "/" and not api:
                return pages.not_found(
                    Request(scope, receive), "Open your billing portal at your business's own address."
                )
            return None
        try:
            business = await tenancy.business_for(username)
        except DomainError as error:
            return errors.domain_error_response(error) if api else pages.error_page(Request(scope, receive), error)
        state["site"] = Site(business)
        if business is None:
            if api:
                return errors.error_response(404, "There is no billing portal at this address.")
            return pages.not_found(Request(scope, receive), "There is no billing portal at this address.")
        if api:
            base = cast(GatewaySettings, scope["app"].state.settings).base_url()
            return errors.error_response(404, f"The business API is served at {base}/api, not on portal addresses.")
        return None


def create_app(settings: GatewaySettings, backends: Backends | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        used = backends or Backends(settings)
        app.state.backends = used
        app.state.tenancy = Tenancy(used, settings.base_domain)
        tasks = []
        if settings.kafka_bootstrap and settings.gateway_cache_seconds > 0:
            app.state.revocations = RevocationListener(
                settings.kafka_bootstrap, used.caches, app.state.tenancy.forget_business
            )

            async def record(business_id: str, sessions: dict[str, float]) -> None:
                await used.auth(business_id).record_activity(sessions)

            app.state.activity = ActivityReporter(used.caches, record)
            tasks = [asyncio.create_task(app.state.revocations.run()), asyncio.create_task(app.state.activity.run())]
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if tasks:
            await app.state.activity.report()  # what the copies saw since the last report
        if backends is None:
            await used.close()

    # FastAPI's own telemetry stays off: ObservabilityMiddleware makes the spans and metrics (FastAPI's would
    # duplicate them, and it asks OpenTelemetry for its providers on every request to find out it has none).
    app = FastAPI(
        title="Billing Portal", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json", lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )  # fmt: skip
    app.state.settings = settings
    app.state.readiness = Readiness()  # `app.state.readiness.drain()` on SIGTERM: /readyz answers 503 from then on
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "portal" / "static")), name="static")
    # Routes are matched one by one in this order (148 of them, a few microseconds each), and no two routers
    # answer the same path: the busiest come first. The account home and invoice pages, then document links, then
    # the business API (invoice creation first), then the rest of the portal.
    app.include_router(account.router, include_in_schema=False)
    app.include_router(documents.router, include_in_schema=False)
    app.include_router(invoices.router, prefix="/api")
    app.include_router(customers.router, prefix="/api")
    app.include_router(estimates.router, prefix="/api")
    app.include_router(payments.router, prefix="/api")
    app.include_router(subscriptions.router, prefix="/api")
    app.include_router(events.router, prefix="/api")
    app.include_router(portal_access.router, prefix="/api")
    app.include_router(comments.router, prefix="/api")
    app.include_router(card_payments.router, prefix="/api")
    app.include_router(sign_up_pages.router, prefix="/api")
    app.include_router(subscription_settings.router, prefix="/api")
    app.include_router(api_keys.router, prefix="/api")
    app.include_router(signin.router, include_in_schema=False)
    app.include_router(wallet.router, include_in_schema=False)
    app.include_router(portal_payments.router, include_in_schema=False)
    app.include_router(receipts.router, include_in_schema=False)
    app.include_router(estimate_pages.router, include_in_schema=False)
    app.include_router(subscription_pages.router, include_in_schema=False)
    app.include_router(sign_up.router, include_in_schema=False)
    app.include_router(stripe_webhooks.router, include_in_schema=False)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(SiteMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(ObservabilityMiddleware)
    errors.install(app)
    docs.install(app)

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> Response:
        if is_api(request):
            return errors.domain_error_response(error)
        return pages.error_page(request, error)

    @app.exception_handler(SignInRequired)
    async def on_sign_in_required(request: Request, error: SignInRequired) -> Response:
        return to_sign_in(error.return_to)

    @app.exception_handler(FullSignInRequired)
    async def on_full_sign_in_required(request: Request, error: FullSignInRequired) -> Response:
        if getattr(request.state, "visitor", None) is None:
            return to_sign_in(None)
        return pages.render(request, "full_sign_in.html", {"return_to": error.return_to or ""}, status=403)

    @app.exception_handler(FormExpired)
    async def on_form_expired(request: Request, error: FormExpired) -> Response:
        return pages.form_expired(request)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_api(request):
            message = "No such API endpoint." if error.status_code == 404 else str(error.detail)
            return errors.error_response(error.status_code, message, getattr(error, "param", None))
        if error.status_code == 404:
            return pages.not_found(request)
        return pages.error_page(request, None, status=error.status_code, message=str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, error: RequestValidationError) -> Response:
        if not is_api(request):
            return pages.not_found(request)
        return errors.validation_error_response(error.errors())

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> Response:
        log.exception("unhandled error", extra={"path": loggable_path(request.url.path)})
        if is_api(request):
            return errors.error_response(500, "Something went wrong on our side.")
        return pages.error_page(request, None, status=500, message="Something went wrong on our side.")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        """Liveness: the process answers. It asks no backend, so a backend outage never restarts gateways."""
        return JSONResponse({"status": "alive"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: this gateway is not draining, and the backends every page needs (auth, billing) answer their
        health checks. Comments or subscriptions being down degrades some pages but must not take every gateway out
        of the load balancer; their state is still reported."""
        if cast(Readiness, request.app.state.readiness).draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        status = await backends_of(request).health()
        ready = all(status.get(name, False) for name in ESSENTIAL_BACKENDS)
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "backends": status}, status_code=200 if ready else 503
        )

    return app
