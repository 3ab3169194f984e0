"""Server side: the caller's credential first; then metadata → tenant/principal context; domain errors → gRPC status.

Nothing in a call's metadata is read before its credential checks out (portal_kit.service_auth).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import grpc
from opentelemetry.trace import SpanKind

from portal_kit import metrics, replays, tracing
from portal_kit.context import (
    PARAM_METADATA_KEY,
    PRINCIPAL_METADATA_KEY,
    TENANT_METADATA_KEY,
    bound,
    deadline_in,
    encode_param,
)
from portal_kit.db import Database
from portal_kit.errors import DomainError
from portal_kit.idempotency import claim_from_metadata
from portal_kit.service_auth import OPEN_SERVICES, REFLECTION_SERVICE, Refused, ServiceTrust

log = logging.getLogger("portal_kit.grpc")
# Codes that say the callee or the way to it failed (what an operator is paged for); others are answers.
FAULT_CODES = frozenset(
    {
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.DATA_LOSS,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


def service_of(method: str) -> str:
    """`/portal.auth.v1.BusinessService/Get` → `portal.auth.v1.BusinessService`."""
    return method.lstrip("/").split("/", 1)[0]


def refusing_handler(handler: grpc.RpcMethodHandler, refused: Refused) -> grpc.RpcMethodHandler:
    """A handler of the same shape as `handler` that answers every call with the refusal."""

    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(refused.code, refused.message)

    kwargs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(refuse, **kwargs)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(refuse, **kwargs)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(refuse, **kwargs)
    return grpc.stream_stream_rpc_method_handler(refuse, **kwargs)


class ContextAndErrorsInterceptor(grpc.aio.ServerInterceptor):
    """`replays`: the database keyed calls run in, their replies kept with their writes (portal_kit.replays)."""

    def __init__(
        self, trust: ServiceTrust, open_services: frozenset[str] = OPEN_SERVICES, replays: Database | None = None
    ) -> None:
        self.trust = trust
        self.open_services = open_services
        self.replays = replays

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        method: str = details.method  # type: ignore[attr-defined]  # grpc's stubs omit HandlerCallDetails fields
        service = service_of(method)
        if service in self.open_services:
            return handler
        metadata = dict(details.invocation_metadata or ())  # type: ignore[attr-defined]  # as `method` above
        try:
            caller = self.trust.authenticate(metadata, service)
        except Refused as refused:
            record_served(method, refused.code, 0.0)
            log.warning("call refused", extra={"method": method, "reason": refused.reason,
                                               "caller": str(metadata.get("x-portal-caller", ""))[:40]})  # fmt: skip
            return refusing_handler(handler, refused)
        if handler.unary_unary is None:
            return handler
        tenant = metadata.get(TENANT_METADATA_KEY)
        principal = metadata.get(PRINCIPAL_METADATA_KEY)
        inner = handler.unary_unary
        serialize = handler.response_serializer
        replays_db = self.replays

        async def answer(request: Any, context: grpc.aio.ServicerContext, outcome: Outcome) -> Any:
            try:
                claim = claim_from_metadata(metadata) if replays_db is not None and tenant else None
                if claim is None or replays_db is None:
                    return await inner(request, context)
                return await replays.run_once(
                    replays_db, claim, method, lambda: inner(request, context), context.set_trailing_metadata
                )
            except DomainError as error:
                outcome.code = error.code
                if error.param:
                    context.set_trailing_metadata(((PARAM_METADATA_KEY, encode_param(error.param)),))
                await context.abort(error.code, error.message)
            except grpc.aio.AbortError:
                outcome.code = _aborted_code(context)
                raise
            except Exception:
                outcome.code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error in rpc", extra={"method": method, "caller": caller})
                await context.abort(grpc.StatusCode.INTERNAL, "Something went wrong on our side.")

        async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
            outcome = Outcome()
            started = time.perf_counter()
            with bound(tenant, principal), deadline_in(context.time_remaining()):
                try:
                    if not tracing.active():
                        return await answer(request, context, outcome)
                    attributes = rpc_attributes(method)
                    with tracing.span(method.lstrip("/"), SpanKind.SERVER, metadata, attributes, False) as span:
                        if tenant:
                            span.set_attribute("portal.tenant_id", tenant)
                        try:
                            return await answer(request, context, outcome)
                        finally:
                            span.set_attribute("rpc.grpc.status_code", outcome.code.value[0])
                            if outcome.code in FAULT_CODES:
                                tracing.mark_error(span, outcome.code.name)
                except asyncio.CancelledError:
                    outcome.code = grpc.StatusCode.CANCELLED
                    raise
                finally:
                    record_served(method, outcome.code, time.perf_counter() - started)

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=lambda reply: reply if isinstance(reply, bytes) else serialize(reply),
        )


class Outcome:
    """The status code a call ends with, as the interceptor learns it."""

    __slots__ = ("code",)

    def __init__(self) -> None:
        self.code = grpc.StatusCode.OK


def _aborted_code(context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    return next((status for status in grpc.StatusCode if status.value[0] == code), grpc.StatusCode.UNKNOWN)


def rpc_attributes(method: str) -> Mapping[str, str]:
    service, _, name = method.lstrip("/").partition("/")
    return {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name}


def record_served(method: str, code: grpc.StatusCode, seconds: float) -> None:
    metrics.rpc_server_requests(method, code.name).inc()
    if seconds:
        metrics.rpc_server_duration(method).observe(seconds)
    if code in FAULT_CODES:
        metrics.rpc_server_errors(method).inc()


def development_open_services(reflection: bool) -> frozenset[str]:
    """Health always; reflection too when it is on (development only), so grpcurl can list the services."""
    return OPEN_SERVICES | {REFLECTION_SERVICE} if reflection else OPEN_SERVICES
