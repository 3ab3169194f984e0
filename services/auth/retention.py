"""Old rows that only carry risk: sign-in requests, long-dead sessions, stale idempotency records.

Sign-in requests matter for 15 minutes (links, codes, rate limits) and are kept a day, code attempts too; sessions are kept 30 days
after they could last have been used, for the "recent sign-ins" list; idempotent responses are replayed for 24 h.
Runs across all businesses: it only deletes rows that are expired for everyone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from portal_kit import replays
from portal_kit.db import Database
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.models import PortalSession, SessionCustomer, SignInCodeAttempt, SignInRequest

log = logging.getLogger("services.auth.retention")

SIGN_IN_REQUESTS_KEPT = timedelta(days=1)
SESSIONS_KEPT = timedelta(days=30)


async def purge(session: AsyncSession, now: datetime) -> dict[str, int]:
    dead_sessions = select(PortalSession.id).where(col(PortalSession.absolute_expires_at) < now - SESSIONS_KEPT)
    counts = {
        "session_customers": (
            await session.exec(delete(SessionCustomer).where(col(SessionCustomer.session_id).in_(dead_sessions)))  # type: ignore[call-overload]
        ).rowcount,
        "sessions": (
            await session.exec(
                delete(PortalSession).where(col(PortalSession.absolute_expires_at) < now - SESSIONS_KEPT)
            )  # type: ignore[call-overload]
        ).rowcount,
        "sign_in_requests": (
            await session.exec(delete(SignInRequest).where(col(SignInRequest.created_at) < now - SIGN_IN_REQUESTS_KEPT))  # type: ignore[call-overload]
        ).rowcount,
        "sign_in_code_attempts": (
            await session.exec(
                delete(SignInCodeAttempt).where(col(SignInCodeAttempt.created_at) < now - SIGN_IN_REQUESTS_KEPT)
            )  # type: ignore[call-overload]
        ).rowcount,
        "idempotent_replies": await replays.purge(session, now),
    }
    return counts


async def purge_forever(db: Database, now: Callable[[], datetime], every_seconds: float = 3600) -> None:
    while True:
        try:
            async with db.unit_of_work() as session:
                counts = await purge(session, now())
            if any(counts.values()):
                log.info("purged old rows", extra=counts)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - try again next round
            log.warning("purge failed", exc_info=True)
        await asyncio.sleep(every_seconds)
