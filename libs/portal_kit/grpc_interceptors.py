"""Server side: metadata → tenant/principal context; domain errors → gRPC status with a readable message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from portal_kit.context import PARAM_METADATA_KEY, PRINCIPAL_METADATA_KEY, TENANT_METADATA_KEY, bound
from portal_kit.errors import DomainError

log = logging.getLogger("portal_kit.grpc")


class ContextAndErrorsInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        metadata = dict(details.invocation_metadata or ())  # type: ignore[attr-defined]
        tenant = metadata.get(TENANT_METADATA_KEY)
        principal = metadata.get(PRINCIPAL_METADATA_KEY)
        inner = handler.unary_unary
        method = details.method  # type: ignore[attr-defined]

        async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
            with bound(tenant, principal):
                try:
                    return await inner(request, context)
                except DomainError as error:
                    if error.param:
                        context.set_trailing_metadata(((PARAM_METADATA_KEY, error.param),))
                    await context.abort(error.code, error.message)
                except grpc.aio.AbortError:
                    raise
                except Exception:
                    log.exception("unhandled error in rpc", extra={"method": method})
                    await context.abort(grpc.StatusCode.INTERNAL, "Something went wrong on our side.")

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
