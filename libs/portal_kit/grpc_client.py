"""Client side: every call carries the tenant/principal metadata and a deadline; errors come back as domain errors."""

from __future__ import annotations

from typing import Any

import grpc

from portal_kit.context import PARAM_METADATA_KEY, outgoing_metadata
from portal_kit.errors import DomainError, error_for_status

DEFAULT_DEADLINE_SECONDS = 5.0


class StampingInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, default_timeout: float) -> None:
        self.default_timeout = default_timeout

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = [*(details.metadata or ()), *outgoing_metadata()]
        timeout = details.timeout if details.timeout is not None else self.default_timeout
        stamped = grpc.aio.ClientCallDetails(
            details.method, timeout, grpc.aio.Metadata(*metadata), details.credentials, details.wait_for_ready
        )
        return await continuation(stamped, request)


def channel(target: str, default_timeout: float = DEFAULT_DEADLINE_SECONDS) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(target, interceptors=[StampingInterceptor(default_timeout)])


def domain_error(error: grpc.aio.AioRpcError) -> DomainError:
    """Turns a failed call back into the domain error the server raised (param included)."""
    trailing = dict(error.trailing_metadata() or ())
    param = trailing.get(PARAM_METADATA_KEY)
    if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
        return error_for_status(grpc.StatusCode.UNAVAILABLE, "A backend service took too long to answer.")
    if error.code() == grpc.StatusCode.UNAVAILABLE:
        return error_for_status(grpc.StatusCode.UNAVAILABLE, "A backend service is not available right now.")
    return error_for_status(
        error.code(), error.details() or "Request failed", param if isinstance(param, str) else None
    )
