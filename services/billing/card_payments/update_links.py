"""The "update your card" link an AutoPay failure emails: it opens the Payment methods page as a guest.

Stored as a keyed hash only; it works once, for 7 days. Billing says which customer a link is for; auth starts the
guest session (document type `payment_method`), so the link never grants more than that page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from portal_kit.errors import NotFound
from portal_kit.ids import keyed_hash, new_token
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments.models import CardUpdateLink
from services.billing.card_payments.repository import CardUpdateLinkRepository

PURPOSE = "card-update-link"
LIFETIME = timedelta(days=7)
MAX_TOKEN = 100
INVALID = "This link is not valid any more. Sign in to update your card."


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


async def issue(session: AsyncSession, secret_key: bytes, customer_id: int) -> str:
    token = new_token()
    repository = CardUpdateLinkRepository(session)
    await repository.add(
        CardUpdateLink(
            tenant_id=repository.tenant_id,
            token_hash=keyed_hash(secret_key, token, PURPOSE),
            customer_id=customer_id,
            expires_at=utcnow() + LIFETIME,
        )  # fmt: skip
    )
    return token


async def redeem(session: AsyncSession, secret_key: bytes, token: str) -> int:
    """The link's customer; the link is used up. Unknown, used and expired links answer alike."""
    if not token or len(token) > MAX_TOKEN:
        raise NotFound(INVALID, "token")
    repository = CardUpdateLinkRepository(session)
    link = await repository.by_hash(keyed_hash(secret_key, token, PURPOSE))
    now = utcnow()
    if link is None or link.used_at is not None or _aware(link.expires_at) <= now:
        raise NotFound(INVALID, "token")
    link.used_at = now
    await repository.save(link)
    return link.customer_id
