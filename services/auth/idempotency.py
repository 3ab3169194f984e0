"""Idempotency-Key: the first response to a keyed POST/PATCH is stored and replayed for 24 hours."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.models import COMPLETED, IN_PROGRESS, IdempotentRequest
from services.auth.repository import IdempotentRequestRepository

KEY_PARAM = "Idempotency-Key"
RETENTION = timedelta(hours=24)


class BeginState(enum.Enum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class Begun:
    state: BeginState
    stored: IdempotentRequest | None = None


def validate_key(key: str) -> str:
    if not 6 <= len(key) <= 64:
        raise InvalidArgument("An Idempotency-Key must be 6 to 64 characters long.", KEY_PARAM)
    return key


async def begin(session: AsyncSession, *, key: str, method: str, path: str, now: datetime) -> Begun:
    """Claims the key for this request, or says why the caller must not run it (again)."""
    requests = IdempotentRequestRepository(session)
    key = validate_key(key)
    method = method.upper()
    existing = await requests.by_key(key)
    if existing is not None and existing.created_at > now - RETENTION:
        if existing.method != method or existing.path != path:
            return Begun(BeginState.MISMATCH)
        if existing.state == COMPLETED:
            return Begun(BeginState.COMPLETED, existing)
        return Begun(BeginState.IN_PROGRESS)
    claim = IdempotentRequest(
        tenant_id=requests.tenant_id, key=key, method=method, path=path, state=IN_PROGRESS, created_at=now
    )
    try:
        async with session.begin_nested():
            if existing is not None:
                await requests.remove(existing.id)  # expired: treated as absent
            await requests.add(claim)
    except IntegrityError:
        return Begun(BeginState.IN_PROGRESS)  # a concurrent request claimed the key first
    return Begun(BeginState.NEW)


async def complete(session: AsyncSession, *, key: str, status_code: int, body: bytes, headers_json: str) -> None:
    requests = IdempotentRequestRepository(session)
    stored = await requests.by_key(validate_key(key))
    if stored is None:
        raise NotFound("No request with this Idempotency-Key is in progress.", KEY_PARAM)
    if stored.state != IN_PROGRESS:
        raise FailedPrecondition("The request with this Idempotency-Key has already completed.", KEY_PARAM)
    if not 100 <= status_code <= 599:
        raise InvalidArgument("status_code must be an HTTP status code.", "status_code")
    stored.state = COMPLETED
    stored.status_code = status_code
    stored.body = body
    stored.headers_json = headers_json
    session.add(stored)
    await session.flush()


async def abandon(session: AsyncSession, key: str) -> None:
    """Frees the key so the request may be retried; a completed response is kept."""
    await IdempotentRequestRepository(session).remove_in_progress(validate_key(key))
