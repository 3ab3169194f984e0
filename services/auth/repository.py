"""Businesses and API keys are looked up before any tenant is known; idempotent requests belong to one tenant."""

from __future__ import annotations

from portal_kit.repository import TenantRepository
from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.models import IN_PROGRESS, ApiKey, Business, IdempotentRequest


class BusinessRepository:
    """Not tenant-scoped on purpose: this is how a tenant is found in the first place."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_username(self, username: str) -> Business | None:
        return (await self.session.exec(select(Business).where(Business.username == username))).first()

    async def add(self, business: Business) -> Business:
        self.session.add(business)
        await self.session.flush()
        return business


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def with_business(self, key_hash: str) -> tuple[ApiKey, Business] | None:
        query = (
            select(ApiKey, Business)
            .join(Business, Business.id == ApiKey.tenant_id)  # type: ignore[arg-type]
            .where(ApiKey.key_hash == key_hash)
        )
        row = (await self.session.exec(query)).first()
        return (row[0], row[1]) if row is not None else None

    async def add(self, api_key: ApiKey) -> ApiKey:
        self.session.add(api_key)
        await self.session.flush()
        return api_key


class IdempotentRequestRepository(TenantRepository[IdempotentRequest]):
    model = IdempotentRequest
    noun = "idempotent request"

    async def by_key(self, key: str) -> IdempotentRequest | None:
        return (await self.session.exec(self.base().where(IdempotentRequest.key == key))).first()

    async def remove(self, request_id: str) -> None:
        """A Core DELETE: a row that a concurrent call already removed is no error."""
        await self.session.exec(
            delete(IdempotentRequest).where(
                IdempotentRequest.tenant_id == self.tenant_id,  # type: ignore[arg-type]
                IdempotentRequest.id == request_id,  # type: ignore[arg-type]
            )
        )

    async def remove_in_progress(self, key: str) -> None:
        await self.session.exec(
            delete(IdempotentRequest).where(
                IdempotentRequest.tenant_id == self.tenant_id,  # type: ignore[arg-type]
                IdempotentRequest.key == key,  # type: ignore[arg-type]
                IdempotentRequest.state == IN_PROGRESS,  # type: ignore[arg-type]
            )
        )
