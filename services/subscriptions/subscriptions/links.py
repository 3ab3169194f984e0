"""The "Manage Subscription" link's token.

The API shows the link (`url`) every time, so the token must be recomputable; it is a bearer credential (it opens a
guest session), so the database must not be enough to forge it. Hence, as invoices' links: a random nonce is stored,
the token is HMAC(server secret key, nonce) and only the token's keyed hash is stored for look-ups. A copy of the
database opens nothing; changing the nonce (not done yet) would revoke a link; rotating the secret key revokes all.
"""

from __future__ import annotations

from portal_kit.ids import derived_token, keyed_hash, new_uuid
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.subscriptions.models import Subscription
from services.subscriptions.subscriptions.repository import SubscriptionRepository

MANAGE_PURPOSE = "subscription-manage-link"


def new_nonce() -> str:
    return new_uuid()


def manage_token(secret_key: bytes, nonce: str) -> str:
    return derived_token(secret_key, nonce, MANAGE_PURPOSE)


def manage_hash(secret_key: bytes, token: str) -> str:
    return keyed_hash(secret_key, token, MANAGE_PURPOSE)


async def by_manage_token(session: AsyncSession, secret_key: bytes, token: str) -> Subscription | None:
    """The subscription (of the call's tenant) a Manage Subscription link opens, or None."""
    if not token or len(token) > 100:
        return None
    return await SubscriptionRepository(session).by_manage_hash(manage_hash(secret_key, token))
