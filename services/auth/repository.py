"""Businesses and API keys are looked up before any tenant is known; everything else belongs to one tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from portal_kit.repository import TenantRepository
from sqlalchemy import ColumnElement, and_, bindparam, func, or_, update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.models import (
    ApiKey,
    Business,
    PortalSession,
    SessionCustomer,
    SignInCodeAttempt,
    SignInRequest,
    UsedSsoToken,
)


class BusinessRepository:
    """Not tenant-scoped on purpose: this is how a tenant is found in the first place."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_id(self, business_id: str) -> Business | None:
        return await self.session.get(Business, business_id)

    async def by_username(self, username: str) -> Business | None:
        return (await self.session.exec(select(Business).where(col(Business.username) == username))).first()

    async def add(self, business: Business) -> Business:
        self.session.add(business)
        await self.session.flush()
        return business

    async def lock(self, business_id: str) -> None:
        """Holds the business's row until commit, so changes that check the whole business run one at a time
        (PostgreSQL: SELECT ... FOR UPDATE; SQLite has a single writer anyway)."""
        await self.session.exec(select(Business.id).where(col(Business.id) == business_id).with_for_update())


class ApiKeyLookup:
    """Not tenant-scoped on purpose: a key's hash is how its tenant is found in the first place."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def with_business(self, key_hash: str) -> tuple[ApiKey, Business] | None:
        query = (
            select(ApiKey, Business)
            .join(Business, col(Business.id) == col(ApiKey.tenant_id))
            .where(col(ApiKey.key_hash) == key_hash)
        )
        row = (await self.session.exec(query)).first()
        return (row[0], row[1]) if row is not None else None


class ApiKeyRepository(TenantRepository[ApiKey]):
    model = ApiKey
    noun = "API key"

    async def oldest_first(self) -> list[ApiKey]:
        return await self.all(self.base().order_by(col(ApiKey.created_at), col(ApiKey.id)))

    async def active_count(self) -> int:
        return await self.count(col(ApiKey.revoked_at).is_(None))


class SignInRequestRepository(TenantRepository[SignInRequest]):
    model = SignInRequest
    noun = "sign-in request"

    async def emails_sent_since(self, since: datetime, email_hash: str | None = None) -> int:
        """Requests that sent an email (none was refused), to this address when one is given."""
        conditions = [col(SignInRequest.created_at) > since, col(SignInRequest.refused_reason).is_(None)]
        if email_hash is not None:
            conditions.append(col(SignInRequest.email_hash) == email_hash)
        return await self.count(*conditions)

    async def lookups_since(self, since: datetime, ip: str, no_match_reason: str) -> int:
        """Requests from this IP that reached the customer lookup: sent, or refused because nothing matched."""
        reason = col(SignInRequest.refused_reason)
        return await self.count(
            col(SignInRequest.created_at) > since,
            col(SignInRequest.ip) == ip,
            or_(reason.is_(None), reason == no_match_reason),
        )

    async def by_link_hash(self, link_hash: str) -> SignInRequest | None:
        return await self.first(self.base().where(col(SignInRequest.link_hash) == link_hash))

    async def open_with_code(self, attempt_id: str, now: datetime) -> SignInRequest | None:
        """The usable request of a browser's attempt (a newer request of the attempt replaces older ones)."""
        query = (
            self.base()
            .where(
                col(SignInRequest.attempt_id) == attempt_id, col(SignInRequest.code_hash).is_not(None), *self._open(now)
            )
            .order_by(col(SignInRequest.created_at).desc())
        )
        return await self.first(query)

    @staticmethod
    def _open(now: datetime) -> list[ColumnElement[bool]]:
        return [
            col(SignInRequest.used_at).is_(None),
            col(SignInRequest.superseded_at).is_(None),
            col(SignInRequest.expires_at) > now,
        ]

    async def supersede_open(self, email_hash: str, attempt_id: str, now: datetime) -> None:
        """Older links and codes for the same address, or asked for by the same browser attempt, stop working."""
        await self.update(
            or_(col(SignInRequest.email_hash) == email_hash, col(SignInRequest.attempt_id) == attempt_id),
            col(SignInRequest.link_hash).is_not(None),
            col(SignInRequest.used_at).is_(None),
            col(SignInRequest.superseded_at).is_(None),
            values={"superseded_at": now},
        )

    async def claim(self, request_id: str, now: datetime) -> bool:
        """Marks an open request used. Race-safe: of two concurrent claims exactly one changes the row."""
        return await self.update(col(SignInRequest.id) == request_id, *self._open(now), values={"used_at": now}) == 1

    async def spend_attempt(self, request_id: str, now: datetime, limit: int) -> bool:
        """Counts one code attempt before the code is compared, so parallel guesses cannot exceed the limit."""
        changed = await self.update(
            col(SignInRequest.id) == request_id,
            col(SignInRequest.attempts) < limit,
            *self._open(now),
            values={"attempts": col(SignInRequest.attempts) + 1},
        )
        return changed == 1


