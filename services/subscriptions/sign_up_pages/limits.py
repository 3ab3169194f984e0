"""Rate limits of the public sign-up pages, per IP and per business, counted in the database.

Like sign-in emails (services/auth/sign_in_requests.py), each admitted card setup and sign-up is a row; a request
is refused when its IP, or its business, has that many rows of its kind in the window. Refused requests are not
recorded, so the limit lifts as older attempts leave the window. The IP is kept only as a keyed hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal_kit.errors import ResourceExhausted
from portal_kit.ids import keyed_hash
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.sign_up_pages.models import SignUpAttempt
from services.subscriptions.sign_up_pages.repository import SignUpAttemptRepository

IP_PURPOSE = "sign-up-ip"
TOO_MANY = "Too many sign-ups from here right now. Try again in a few minutes."
BUSY = "This sign-up page is very busy right now. Try again in a few minutes."


@dataclass(frozen=True)
class SignUpLimits:
    per_ip: int = 10  # of each kind (card setup, sign-up), per window
    per_business: int = 300
    window: timedelta = timedelta(minutes=15)


async def admit(
    session: AsyncSession, secret_key: bytes, limits: SignUpLimits, kind: str, ip: str, now: datetime
) -> None:
    """Records the attempt, or raises ResourceExhausted when its IP or its business is at the limit."""
    ip_hash = keyed_hash(secret_key, ip or "unknown", IP_PURPOSE)
    attempts = SignUpAttemptRepository(session)
    since = now - limits.window
    if await attempts.count_since(kind, since, ip_hash) >= limits.per_ip:
        raise ResourceExhausted(TOO_MANY)
    if await attempts.count_since(kind, since) >= limits.per_business:
        raise ResourceExhausted(BUSY)
    await attempts.add(SignUpAttempt(tenant_id=attempts.tenant_id, kind=kind, ip_hash=ip_hash, created_at=now))
