"""Businesses (tenants) and their API keys.

These calls run before any tenant is known, so they use the database directly rather than a TenantRepository.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import timedelta

from portal_kit.context import current_tenant
from portal_kit.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, Unauthenticated
from portal_kit.timestamps import utcnow
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth import api_keys
from services.auth.models import Business
from services.auth.repository import ApiKeyLookup, BusinessRepository

USERNAME = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_USERNAMES = frozenset(
    [
        "www",
        "api",
        "admin",
        "app",
        "mail",
        "portal",
        "static",
        "assets",
        "login",
        "logout",
        "signin",
        "signup",
        "register",
        "status",
        "help",
        "support",
        "billing",
        "dashboard",
        "localhost",
        "auth",
        "sso",
        "oauth",
        "account",
        "accounts",
        "settings",
        "docs",
        "blog",
        "cdn",
        "media",
        "files",
        "img",
        "images",
        "smtp",
        "imap",
        "pop",
        "mx",
        "ns",
        "ns1",
        "ns2",
        "ftp",
        "webmail",
        "email",
        "dev",
        "staging",
        "test",
        "demo",
        "internal",
        "root",
        "system",
        "webhooks",
        "secure",
        "pay",
        "payments",
        "checkout",
        "invoices",
        "invoice",
        "estimates",
        "console",
        "metrics",
        "health",
    ]
)
USERNAME_RULES = (
    "A username must be 3 to 40 characters of lowercase letters, digits and hyphens, "
    "start with a letter and not end with a hyphen."
)
INVALID_API_KEY = "Invalid API key."
SSO_KEY_LENGTH = 63
LAST_USED_RESOLUTION = timedelta(minutes=1)


def normalize_username(username: str) -> str:
    """Subdomains are case-insensitive, so usernames are kept in lower case."""
    return username.strip().lower()


def validate_username(username: str) -> str:
    username = normalize_username(username)
    if not USERNAME.match(username):
        raise InvalidArgument(USERNAME_RULES, "username")
    if "--" in username:
        raise InvalidArgument("A username cannot contain two hyphens in a row.", "username")
    if username in RESERVED_USERNAMES:
        raise InvalidArgument(f"The username '{username}' is reserved. Please choose another.", "username")
    return username


def new_sso_key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(SSO_KEY_LENGTH))


async def create_business(
    session: AsyncSession, secret_key: bytes, *, username: str, display_name: str
) -> tuple[Business, str]:
    """The new business and its first API key (the only time the key is seen)."""
    username = validate_username(username)
    display_name = display_name.strip()
    if not display_name:
        raise InvalidArgument("A business needs a display name.", "display_name")
    if len(display_name) > 100:
        raise InvalidArgument("A display name can have at most 100 characters.", "display_name")
    businesses = BusinessRepository(session)
    taken = AlreadyExists(f"The username '{username}' is already taken.", "username")
    if await businesses.by_username(username) is not None:
        raise taken
    business = Business(username=username, display_name=display_name, sso_key=new_sso_key())
    try:
        async with session.begin_nested():
            await businesses.add(business)
    except IntegrityError:
        raise taken from None
    return business, (await api_keys.issue(session, secret_key, business)).secret


async def issue_api_key(
    session: AsyncSession, secret_key: bytes, username: str, name: str = ""
) -> tuple[Business, api_keys.IssuedKey]:
    business = await business_by_username(session, username)
    if business.disabled:
        raise FailedPrecondition(f"The business '{business.username}' is disabled.", "username")
    return business, await api_keys.issue(session, secret_key, business, name)


async def business_by_username(session: AsyncSession, username: str) -> Business:
    """For operators: the business behind a username, disabled or not."""
    business = await BusinessRepository(session).by_username(normalize_username(username))
    if business is None:
        raise NotFound(f"No business with the username '{normalize_username(username)}'.", "username")
    return business


async def resolve_business(session: AsyncSession, username: str) -> Business:
    """The enabled business behind a portal subdomain; unknown and disabled answer alike."""
    username = normalize_username(username)
    business = await BusinessRepository(session).by_username(username)
    if business is None or business.disabled:
        raise NotFound(f"No business with the username '{username}'.", "username")
    return business


async def authenticate_api_key(session: AsyncSession, secret_key: bytes, api_key: str) -> Business:
    """Unknown, revoked and disabled-business keys all get the same answer."""
    if not api_key.startswith(api_keys.API_KEY_PREFIX) or len(api_key) > 200:
        raise Unauthenticated(INVALID_API_KEY)
    found = await ApiKeyLookup(session).with_business(api_keys.key_hash(secret_key, api_key))
    if found is None:
        raise Unauthenticated(INVALID_API_KEY)
    key, business = found
    if key.revoked_at is not None or business.disabled:
        raise Unauthenticated(INVALID_API_KEY)
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now  # at most one write a minute per key, not one per request
        session.add(key)
    return business


async def current_business(session: AsyncSession) -> Business:
    """The business of the call in progress: its id is the tenant id."""
    business = await BusinessRepository(session).by_id(current_tenant())
    if business is None:
        raise NotFound("No such business.")
    return business


async def enabled_business(session: AsyncSession, refusal: str) -> Business:
    """The business of the call, for signing a customer in: missing or disabled → Unauthenticated(refusal)."""
    business = await BusinessRepository(session).by_id(current_tenant())
    if business is None or business.disabled:
        raise Unauthenticated(refusal)
    return business
