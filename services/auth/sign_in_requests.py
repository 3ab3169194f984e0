"""Asking for a sign-in email, and the consumer that decides whether one goes out.

The request itself does the same work for every address (one outbox event, a random attempt id), so its
answer and timing say nothing about who is a customer. The matching, the rate limits and the email happen in
the consumer of `auth.sign_in_requested.v1`, which records every request it handles, sent or refused.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from portal.auth.v1 import events_pb2
from portal.mailer.v1 import email_pb2
from portal_kit import metrics
from portal_kit.consumer import Event
from portal_kit.context import bound, current_tenant
from portal_kit.errors import InvalidArgument
from portal_kit.ids import keyed_hash, new_token
from portal_kit.outbox import record_event
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.billing_customers import BillingCustomers
from services.auth.models import SignInRequest
from services.auth.repository import BusinessRepository, SignInRequestRepository
from services.auth.sessions import Client

log = logging.getLogger("services.auth.sign_in")

SIGN_IN_REQUESTED_TOPIC = "auth.sign_in_requested.v1"
EMAIL_REQUESTED_TOPIC = "auth.email_requested.v1"
LINK_LIFETIME = timedelta(minutes=15)
RATE_WINDOW = timedelta(minutes=15)
EMAILS_PER_ADDRESS = 5
REQUESTS_PER_IP = 20
EMAILS_PER_BUSINESS = 500
MAX_EMAIL_LENGTH = 254
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ATTEMPT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_RETURN_TO = 500
EMAIL_HASH_PURPOSE = "sign-in-email"
LINK_PURPOSE = "sign-in-link"
CODE_PURPOSE = "sign-in-code"

NO_MATCH = "no_match"
ADDRESS_LIMIT = "address_limit"
IP_LIMIT = "ip_limit"
BUSINESS_LIMIT = "business_limit"


@dataclass(frozen=True)
class Presentation:
    business_name: str
    portal_url: str


def normalize_email(value: str) -> str:
    """How sign-in compares addresses (billing's FindCustomersByEmail does the same): NFKC, trimmed, lower-case."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def looks_like_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_LENGTH and EMAIL_SHAPE.match(value) is not None


def safe_return_to(value: str) -> str:
    """A path on the portal's own host, or "" (never another host: no "//", no backslashes, no controls)."""
    if len(value) > MAX_RETURN_TO or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
        return ""
    return value


def clean_presentation(business_name: str, portal_url: str) -> Presentation:
    """The gateway's presentation, checked: a bad one is a gateway bug, the same for every address."""
    name = " ".join(business_name.split())[:100]
    if not name:
        raise InvalidArgument("The presentation needs the business name.", "presentation.business_name")
    url = portal_url.strip().rstrip("/")
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ch in "\"'<>\\" for ch in url)
    ):
        raise InvalidArgument("The presentation needs the portal's http(s) address.", "presentation.portal_url")
    return Presentation(name, url)


def attempt_id_or_new(given: str) -> str:
    if not given:
        return new_token(16)
    if not ATTEMPT_ID.match(given):
        raise InvalidArgument("attempt_id must be 16 to 64 URL-safe characters.", "attempt_id")
    return given


async def request_sign_in(
    session: AsyncSession,
    *,
    email: str,
    client: Client,
    presentation: Presentation,
    return_to: str,
    attempt_id: str,
) -> tuple[str, bool]:
    """The attempt id to answer with, and whether an event was recorded. No lookups: see the module docstring."""
    current_tenant()
    attempt = attempt_id_or_new(attempt_id)
    address = email.strip()
    if not looks_like_email(address):
        return attempt, False
    requested = events_pb2.SignInRequested(
        attempt_id=attempt,
        email=address,
        ip=client.ip,
        user_agent=client.user_agent,
        portal_url=presentation.portal_url,
        business_name=presentation.business_name,
        return_to=safe_return_to(return_to),
    )
    await record_event(session, SIGN_IN_REQUESTED_TOPIC, key=attempt, message=requested)
    return attempt, True


def code_hash(secret_key: bytes, attempt_id: str, code: str) -> str:
    return keyed_hash(secret_key, f"{attempt_id}:{code}", CODE_PURPOSE)


