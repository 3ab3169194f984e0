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
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.repository import CrossTenantRetention

log = logging.getLogger("services.auth.retention")

SIGN_IN_REQUESTS_KEPT = timedelta(days=1)
SESSIONS_KEPT = timedelta(days=30)


async def purge(session: AsyncSession, now: datetime) -> dict[str, int]:
    rows = CrossTenantRetention(session)
    sessions, session_customers = await rows.delete_sessions_expired_before(now - SESSIONS_KEPT)
    return {
        "session_customers": session_customers,
        "sessions": sessions,
        "sign_in_requests": await rows.delete_sign_in_requests_before(now - SIGN_IN_REQUESTS_KEPT),
        "sign_in_code_attempts": await rows.delete_sign_in_code_attempts_before(now - SIGN_IN_REQUESTS_KEPT),
        "idempotent_replies": await replays.purge(session, now),
    }


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
