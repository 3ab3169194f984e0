"""A business's API keys: listed, created (the secret shown once) and revoked, by the business or by an operator.

A key is stored as a keyed hash of its secret, with a label and the secret's last four characters so people can tell
keys apart. A revoked key stops working at the next request (authentication reads `revoked_at` every time). A
business always keeps one active key: revoking the last one is refused, so nobody locks a business out by accident
(create the replacement first, then revoke).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from portal_kit.ids import keyed_hash, new_token
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.models import ApiKey, Business
from services.auth.repository import ApiKeyRepository, BusinessRepository

API_KEY_PREFIX = "key_"
API_KEY_PURPOSE = "api-key"
MAX_NAME = 100
MAX_ACTIVE_KEYS = 20
LAST_KEY = (
    "This is the business's only active API key: create a new key first, then revoke this one "
    "(a business always keeps one working key)."
)


@dataclass(frozen=True)
class IssuedKey:
    """A new key and its secret: the only moment the secret exists outside the caller's hands."""

    key: ApiKey
    secret: str


def new_api_key() -> str:
    return API_KEY_PREFIX + new_token(24)


def key_hash(secret_key: bytes, api_key: str) -> str:
    return keyed_hash(secret_key, api_key, API_KEY_PURPOSE)


def _name(name: str) -> str:
    name = name.strip()
    if len(name) > MAX_NAME:
        raise InvalidArgument(f"A key name can have at most {MAX_NAME} characters.", "name")
    if any(ord(c) < 32 for c in name):
        raise InvalidArgument("A key name cannot contain control characters.", "name")
    return name


async def issue(session: AsyncSession, secret_key: bytes, business: Business, name: str = "") -> IssuedKey:
    keys = ApiKeyRepository(session, business.id)
    label = _name(name)
    if await keys.active_count() >= MAX_ACTIVE_KEYS:
        raise FailedPrecondition(
            f"A business can have at most {MAX_ACTIVE_KEYS} active API keys: revoke one you no longer use.", "name"
        )
    secret = new_api_key()
    key = await keys.add(
        ApiKey(tenant_id=business.id, key_hash=key_hash(secret_key, secret), name=label, last4=secret[-4:])
    )
    return IssuedKey(key, secret)


async def list_keys(session: AsyncSession, business: Business) -> list[ApiKey]:
    return await ApiKeyRepository(session, business.id).oldest_first()


async def revoke(session: AsyncSession, business: Business, key_id: str, now: datetime) -> ApiKey:
    """Revoking a revoked key changes nothing and is no error. Another business's key reads as missing."""
    await BusinessRepository(session).lock(business.id)  # one revocation at a time per business: see LAST_KEY
    keys = ApiKeyRepository(session, business.id)
    key = await keys.find(key_id) if key_id and len(key_id) <= 64 else None
    if key is None:
        raise NotFound(f"No such API key: '{key_id}'", "id")
    if key.revoked_at is not None:
        return key
    if await keys.active_count() <= 1:
        raise FailedPrecondition(LAST_KEY, "id")
    key.revoked_at = now
    return await keys.save(key)
