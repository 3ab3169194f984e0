"""What opening an emailed document link ("View Invoice") does: the business's policy, decided in one place.

- a link that opens nothing (unknown, expired, closed document) → EXPIRED, all alike;
- a full session that may act for the document's customer → SIGNED_IN, switched to that account;
- a business that asks for a full sign-in first → REQUIRE_SIGN_IN;
- otherwise a guest (temporary) session for that document → GUEST_SESSION; or, for links that only fetch the
  document and must not start a session (the PDF), OPEN_BY_LINK: the link itself is the credential.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from portal_kit.errors import Unauthenticated
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth import businesses, sessions
from services.auth.billing_customers import LinkedDocument
from services.auth.models import TEMPORARY
from services.auth.sessions import Client, StartedSession


class Outcome(enum.Enum):
    EXPIRED = "expired"
    SIGNED_IN = "signed_in"
    GUEST_SESSION = "guest_session"
    REQUIRE_SIGN_IN = "require_sign_in"
    OPEN_BY_LINK = "open_by_link"


@dataclass(frozen=True)
class LinkDecision:
    outcome: Outcome
    document: LinkedDocument | None = None
    started: StartedSession | None = None


async def _signed_in_for(
    session: AsyncSession, secret_key: bytes, token: str, document: LinkedDocument, now: datetime
) -> bool:
    """True when the visitor's full session may act for the document's customer (and now does)."""
    if not token:
        return False
    try:
        view = await sessions.get_session(session, secret_key, token, now)
    except Unauthenticated:
        return False
    if view.row.kind == TEMPORARY or document.customer_id not in view.customer_ids:
        return False
    if view.row.customer_id != document.customer_id:
        await sessions.switch_account(session, secret_key, token, document.customer_id, now)
    return True


async def open_document_link(
    session: AsyncSession,
    secret_key: bytes,
    document: LinkedDocument | None,
    session_token: str,
    client: Client,
    start_guest_session: bool,
    now: datetime,
) -> LinkDecision:
    if document is None:
        return LinkDecision(Outcome.EXPIRED)
    if await _signed_in_for(session, secret_key, session_token, document, now):
        return LinkDecision(Outcome.SIGNED_IN, document)
    business = await businesses.enabled_business(session, sessions.SESSION_ENDED)
    if business.require_sign_in:
        return LinkDecision(Outcome.REQUIRE_SIGN_IN, document)
    if not start_guest_session:
        return LinkDecision(Outcome.OPEN_BY_LINK, document)
    started = await sessions.start_temporary_session(
        session,
        secret_key,
        business,
        customer_id=document.customer_id,
        document_type=document.document_type,
        document_id=document.document_id,
        client=client,
        now=now,
        scope=document.scope,
    )
    return LinkDecision(Outcome.GUEST_SESSION, document, started)
