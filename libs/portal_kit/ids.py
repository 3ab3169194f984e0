"""Random identifiers and bearer secrets.

Public ids are random positive integers below 2**53 (so JavaScript and Invoiced's clients keep them exact),
never sequential. Bearer secrets are random tokens of at least 128 bits, stored only as keyed hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

MAX_PUBLIC_ID = 2**53 - 1
MIN_PUBLIC_ID = 10**6


def new_public_id() -> int:
    return MIN_PUBLIC_ID + secrets.randbelow(MAX_PUBLIC_ID - MIN_PUBLIC_ID)


def new_uuid() -> str:
    return uuid.uuid4().hex


def new_token(nbytes: int = 24) -> str:
    """A URL-safe random token; 24 bytes = 192 bits."""
    if nbytes < 16:
        raise ValueError("bearer tokens need at least 128 bits")
    return secrets.token_urlsafe(nbytes)


def keyed_hash(secret_key: bytes, value: str, purpose: str) -> str:
    """HMAC-SHA256 of a secret under the server key, separated by purpose. Stored instead of the secret."""
    message = purpose.encode() + b"\x00" + value.encode()
    return hmac.new(secret_key, message, hashlib.sha256).hexdigest()


def derived_token(secret_key: bytes, nonce: str, purpose: str) -> str:
    """A token the server can recompute from a stored nonce, but nobody can forge without the key.

    Used for links that an API must be able to show again (an invoice's `url`): the database keeps only
    the nonce and the keyed hash of the token, so a copy of the database alone opens nothing.
    """
    digest = hmac.new(secret_key, purpose.encode() + b"\x00" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")
