"""Who a call is for: the tenant and the principal travel in gRPC metadata and live in context variables."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import quote, unquote

from portal_kit.errors import Unauthenticated

TENANT_METADATA_KEY = "x-portal-tenant"
PRINCIPAL_METADATA_KEY = "x-portal-principal"
PARAM_METADATA_KEY = "x-portal-param"
# gRPC metadata values must be printable ASCII; a param may name a client-chosen key in any script.
_PARAM_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def encode_param(param: str) -> str:
    """The param as a metadata value: printable ASCII as is, anything else (and %) percent-encoded."""
    return quote(param, safe=_PARAM_SAFE, errors="replace")


def decode_param(value: str) -> str:
    return unquote(value)


_tenant: ContextVar[str | None] = ContextVar("tenant", default=None)
_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)  # time.monotonic() of the call's end
_principal: ContextVar[str | None] = ContextVar("principal", default=None)


def current_tenant() -> str:
    """The tenant of the call in progress; refuses to answer when there is none."""
    tenant = _tenant.get()
    if not tenant:
        raise Unauthenticated("This call needs a business (tenant) and none was given.")
    return tenant


def current_tenant_or_none() -> str | None:
    return _tenant.get()


def current_principal() -> str | None:
    return _principal.get()


@contextmanager
def bound(tenant: str | None, principal: str | None = None) -> Iterator[None]:
    tenant_token = _tenant.set(tenant)
    principal_token = _principal.set(principal)
    try:
        yield
    finally:
        _tenant.reset(tenant_token)
        _principal.reset(principal_token)


def remaining_seconds() -> float | None:
    """What is left of the deadline of the call being served (None outside one, or when it has no deadline)."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def deadline_in(seconds: float | None) -> Iterator[None]:
    """Calls made inside the block get at most `seconds` (the caller's deadline travels on to the next backend)."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def outgoing_metadata() -> list[tuple[str, str]]:
    metadata = []
    if tenant := _tenant.get():
        metadata.append((TENANT_METADATA_KEY, tenant))
    if principal := _principal.get():
        metadata.append((PRINCIPAL_METADATA_KEY, principal))
    return metadata
