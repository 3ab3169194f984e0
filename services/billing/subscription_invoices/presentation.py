"""The business's name and portal URL for emails no gateway request carries (the subscription scheduler's).

Remembered from the gateway's calls that carry a Presentation (invoice sends, subscription invoices when the
caller gives one); a business connected to Stripe has one on its Stripe account too."""

from __future__ import annotations

from portal_kit.context import current_tenant
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments.repository import StripeAccountRepository
from services.billing.delivery import Presentation
from services.billing.subscription_invoices.repository import PresentationRepository


def usable(presentation: Presentation) -> Presentation | None:
    name = " ".join(presentation.business_name.split())[:200]
    url = presentation.portal_url.strip().rstrip("/")
    if not name or not url.startswith(("http://", "https://")) or len(url) > 500 or any(c.isspace() for c in url):
        return None
    return Presentation(name, url)


async def remember(session: AsyncSession, presentation: Presentation) -> None:
    """Keeps the latest one (a no-op when unchanged). Two first remembers racing: the other one's row stays."""
    checked = usable(presentation)
    if checked is None:
        return
    try:
        async with session.begin_nested():
            await PresentationRepository(session, current_tenant()).remember(checked.business_name, checked.portal_url)
    except IntegrityError:
        pass


async def known(session: AsyncSession) -> Presentation | None:
    row = await PresentationRepository(session, current_tenant()).current()
    if row is not None:
        return Presentation(row.business_name, row.portal_url)
    account = await StripeAccountRepository(session).current()
    if account is not None and account.portal_url:
        return usable(Presentation(account.business_name or account.portal_url, account.portal_url))
    return None
