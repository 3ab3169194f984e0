"""Caps on failed sign-in codes, per business and over all businesses, against code spraying.

Five guesses per code are not enough on their own: an attacker who asks codes for a hundred addresses gets five
hundred guesses. So every code attempt is recorded (and committed) before it is checked, and forgotten again when
the code was right. Past `per_business` failed attempts in a business within `window`, or `overall` in all of
them, codes are refused without being checked until older failures leave the window. The links in the same
emails keep working: they cannot be guessed.

The record is made before counting, so concurrent attempts can only be refused too early, never checked past the
cap. Refused attempts are not counted: the pause lasts until the window moves on, however hard someone pushes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.repository import CodeAttemptRepository

log = logging.getLogger("services.auth.code_limits")

CODES_PAUSED = (
    "Sign-in codes are paused for a while because of too many wrong codes. Use the Sign in button in the email instead."
)
LOG_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class CodeLimits:
    per_business: int = 30  # failed code attempts in one business per window
    overall: int = 300  # failed code attempts over all businesses per window
    window: timedelta = timedelta(hours=1)


class CodeGuard:
    """Records code attempts and refuses them past the caps. One per service (it throttles its own log lines)."""

    def __init__(self, limits: CodeLimits) -> None:
        self.limits = limits
        self._last_logged: dict[str, datetime] = {}
        self._refused_since_log: dict[str, int] = {}

    async def record(self, session: AsyncSession, now: datetime) -> str:
        """Counts one attempt as failed until `succeeded`; commit before `admit`. Returns the attempt's id."""
        return await CodeAttemptRepository(session).record(now)

    async def admit(self, session: AsyncSession, attempt_id: str, now: datetime) -> bool:
        """False (and the attempt forgotten) when its business or all businesses are past their cap."""
        attempts = CodeAttemptRepository(session)
        since = now - self.limits.window
        in_business = await attempts.count_since(since)
        overall = await attempts.count_all_since(since)
        scope = None
        if in_business > self.limits.per_business:
            scope = "business"
        elif overall > self.limits.overall:
            scope = "all"
        if scope is None:
            return True
        await attempts.remove(attempt_id)
        self._log(attempts.tenant_id, scope, in_business, overall, now)
        return False

    async def succeeded(self, session: AsyncSession, attempt_id: str) -> None:
        await CodeAttemptRepository(session).remove(attempt_id)

    def _log(self, tenant_id: str, scope: str, in_business: int, overall: int, now: datetime) -> None:
        """One line per business and scope per minute, with how many attempts were refused since the last."""
        key = f"{tenant_id}:{scope}"
        self._refused_since_log[key] = self._refused_since_log.get(key, 0) + 1
        last = self._last_logged.get(key)
        if last is not None and now - last < LOG_EVERY:
            return
        if len(self._last_logged) > 1000:  # forget businesses that have gone quiet
            self._last_logged = {k: t for k, t in self._last_logged.items() if now - t < LOG_EVERY}
            self._refused_since_log = {
                k: n for k, n in self._refused_since_log.items() if k in self._last_logged or k == key
            }
        log.warning(
            "sign-in codes paused",
            extra={
                "tenant_id": tenant_id,
                "scope": scope,  # "business": this business's cap; "all": the cap over every business
                "failed_in_business": in_business - 1,
                "failed_overall": overall - 1,
                "window_minutes": int(self.limits.window.total_seconds() // 60),
                "refused": self._refused_since_log.pop(key),
            },
        )
        self._last_logged[key] = now
