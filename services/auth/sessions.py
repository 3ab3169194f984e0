"""Customers' portal sessions: server-side, found by the keyed hash of a random token, ended at will.

Full sessions (link, code, SSO) expire after the business's idle timeout without activity and at its absolute
timeout whatever happens; temporary sessions (a document link) last at most one hour. Tightening a business's
timeouts applies at once to sessions already open; loosening them applies to new sessions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal_kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unauthenticated
from portal_kit.ids import keyed_hash, new_token, new_uuid
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.businesses import current_business
from services.auth.models import (
    ACCOUNT_SCOPE,
    DOCUMENT_SCOPE,
    FULL,
    TEMPORARY,
    Business,
    PortalSession,
)
from services.auth.repository import BusinessRepository, SessionRepository

SESSION_ENDED = "Your session has ended. Sign in again."
TOKEN_PURPOSE = "session"
MAX_TOKEN_LENGTH = 200
TEMPORARY_LIFETIME = timedelta(hours=1)
DOCUMENT_TYPES = frozenset({"invoice", "estimate", "subscription", "payment_method"})
RECENT_DEFAULT = 10
RECENT_MAX = 50
ACTIVITY_RESOLUTION = timedelta(minutes=1)  # last_seen_at is written at most this often per session


@dataclass(frozen=True)
class Client:
    """Who is asking, as the gateway saw it; kept with sessions and shown in the recent sign-ins."""

    ip: str = ""
    user_agent: str = ""

    @classmethod
    def of(cls, ip: str, user_agent: str) -> Client:
        return cls(ip.strip()[:64], user_agent.strip()[:500])


@dataclass(frozen=True)
class SessionView:
    row: PortalSession
    customer_ids: list[int]
    idle_timeout: timedelta
    absolute_expires_at: datetime

    @property
    def expires_at(self) -> datetime:
        return min(self.row.last_seen_at + self.idle_timeout, self.absolute_expires_at)


@dataclass(frozen=True)
class StartedSession:
    token: str  # shown once: it goes into the cookie
    view: SessionView


@dataclass(frozen=True)
class RecentSignIn:
    row: PortalSession
    current: bool
    active: bool


def token_hash(secret_key: bytes, token: str) -> str:
    return keyed_hash(secret_key, token, TOKEN_PURPOSE)


def timeouts(row: PortalSession, business: Business) -> tuple[timedelta, datetime]:
    """The idle timeout and the absolute expiry in force: the stricter of the session's and today's settings."""
    idle = timedelta(minutes=min(row.idle_timeout_minutes, business.idle_timeout_minutes))
    absolute = row.absolute_expires_at
    if row.kind == FULL:
        absolute = min(absolute, row.created_at + timedelta(hours=business.absolute_timeout_hours))
    return idle, absolute


def expires_at(row: PortalSession, business: Business) -> datetime:
    """The earlier of the idle and the absolute expiry."""
    idle, absolute = timeouts(row, business)
    return min(row.last_seen_at + idle, absolute)


def is_active(row: PortalSession, business: Business, now: datetime) -> bool:
    return row.ended_at is None and not business.disabled and now <= expires_at(row, business)


async def _start(
    session: AsyncSession,
    secret_key: bytes,
    row: PortalSession,
    customer_ids: Sequence[int],
    business: Business,
) -> StartedSession:
    token = new_token(32)
    row.token_hash = token_hash(secret_key, token)
    sessions = SessionRepository(session)
    await sessions.add(row)
    await sessions.add_customers(row.id, customer_ids)
    return StartedSession(token, SessionView(row, sorted(customer_ids), *timeouts(row, business)))


async def start_full_session(
    session: AsyncSession,
    secret_key: bytes,
    business: Business,
    *,
    method: str,
    email: str,
    customer_ids: Sequence[int],
    client: Client,
    now: datetime,
) -> StartedSession:
    """A new session (new token) for someone who just proved who they are. Acts for the smallest id at first."""
    ids = sorted(set(customer_ids))
    row = PortalSession(
        id=new_uuid(),
        tenant_id=business.id,
        token_hash="",
        kind=FULL,
        scope=ACCOUNT_SCOPE,
        method=method,
        email=email,
        customer_id=ids[0],
        idle_timeout_minutes=business.idle_timeout_minutes,
        absolute_expires_at=now + timedelta(hours=business.absolute_timeout_hours),
        created_at=now,
        last_seen_at=now,
        ip=client.ip,
        user_agent=client.user_agent,
    )
    return await _start(session, secret_key, row, ids, business)


def _temporary_scope(business: Business, document_type: str) -> str:
    # A card-update link (AutoPay failure email) opens its page only, whatever the business's scope.
    if business.temporary_scope == DOCUMENT_SCOPE or document_type == "payment_method":
        return DOCUMENT_SCOPE
    return ACCOUNT_SCOPE


def validate_document(document_type: str, document_id: int) -> None:
    if document_type not in DOCUMENT_TYPES:
        raise InvalidArgument(
            "document_type must be one of: " + ", ".join(sorted(DOCUMENT_TYPES)) + ".", "document_type"
        )
    if document_id <= 0:
        raise InvalidArgument("document_id must be a positive id.", "document_id")


async def start_temporary_session(
    session: AsyncSession,
    secret_key: bytes,
    business: Business,
    *,
    customer_id: int,
    document_type: str,
    document_id: int,
    client: Client,
    now: datetime,
    scope: str | None = None,
) -> StartedSession:
    """A guest session from a document link: one customer, one hour at most, the business's temporary scope
    (or `scope` when the link's own setting decides it: a "Manage Subscription" link)."""
    if business.require_sign_in:
        raise FailedPrecondition("This portal asks customers to sign in before they open documents.")
    validate_document(document_type, document_id)
    row = PortalSession(
        id=new_uuid(),
        tenant_id=business.id,
        token_hash="",
        kind=TEMPORARY,
        scope=scope or _temporary_scope(business, document_type),
        method=TEMPORARY,
        email="",
        customer_id=customer_id,
        document_type=document_type,
        document_id=document_id,
        idle_timeout_minutes=min(business.idle_timeout_minutes, int(TEMPORARY_LIFETIME.total_seconds() // 60)),
        absolute_expires_at=now + TEMPORARY_LIFETIME,
        created_at=now,
        last_seen_at=now,
        ip=client.ip,
        user_agent=client.user_agent,
    )
    return await _start(session, secret_key, row, [customer_id], business)


async def _active(
    session: AsyncSession, secret_key: bytes, token: str, now: datetime
) -> tuple[PortalSession, Business]:
    """The live session behind a token; unknown, ended, expired and disabled-business sessions answer alike."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated(SESSION_ENDED)
    sessions = SessionRepository(session)
    row = await sessions.by_token_hash(token_hash(secret_key, token))
    if row is None:
        raise Unauthenticated(SESSION_ENDED)
    business = await BusinessRepository(session).by_id(sessions.tenant_id)
    if business is None or not is_active(row, business, now):
        raise Unauthenticated(SESSION_ENDED)
    return row, business


async def _view(session: AsyncSession, row: PortalSession, business: Business) -> SessionView:
    ids = await SessionRepository(session).customer_ids(row.id)
    return SessionView(row, ids, *timeouts(row, business))


async def get_session(session: AsyncSession, secret_key: bytes, token: str, now: datetime) -> SessionView:
    """The session, its idle timeout extended. Every call counts as activity, but reading a session writes
    nothing unless its recorded activity is a minute old or more (no write, no WAL flush per page): the idle
    timeout counts from the activity recorded, so a session may end up to a minute early, never late."""
    row, business = await _active(session, secret_key, token, now)
    if now - row.last_seen_at >= ACTIVITY_RESOLUTION:
        await SessionRepository(session).touch(row.id, now)
        row.last_seen_at = now
    return await _view(session, row, business)


async def record_activity(session: AsyncSession, activity: Sequence[tuple[str, datetime]], now: datetime) -> int:
    """Activity a gateway saw on sessions it served from its copies: each session still active at that time (by
    auth's own record) gets it as its latest activity. Unknown, ended, expired and other businesses' sessions are
    skipped; a time in the future counts as now. The number of sessions whose activity moved on."""
    latest: dict[str, datetime] = {}
    for session_id, at in activity:
        latest[session_id] = max(min(at, now), latest.get(session_id, at))
    if not latest:
        return 0
    sessions = SessionRepository(session)
    business = await BusinessRepository(session).by_id(sessions.tenant_id)
    if business is None:
        return 0
    moved = {
        row.id: latest[row.id]
        for row in await sessions.by_ids(sorted(latest))
        if latest[row.id] > row.last_seen_at and is_active(row, business, latest[row.id])
    }
    await sessions.touch_many(moved)
    return len(moved)


async def switch_account(
    session: AsyncSession, secret_key: bytes, token: str, customer_id: int, now: datetime
) -> SessionView:
    row, business = await _active(session, secret_key, token, now)
    if row.kind == TEMPORARY:
        raise PermissionDenied("A guest session cannot switch accounts. Sign in to see your other accounts.")
    if customer_id not in await SessionRepository(session).customer_ids(row.id):
        raise PermissionDenied("You cannot switch to that account.", "customer_id")
    row.customer_id = customer_id
    row.last_seen_at = now
    session.add(row)
    await session.flush()
    return await _view(session, row, business)


async def end_session(session: AsyncSession, secret_key: bytes, token: str, now: datetime) -> str | None:
    """Ends the session at once; its id, or None when there was none. Ending an unknown or ended session is no
    error."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    sessions = SessionRepository(session)
    row = await sessions.by_token_hash(token_hash(secret_key, token))
    if row is None:
        return None
    await sessions.end([row.id], now)
    return row.id


@dataclass(frozen=True)
class Ended:
    active: int  # how many of the sessions ended were still usable
    ids: list[str]  # every session ended


async def _end_counting_active(
    session: AsyncSession, rows: Sequence[PortalSession], business: Business, now: datetime
) -> Ended:
    """Ends every open session given."""
    await SessionRepository(session).end([r.id for r in rows], now)
    return Ended(sum(1 for r in rows if is_active(r, business, now)), [r.id for r in rows])


async def end_sessions_everywhere(session: AsyncSession, secret_key: bytes, token: str, now: datetime) -> Ended:
    row, business = await _active(session, secret_key, token, now)
    rows = await SessionRepository(session).open_of_person(row)
    return await _end_counting_active(session, rows, business, now)


async def end_customer_sessions(session: AsyncSession, customer_id: int, now: datetime) -> Ended:
    if customer_id <= 0:
        raise InvalidArgument("customer_id must be a positive id.", "customer_id")
    business = await current_business(session)
    rows = await SessionRepository(session).open_of_customer(customer_id)
    return await _end_counting_active(session, rows, business, now)


async def recent_sign_ins(
    session: AsyncSession, secret_key: bytes, token: str, limit: int, now: datetime
) -> list[RecentSignIn]:
    """The sign-ins of the person behind this session, newest first."""
    row, business = await _active(session, secret_key, token, now)
    limit = RECENT_DEFAULT if limit <= 0 else min(limit, RECENT_MAX)
    rows = await SessionRepository(session).of_person(row, limit)
    return [RecentSignIn(r, r.id == row.id, is_active(r, business, now)) for r in rows]
