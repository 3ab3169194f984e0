"""Timestamps are stored as aware UTC datetimes and shown as integer UNIX seconds."""

from __future__ import annotations

from datetime import UTC, datetime


def unix(moment: datetime | None) -> int:
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
