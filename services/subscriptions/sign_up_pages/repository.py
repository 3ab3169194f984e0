"""Sign-up pages' SQL, scoped by tenant."""

from __future__ import annotations

from datetime import datetime

from portal_kit.repository import TenantRepository
from sqlmodel import col

from services.subscriptions.models import Plan
from services.subscriptions.sign_up_pages.models import SignUp, SignUpAttempt, SignUpPage


class SignUpPageRepository(TenantRepository[SignUpPage]):
    model = SignUpPage
    noun = "sign-up page"

    async def oldest_first(self, page: int, per_page: int) -> tuple[list[SignUpPage], int]:
        return await self.page(self.base().order_by(col(SignUpPage.created_at), col(SignUpPage.pk)), page, per_page)

    async def by_token_hash(self, token_hash: str) -> SignUpPage | None:
        return await self.first(self.base().where(col(SignUpPage.token_hash) == token_hash))

    async def default_page(self) -> SignUpPage | None:
        return await self.first(self.base().where(col(SignUpPage.is_default).is_(True)).order_by(col(SignUpPage.pk)))

    async def clear_default(self) -> None:
        await self.update(col(SignUpPage.is_default).is_(True), values={"is_default": False})


class SignUpRepository(TenantRepository[SignUp]):
    model = SignUp
    noun = "sign-up"

    async def by_key_hash(self, key_hash: str) -> SignUp | None:
        return await self.first(self.base().where(col(SignUp.key_hash) == key_hash))


class SignUpAttemptRepository(TenantRepository[SignUpAttempt]):
    model = SignUpAttempt
    noun = "sign-up attempt"

    async def count_since(self, kind: str, since: datetime, ip_hash: str | None = None) -> int:
        conditions = [col(SignUpAttempt.kind) == kind, col(SignUpAttempt.created_at) >= since]
        if ip_hash is not None:
            conditions.append(col(SignUpAttempt.ip_hash) == ip_hash)
        return await self.count(*conditions)


class OfferedPlanRepository(TenantRepository[Plan]):
    """Plans as sign-up pages read them (plans themselves belong to `services/subscriptions/plans`)."""

    model = Plan
    noun = "plan"

    async def among(self, plan_ids: list[str]) -> list[Plan]:
        if not plan_ids:
            return []
        return await self.all(self.base().where(col(Plan.id).in_(plan_ids)))
