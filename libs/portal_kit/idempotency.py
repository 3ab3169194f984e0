"""Idempotency-Key across calls: the key and a fingerprint of the HTTP request travel with every call made for it.

The gateway binds a keyed request with `claimed()`; the gRPC client adds the key and fingerprint to each call's
metadata and notes when a service answered from a stored reply. Services keep the replies (see `replays`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from portal_kit.errors import InvalidArgument

KEY_METADATA_KEY = "x-portal-idempotency-key"
FINGERPRINT_METADATA_KEY = "x-portal-idempotency-fingerprint"
REPLAYED_METADATA_KEY = "x-portal-idempotent-replayed"
KEY_PARAM = "Idempotency-Key"


@dataclass
class Claim:
    """The key of the request in progress, its fingerprint, and whether any call of it was answered from a replay."""

    key: str
    fingerprint: str
    replayed: bool = field(default=False)


_claim: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


def validate_key(key: str) -> str:
    if not 6 <= len(key) <= 64 or not key.isprintable() or not key.isascii():
        raise InvalidArgument("An Idempotency-Key must be 6 to 64 printable ASCII characters.", KEY_PARAM)
    return key


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


@contextmanager
def claimed(key: str, fingerprint: str) -> Iterator[Claim]:
    """A keyed request in this context: its backend calls carry the key and fingerprint (see `outgoing_metadata`)."""
    token = _claim.set(Claim(validate_key(key), fingerprint))
    try:
        yield _claim.get()  # type: ignore[misc]  # set just above
    finally:
        _claim.reset(token)


def current_claim() -> Claim | None:
    return _claim.get()


def outgoing_metadata() -> list[tuple[str, str]]:
    claim = _claim.get()
    return [(KEY_METADATA_KEY, claim.key), (FINGERPRINT_METADATA_KEY, claim.fingerprint)] if claim else []


def note_trailing_metadata(trailing: Any) -> None:
    """Client side: remembers that a call of the current request was answered from a stored reply."""
    claim = _claim.get()
    if claim is not None and dict(trailing or ()).get(REPLAYED_METADATA_KEY) == "true":
        claim.replayed = True


def claim_from_metadata(metadata: dict[str, Any]) -> Claim | None:
    key, given = metadata.get(KEY_METADATA_KEY), metadata.get(FINGERPRINT_METADATA_KEY)
    if not isinstance(key, str) or not isinstance(given, str):
        return None
    return Claim(validate_key(key), given)
