"""Signing in with the emailed link or code: both work once, for 15 minutes, until a newer request replaces them.

Redeeming is a claim (`UPDATE ... WHERE used_at IS NULL ...` that must change exactly one row), made in the same
unit of work as the new session, so two concurrent redeems of one link give exactly one session. A code attempt
is counted (and committed) before the code is compared; after five, the code is dead.
"""

from __future__ import annotations

import enum
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from portal_kit.errors import Unauthenticated
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.models import SignInRequest
from services.auth.repository import SignInRequestRepository
from services.auth.sign_in_requests import code_hash, link_hash

LINK_FAILED = "This sign-in link is invalid or has expired."
CODE_FAILED = "That code is not valid. Check the email or ask for a new link."
MAX_CODE_ATTEMPTS = 5
MAX_TOKEN_LENGTH = 200
CODE = re.compile(r"^[0-9]{6}$")


class LinkState(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"  # expired, used, or replaced by a newer link
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Inspected:
    state: LinkState
    email: str = ""


def is_open(request: SignInRequest, now: datetime) -> bool:
    return (
        request.used_at is None
        and request.superseded_at is None
        and request.expires_at is not None
        and now < request.expires_at
    )


async def _by_link(session: AsyncSession, secret_key: bytes, token: str) -> SignInRequest | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return await SignInRequestRepository(session).by_link_hash(link_hash(secret_key, token))


async def inspect_link(session: AsyncSession, secret_key: bytes, token: str, now: datetime) -> Inspected:
    """What the page behind a GET of the link shows. Changes nothing."""
    request = await _by_link(session, secret_key, token)
    if request is None:
        return Inspected(LinkState.UNKNOWN)
    return Inspected(LinkState.VALID if is_open(request, now) else LinkState.EXPIRED, request.email)


async def open_link(session: AsyncSession, secret_key: bytes, token: str, now: datetime) -> SignInRequest:
    request = await _by_link(session, secret_key, token)
    if request is None or not is_open(request, now):
        raise Unauthenticated(LINK_FAILED)
    return request


async def spend_code_attempt(session: AsyncSession, attempt_id: str, now: datetime) -> SignInRequest:
    """The open request of this attempt, with one more attempt counted. Commit before comparing the code."""
    if not attempt_id or len(attempt_id) > 64:
        raise Unauthenticated(CODE_FAILED)
    requests = SignInRequestRepository(session)
    request = await requests.open_with_code(attempt_id, now)
    if request is None or request.attempts >= MAX_CODE_ATTEMPTS:
        raise Unauthenticated(CODE_FAILED)
    if not await requests.spend_attempt(request.id, now, MAX_CODE_ATTEMPTS):
        raise Unauthenticated(CODE_FAILED)
    return request


def check_code(secret_key: bytes, request: SignInRequest, code: str) -> None:
    code = "".join(code.split())
    expected = request.code_hash or ""
    given = code_hash(secret_key, request.attempt_id, code) if CODE.match(code) else ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthenticated(CODE_FAILED)


async def claim(session: AsyncSession, request: SignInRequest, now: datetime, refusal: str) -> None:
    """Uses the request up (link and code alike), or refuses when someone else just did."""
    if not await SignInRequestRepository(session).claim(request.id, now):
        raise Unauthenticated(refusal)
