"""Client side: every call carries this service's credential, the tenant/principal metadata and a deadline;
errors come back as domain errors."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
from opentelemetry.trace import SpanKind

from portal_kit import idempotency, metrics, tracing
from portal_kit.balancing import BalancedChannel, split_addresses
from portal_kit.context import PARAM_METADATA_KEY, decode_param, outgoing_metadata, remaining_seconds
from portal_kit.errors import DomainError, error_for_status
from portal_kit.grpc_interceptors import FAULT_CODES, rpc_attributes
from portal_kit.service_auth import ServiceCredential, own_credential

DEFAULT_DEADLINE_SECONDS = 5.0
UNTRACED_SERVICES = ("/grpc.health.v1.",)  # probes and readiness checks would each start a trace of their own
CHANNEL_OPTIONS = [
    # A `dns:///` target (a headless Service) resolves to every pod: calls go round them, not all to the first.
    ("grpc.lb_policy_name", "round_robin"),
    # A restarted backend is found again within a second (gRPC's default reconnect backoff grows to two minutes).
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


class StampingInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, default_timeout: float, credential: ServiceCredential | None) -> None:
        self.default_timeout = default_timeout
        self.credential_metadata = credential.metadata() if credential else ()

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = [
            *(details.metadata or ()),
            *self.credential_metadata,
            *outgoing_metadata(),
            *idempotency.outgoing_metadata(),
        ]
        timeout = details.timeout if details.timeout is not None else self.default_timeout
        left = remaining_seconds()  # inside an RPC: never wait longer than our own caller does
        if left is not None:
            if left <= 0:  # our caller has given up: calling on would only add load
                raise grpc.aio.AioRpcError(
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    grpc.aio.Metadata(),
                    grpc.aio.Metadata(),
                    details="The caller's deadline has passed.",
                )
            timeout = min(timeout, left)
        method = details.method.decode() if isinstance(details.method, bytes) else str(details.method)
        span = None
        if tracing.active() and not method.startswith(UNTRACED_SERVICES):
            span = tracing.tracer().start_span(
                method.lstrip("/"), kind=SpanKind.CLIENT, attributes=rpc_attributes(method)
            )
            metadata.extend(tracing.inject(span).items())
        stamped = grpc.aio.ClientCallDetails(
            details.method, timeout, grpc.aio.Metadata(*metadata), details.credentials, details.wait_for_ready
        )
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            call = await continuation(stamped, request)
            try:
                await call
            except grpc.aio.AioRpcError as error:
                code = error.code()
                return call  # the caller sees the error when it awaits the call
            if idempotency.current_claim() is not None:
                idempotency.note_trailing_metadata(await call.trailing_metadata())
            return call
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        finally:
            record_call(method, code, time.perf_counter() - started)
            if span is not None:
                span.set_attribute("rpc.grpc.status_code", code.value[0])
                if code != grpc.StatusCode.OK:
                    tracing.mark_error(span, code.name)
                span.end()


def record_call(method: str, code: grpc.StatusCode, seconds: float) -> None:
    metrics.rpc_client_requests(method, code.name).inc()
    metrics.rpc_client_duration(method).observe(seconds)
    if code in FAULT_CODES:
        metrics.rpc_client_errors(method).inc()


def channel(
    target: str, default_timeout: float = DEFAULT_DEADLINE_SECONDS, credential: ServiceCredential | None = None
) -> grpc.aio.Channel:
    """A channel whose calls carry `credential`, by default this process's own ($PORTAL_SERVICE_NAME's token)."""
    stamp = StampingInterceptor(default_timeout, credential if credential is not None else own_credential())
    return grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS, interceptors=[stamp])


def backend_channel(
    addresses: str, default_timeout: float = DEFAULT_DEADLINE_SECONDS, credential: ServiceCredential | None = None
) -> BalancedChannel:
    """A channel to a backend's instances (`host:port[,host:port…]`), each call to one of them in turn."""
    return BalancedChannel(
        split_addresses(addresses), lambda target: channel(target, default_timeout, credential), default_timeout
    )


class LoopChannel:
    """A backend channel (`backend_channel`) made on first use in the running event loop, and made again in another
    one: a grpc.aio channel belongs to the loop it was made in (tests and tools run several loops in one process)."""

    def __init__(
        self,
        addresses: str,
        default_timeout: float = DEFAULT_DEADLINE_SECONDS,
        credential: ServiceCredential | None = None,
    ) -> None:
        self.addresses = addresses
        self.default_timeout = default_timeout
        self.credential = credential
        self._channel: BalancedChannel | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> BalancedChannel:
        loop = asyncio.get_running_loop()
        if self._channel is None or self._loop is not loop:
            self._channel = backend_channel(self.addresses, self.default_timeout, self.credential)
            self._loop = loop
        return self._channel

    async def close(self) -> None:
        if self._channel is not None:
            channel, self._channel = self._channel, None
            await channel.close()


def domain_error(error: grpc.aio.AioRpcError) -> DomainError:
    """Turns a failed call back into the domain error the server raised (param included)."""
    trailing = dict(error.trailing_metadata() or ())
    param = trailing.get(PARAM_METADATA_KEY)
    if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
        return error_for_status(grpc.StatusCode.UNAVAILABLE, "A backend service took too long to answer.")
    if error.code() == grpc.StatusCode.UNAVAILABLE:
        return error_for_status(grpc.StatusCode.UNAVAILABLE, "A backend service is not available right now.")
    return error_for_status(
        error.code(), error.details() or "Request failed", decode_param(param) if isinstance(param, str) else None
    )