class CodeAttemptRepository(TenantRepository[SignInCodeAttempt]):
    model = SignInCodeAttempt
    noun = "sign-in code attempt"

    async def record(self, now: datetime) -> str:
        attempt = await self.add(SignInCodeAttempt(tenant_id=self.tenant_id, created_at=now))
        return attempt.id

    async def count_since(self, since: datetime) -> int:
        return await self.count(col(SignInCodeAttempt.created_at) > since)

    async def count_all_since(self, since: datetime) -> int:
        """Across every business on purpose: the overall cap."""
        query = select(func.count()).select_from(SignInCodeAttempt).where(col(SignInCodeAttempt.created_at) > since)
        return int((await self.session.exec(query)).one())

    async def remove(self, attempt_id: str) -> None:
        await self.delete(col(SignInCodeAttempt.id) == attempt_id)


class SessionRepository(TenantRepository[PortalSession]):
    model = PortalSession
    noun = "session"

    async def by_token_hash(self, token_hash: str) -> PortalSession | None:
        return (await self.session.exec(self.base().where(col(PortalSession.token_hash) == token_hash))).first()

    async def add_customers(self, session_id: str, customer_ids: Sequence[int]) -> None:
        for customer_id in customer_ids:
            self.session.add(SessionCustomer(session_id=session_id, customer_id=customer_id, tenant_id=self.tenant_id))
        await self.session.flush()

    async def customer_ids(self, session_id: str) -> list[int]:
        query = select(SessionCustomer.customer_id).where(
            self.scope(SessionCustomer), col(SessionCustomer.session_id) == session_id
        )
        return sorted((await self.session.exec(query)).all())

    def _same_person(self, current: PortalSession) -> ColumnElement[bool]:
        """Same email; sessions without one (SSO, temporary) belong to their single customer."""
        if current.email:
            return col(PortalSession.email) == current.email
        return and_(col(PortalSession.email) == "", col(PortalSession.customer_id) == current.customer_id)

    async def of_person(self, current: PortalSession, limit: int | None = None) -> list[PortalSession]:
        query = self.base().where(self._same_person(current)).order_by(col(PortalSession.created_at).desc())
        if limit is not None:
            query = query.limit(limit)
        return await self.all(query)

    async def open_of_person(self, current: PortalSession) -> list[PortalSession]:
        return await self.all(self.base().where(self._same_person(current), col(PortalSession.ended_at).is_(None)))

    async def open_of_customer(self, customer_id: int) -> list[PortalSession]:
        members = select(SessionCustomer.session_id).where(
            self.scope(SessionCustomer), col(SessionCustomer.customer_id) == customer_id
        )
        return await self.all(
            self.base().where(col(PortalSession.id).in_(members), col(PortalSession.ended_at).is_(None))
        )

    async def by_ids(self, session_ids: Sequence[str]) -> list[PortalSession]:
        return await self.all(self.base().where(col(PortalSession.id).in_(session_ids)))

    async def touch(self, session_id: str, now: datetime) -> None:
        """Records activity: one UPDATE of one column, nothing else of the row is written."""
        await self.update(col(PortalSession.id) == session_id, values={"last_seen_at": now})

    async def touch_many(self, seen: dict[str, datetime]) -> None:
        """Records the activity of many sessions (id -> time) with one statement executed for all of them (asyncpg
        sends the executions together: one round trip, where a gateway's report used to cost one per session)."""
        if seen:
            rows = [{"tenant": self.tenant_id, "session": session_id, "at": at} for session_id, at in seen.items()]
            await self.session.execute(_TOUCH, rows)

    async def end(self, session_ids: Sequence[str], now: datetime) -> None:
        if not session_ids:
            return
        await self.update(
            col(PortalSession.id).in_(session_ids), col(PortalSession.ended_at).is_(None), values={"ended_at": now}
        )


class UsedSsoTokenRepository(TenantRepository[UsedSsoToken]):
    model = UsedSsoToken
    noun = "SSO token"

    async def forget_expired(self, now: datetime) -> None:
        """A token past its expiry is refused anyway, so its jti need not be kept."""
        await self.delete(col(UsedSsoToken.expires_at) < now)


class CrossTenantRetention:
    """Deletes rows that are expired for every business. NOT tenant-scoped, on purpose and only here: a purge job
    runs for all tenants at once, and each condition is about age alone, never about who owns a row."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def delete_sessions_expired_before(self, cutoff: datetime) -> tuple[int, int]:
        """Sessions whose absolute expiry is before `cutoff`, and their customer links: (sessions, links)."""
        dead = select(PortalSession.id).where(col(PortalSession.absolute_expires_at) < cutoff)
        links = await self.session.exec(delete(SessionCustomer).where(col(SessionCustomer.session_id).in_(dead)))
        sessions = await self.session.exec(delete(PortalSession).where(col(PortalSession.absolute_expires_at) < cutoff))
        return sessions.rowcount, links.rowcount

    async def delete_sign_in_requests_before(self, cutoff: datetime) -> int:
        result = await self.session.exec(delete(SignInRequest).where(col(SignInRequest.created_at) < cutoff))
        return result.rowcount

    async def delete_sign_in_code_attempts_before(self, cutoff: datetime) -> int:
        result = await self.session.exec(delete(SignInCodeAttempt).where(col(SignInCodeAttempt.created_at) < cutoff))
        return result.rowcount


_SESSIONS = PortalSession.__table__  # type: ignore[attr-defined]
_TOUCH = (
    update(_SESSIONS)
    .where(_SESSIONS.c.tenant_id == bindparam("tenant"), _SESSIONS.c.id == bindparam("session"))
    .values(last_seen_at=bindparam("at"))
)  # built once: its compiled form is cached, and each report binds its rows
