"""What every backend call carries: the tenant, the principal it acts for (portal visitors), and a deadline."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TypeVar, cast

import grpc
from google.protobuf.message import Message
from portal_kit import grpc_client
from portal_kit.balancing import STOPPING_CODES
from portal_kit.context import PRINCIPAL_METADATA_KEY, TENANT_METADATA_KEY
from portal_kit.principal import Principal

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


@dataclass(frozen=True)
class CallScope:
    """For whom the calls of one request are made. tenant is None only for calls that find the tenant."""

    tenant: str | None
    deadline: float
    principal: Principal | None = None

    def metadata(self) -> tuple[tuple[str, str], ...]:
        pairs: list[tuple[str, str]] = []
        if self.tenant:
            pairs.append((TENANT_METADATA_KEY, self.tenant))
        if self.principal is not None:
            pairs.append((PRINCIPAL_METADATA_KEY, self.principal.encode()))
        return tuple(pairs)

    def acting_for(self, principal: Principal | None) -> CallScope:
        return CallScope(self.tenant, self.deadline, principal)


async def unary(
    method: grpc.aio.UnaryUnaryMultiCallable[Req, Resp], request: Req, scope: CallScope, *, read: bool = False
) -> Resp:
    """One call; a failure comes back as the domain error the service raised (portal_kit.errors).

    `read=True` marks a call that changes nothing (or only repeats the same change, like a session's last-seen
    time): when it meets what a stopping or restarted instance answers (UNAVAILABLE, or CANCELLED for a call that
    reached it as its graceful stop began) it is sent once more, to another instance where there is one
    (portal_kit.balancing passes over the one that failed), waiting within what is left of the deadline for whichever
    instance is connected first. A write is never sent twice: it might have been applied."""
    started = time.monotonic()
    try:
        reply = await method(request, metadata=scope.metadata(), timeout=scope.deadline)
    except grpc.aio.AioRpcError as error:
        left = scope.deadline - (time.monotonic() - started)
        if not read or error.code() not in STOPPING_CODES or left <= 0:
            raise grpc_client.domain_error(error) from None
        try:
            reply = await method(request, metadata=scope.metadata(), timeout=left, wait_for_ready=True)
        except grpc.aio.AioRpcError as again:
            raise grpc_client.domain_error(again) from None
    return cast(Resp, reply)  # grpc has no type stubs here: the stub's method is Any
