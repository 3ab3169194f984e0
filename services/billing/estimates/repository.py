"""Estimates' SQL, scoped by tenant. Nothing here commits; the servicer's unit of work does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal_kit.repository import TenantRepository
from sqlalchemy import ColumnElement, and_, false, not_
from sqlmodel import col

from services.billing.estimates.models import Estimate, EstimateApproval, EstimateSettings


@dataclass(frozen=True)
class EstimateFilters:
    """Conditions for an estimate list; None = no condition. `status` is one of estimates.STATUSES."""

    customer: int | None = None
    number: str | None = None
    currency: str | None = None
    status: str | None = None
    draft: bool | None = None
    closed: bool | None = None


def status_condition(status: str, now: datetime) -> ColumnElement[bool]:
    """The SQL twin of estimates.estimate_status, for filter[status]."""
    voided, draft, sent, viewed = (col(getattr(Estimate, n)).is_(True) for n in ("voided", "draft", "sent", "viewed"))
    invoiced = col(Estimate.invoice_id).is_not(None)
    approved = col(Estimate.approval_id).is_not(None)
    decided = col(Estimate.decision).is_not(None)
    expired = and_(col(Estimate.expiration_date).is_not(None), col(Estimate.expiration_date) < now)
    undecided = and_(not_(voided), not_(draft), not_(invoiced), not_(approved), not_(decided))
    conditions = {
        "voided": voided,
        "draft": and_(not_(voided), draft),
        "invoiced": and_(not_(voided), not_(draft), invoiced),
        "approved": and_(not_(voided), not_(draft), not_(invoiced), approved),
        "declined": and_(
            not_(voided), not_(draft), not_(invoiced), not_(approved), col(Estimate.decision) == "declined"
        ),
        "changes_requested": and_(
            not_(voided), not_(draft), not_(invoiced), not_(approved), col(Estimate.decision) == "changes_requested"
        ),
        "expired": and_(undecided, expired),
        "viewed": and_(undecided, not_(expired), viewed),
        "sent": and_(undecided, not_(expired), not_(viewed), sent),
        "not_sent": and_(undecided, not_(expired), not_(viewed), not_(sent)),
    }
    return conditions.get(status, false())


class EstimateRepository(TenantRepository[Estimate]):
    model = Estimate
    noun = "estimate"

    async def by_link_hash(self, link_hash: str) -> Estimate | None:
        return await self.first(self.base().where(col(Estimate.link_hash) == link_hash))

    async def locked(self, estimate_id: int) -> Estimate | None:
        """The estimate, its row locked until the commit and re-read (paying its deposit waits for another pay)."""
        query = self.base().where(col(Estimate.id) == estimate_id).with_for_update()
        return await self.first(query.execution_options(populate_existing=True))

    async def number_taken(self, number: str) -> bool:
        return await self.exists(col(Estimate.number) == number)

    async def any_of_customer(self, customer_id: int) -> bool:
        return await self.exists(col(Estimate.customer_id) == customer_id)

    async def listing(
        self, filters: EstimateFilters, now: datetime, page: int, per_page: int
    ) -> tuple[list[Estimate], int]:
        query = self.base()
        if filters.customer is not None:
            query = query.where(col(Estimate.customer_id) == filters.customer)
        if filters.number is not None:
            query = query.where(col(Estimate.number) == filters.number)
        if filters.currency is not None:
            query = query.where(col(Estimate.currency) == filters.currency)
        if filters.status is not None:
            query = query.where(status_condition(filters.status, now))
        for flag, value in (("draft", filters.draft), ("closed", filters.closed)):
            if value is not None:
                query = query.where(col(getattr(Estimate, flag)).is_(value))
        return await self.page(query.order_by(col(Estimate.created_at), col(Estimate.pk)), page, per_page)

    async def of_customer(self, customer_id: int, limit: int) -> list[Estimate]:
        """A customer's estimates as its portal lists them: newest first, drafts left out."""
        query = (
            self.base()
            .where(col(Estimate.customer_id) == customer_id, col(Estimate.draft).is_(False))
            .order_by(col(Estimate.pk).desc())
            .limit(limit)
        )
        return await self.all(query)


class ApprovalRepository(TenantRepository[EstimateApproval]):
    model = EstimateApproval
    noun = "approval"

    async def of_estimate(self, estimate_id: int) -> list[EstimateApproval]:
        query = self.base().where(col(EstimateApproval.estimate_id) == estimate_id)
        return await self.all(query.order_by(col(EstimateApproval.pk)))

    async def void_of_estimate(self, estimate_id: int, now: datetime) -> int:
        """Marks the estimate's standing approvals voided (a later edit changed what was approved)."""
        return await self.update(
            col(EstimateApproval.estimate_id) == estimate_id,
            col(EstimateApproval.voided_at).is_(None),
            values={"voided_at": now},
        )

    async def delete_of_estimate(self, estimate_id: int) -> None:
        await self.delete(col(EstimateApproval.estimate_id) == estimate_id)


class SettingsRepository(TenantRepository[EstimateSettings]):
    model = EstimateSettings
    noun = "estimate settings"

    async def current(self) -> EstimateSettings:
        """The business's settings, or the defaults (not stored until changed)."""
        found = await self.first(self.base())
        return found if found is not None else EstimateSettings(tenant_id=self.tenant_id)

    async def store(self, settings: EstimateSettings) -> EstimateSettings:
        settings.tenant_id = self.tenant_id
        merged = await self.session.merge(settings)
        await self.session.flush()
        return merged
