"""Keyset pagination: a list page starts after (or before) a row's sort key, so page 10,000 costs what page 1 does.

A client follows opaque cursors (in the API's `Link` header). A cursor is sealed with AES-GCM under a key derived
from the service's secret: a client can neither read nor change it, and it names the business and the exact list
(filters and page size) it belongs to, so a cursor from another business or another list is refused.

The total is counted once per walk through a list, at its first page, and carried inside the cursors: every page
of one walk reports the same `X-Total-Count`, and no deep page counts again. Lists are ordered by
(created_at, pk), ascending; rows added during a walk come after the rows already seen, so pages do not shift.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal_kit.errors import InvalidArgument

AFTER, BEFORE, LAST = "after", "before", "last"
MAX_CURSOR_LENGTH = 512
_NONCE = 12
_PURPOSE = b"portal list cursor v1"
INVALID = "This page cursor is not valid for this list: start again from the first page (without a cursor)."


@dataclass(frozen=True)
class Paging:
    """What a list call asks for: a page number and size, and the cursor it followed ("" for none)."""

    page: int
    per_page: int
    cursor: str = ""


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after or before the row with this (created_at, pk), or the last page of the list."""

    direction: str
    created_at: str  # ISO 8601, exactly as the row holds it ("" for LAST)
    pk: int
    page: int
    total: int


def list_key(name: str, per_page: int, filters: Mapping[str, str], metadata: Mapping[str, str]) -> str:
    """Names one list: the same name, page size, filters and metadata conditions give the same key."""
    text = json.dumps([name, per_page, sorted(filters.items()), sorted(metadata.items())], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class CursorCodec:
    """Seals and opens cursors for one service (its secret key)."""

    def __init__(self, secret_key: bytes) -> None:
        self._aead = AESGCM(hashlib.sha256(_PURPOSE + b"\0" + secret_key).digest())

    def seal(self, tenant: str, key: str, cursor: Cursor) -> str:
        payload = [cursor.direction, cursor.created_at, cursor.pk, cursor.page, cursor.total]
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, json.dumps(payload, separators=(",", ":")).encode(), _bound(tenant, key))
        return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()

    def open(self, tenant: str, key: str, token: str) -> Cursor:
        """The cursor, if this service sealed it for this business and this list; else InvalidArgument."""
        if not token or len(token) > MAX_CURSOR_LENGTH:
            raise InvalidArgument(INVALID, "cursor")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], _bound(tenant, key))
            direction, created_at, pk, page, total = json.loads(plain)
        except (ValueError, TypeError, InvalidTag):
            raise InvalidArgument(INVALID, "cursor") from None
        cursor = Cursor(str(direction), str(created_at), int(pk), int(page), int(total))
        if cursor.direction not in (AFTER, BEFORE, LAST) or cursor.page < 1 or cursor.total < 0:
            raise InvalidArgument(INVALID, "cursor")
        if cursor.direction != LAST:
            _timestamp(cursor.created_at)
        return cursor


def _bound(tenant: str, key: str) -> bytes:
    return json.dumps([tenant, key]).encode()


def _timestamp(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(INVALID, "cursor") from None


def sort_key_of(cursor: Cursor) -> tuple[datetime, int]:
    return _timestamp(cursor.created_at), cursor.pk


def last_page(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def last_page_size(total: int, per_page: int) -> int:
    """How many rows the last page holds (a full page for an empty list)."""
    return total - (last_page(total, per_page) - 1) * per_page or per_page


@dataclass(frozen=True)
class Walk:
    """One page of a list and the cursors of its neighbours ("" when there is none)."""

    rows: list[Any]
    total: int
    page: int
    last_page: int
    next_cursor: str
    previous_cursor: str
    last_cursor: str


def walk_of(codec: CursorCodec, tenant: str, key: str, rows: list[Any], total: int, page: int, per_page: int) -> Walk:
    """The cursors around a page of rows (each with `created_at` and `pk`)."""
    last = last_page(total, per_page)

    def seal(direction: str, row: Any, number: int) -> str:
        created = row.created_at.isoformat() if row is not None else ""
        pk = row.pk if row is not None else 0
        return codec.seal(tenant, key, Cursor(direction, created, pk, number, total))

    next_cursor = seal(AFTER, rows[-1], page + 1) if rows and page < last else ""
    previous_cursor = seal(BEFORE, rows[0], page - 1) if rows and page > 1 else ""
    last_cursor = seal(LAST, None, last) if last > 1 else ""
    return Walk(rows, total, page, last, next_cursor, previous_cursor, last_cursor)
