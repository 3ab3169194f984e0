"""The scheduler's time, injected: the real clock in the service, a movable one in tests."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from portal_kit.timestamps import utcnow


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()
