"""Server side: the caller's credential first; then metadata → tenant/principal context; domain errors → gRPC status.

Nothing in a call's metadata is read before its credential checks out (portal_kit.service_auth).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from portal_kit import replays
from portal_kit.context import (
    PARAM_METADATA_KEY,
    PRINCIPAL_METADATA_KEY,
    TENANT_METADATA_KEY,
    bound,
    encode_param,
)
from portal_kit.db import Database
from portal_kit.errors import DomainError
from portal_kit.idempotency import claim_from_metadata
from portal_kit.service_auth import OPEN_SERVICES, REFLECTION_SERVICE, Refused, ServiceTrust

log = logging.getLogger("portal_kit.grpc")


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

        async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
            with bound(tenant, principal):
                try:
                    claim = claim_from_metadata(metadata) if replays_db is not None and tenant else None
                    if claim is None or replays_db is None:
                        return await inner(request, context)
                    return await replays.run_once(
                        replays_db, claim, method, lambda: inner(request, context), context.set_trailing_metadata
                    )
                except DomainError as error:
                    if error.param:
                        context.set_trailing_metadata(((PARAM_METADATA_KEY, encode_param(error.param)),))
                    await context.abort(error.code, error.message)
                except grpc.aio.AbortError:
                    raise
                except Exception:
                    log.exception("unhandled error in rpc", extra={"method": method, "caller": caller})
                    await context.abort(grpc.StatusCode.INTERNAL, "Something went wrong on our side.")

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=lambda reply: reply if isinstance(reply, bytes) else serialize(reply),
        )


def development_open_services(reflection: bool) -> frozenset[str]:
    """Health always; reflection too when it is on (development only), so grpcurl can list the services."""
    return OPEN_SERVICES | {REFLECTION_SERVICE} if reflection else OPEN_SERVICES
