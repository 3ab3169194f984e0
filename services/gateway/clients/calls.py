"""What every backend call carries: the tenant, the principal it acts for (portal visitors), and a deadline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

import grpc
from google.protobuf.message import Message
from portal_kit import grpc_client
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

    def metadata(self) -> grpc.aio.Metadata:
        pairs: list[tuple[str, str]] = []
        if self.tenant:
            pairs.append((TENANT_METADATA_KEY, self.tenant))
        if self.principal is not None:
            pairs.append((PRINCIPAL_METADATA_KEY, self.principal.encode()))
        return grpc.aio.Metadata(*pairs)

    def acting_for(self, principal: Principal | None) -> CallScope:
        return CallScope(self.tenant, self.deadline, principal)


async def unary(method: grpc.aio.UnaryUnaryMultiCallable[Req, Resp], request: Req, scope: CallScope) -> Resp:
    """One call; a failure comes back as the domain error the service raised (portal_kit.errors)."""
    try:
        reply = await method(request, metadata=scope.metadata(), timeout=scope.deadline)
    except grpc.aio.AioRpcError as error:
        raise grpc_client.domain_error(error) from None
    return cast(Resp, reply)  # grpc has no type stubs here: the stub's method is Any