def link_hash(secret_key: bytes, token: str) -> str:
    return keyed_hash(secret_key, token, LINK_PURPOSE)


async def rate_limit_reason(requests: SignInRequestRepository, email_hash: str, ip: str, now: datetime) -> str | None:
    """Emails sent count per address and per business; per IP, every request that reached a lookup counts."""
    since = now - RATE_WINDOW
    if await requests.emails_sent_since(since, email_hash) >= EMAILS_PER_ADDRESS:
        return ADDRESS_LIMIT
    if await requests.lookups_since(since, ip, NO_MATCH) >= REQUESTS_PER_IP:
        return IP_LIMIT
    if await requests.emails_sent_since(since) >= EMAILS_PER_BUSINESS:
        return BUSINESS_LIMIT
    return None


class SignInRequestHandler:
    """Handles `auth.sign_in_requested.v1` in the consumer's unit of work: the request row and the email event
    commit together, with the consumer's processed-event mark."""

    def __init__(self, secret_key: bytes, billing: BillingCustomers, now: Callable[[], datetime]) -> None:
        self.secret_key = secret_key
        self.billing = billing
        self.now = now

    async def __call__(self, event: Event, session: AsyncSession) -> None:
        with bound(event.tenant_id):
            await self.handle(event, session)

    async def handle(self, event: Event, session: AsyncSession) -> None:
        about = {"event_id": event.event_id, "tenant_id": event.tenant_id}
        requested = event.decode(events_pb2.SignInRequested)
        email = normalize_email(requested.email)
        attempt_id = requested.attempt_id
        try:
            presentation = clean_presentation(requested.business_name, requested.portal_url)
        except InvalidArgument:
            presentation = None
        if not looks_like_email(email) or not ATTEMPT_ID.match(attempt_id) or presentation is None:
            log.warning("malformed sign-in request skipped", extra=about)
            return
        business = await BusinessRepository(session).by_id(event.tenant_id)
        if business is None or business.disabled:
            log.warning("sign-in request for a missing or disabled business skipped", extra=about)
            return

        now = self.now()
        client = Client.of(requested.ip, requested.user_agent)
        requests = SignInRequestRepository(session)
        row = SignInRequest(
            tenant_id=event.tenant_id,
            attempt_id=attempt_id,
            email_hash=keyed_hash(self.secret_key, email, EMAIL_HASH_PURPOSE),
            ip=client.ip,
            user_agent=client.user_agent,
            return_to=safe_return_to(requested.return_to),
            created_at=now,
        )
        refused = await rate_limit_reason(requests, row.email_hash, row.ip, now)
        if refused is not None:
            row.refused_reason = refused
            await requests.add(row)
            metrics.SIGN_IN_EMAILS_REFUSED.labels(refused).inc()
            log.warning("sign-in email refused: rate limit", extra={**about, "reason": refused})
            return
        if not await self.billing.ids_by_email(email):
            row.refused_reason = NO_MATCH
            await requests.add(row)
            log.info("sign-in request matches no customer", extra={**about, "reason": NO_MATCH})
            return

        await requests.supersede_open(row.email_hash, attempt_id, now)
        token = new_token(24)
        code = f"{secrets.randbelow(10**6):06d}"
        row.email = email
        row.link_hash = link_hash(self.secret_key, token)
        row.code_hash = code_hash(self.secret_key, attempt_id, code)
        row.expires_at = now + LINK_LIFETIME
        await requests.add(row)
        email_requested = events_pb2.EmailRequested(
            envelope=email_pb2.Envelope(
                to=[email_pb2.Recipient(name="", email=email)], from_name=presentation.business_name
            ),
            sign_in=events_pb2.SignInEmail(
                link=f"{presentation.portal_url}/sign-in/{token}",
                code=code,
                valid_minutes=int(LINK_LIFETIME.total_seconds() // 60),
            ),
        )
        await record_event(session, EMAIL_REQUESTED_TOPIC, key=attempt_id, message=email_requested)
        log.info("sign-in email requested", extra=about)
