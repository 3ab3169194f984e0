"""A business's estimate settings: approval makes the invoice at once, terms to accept, where decisions are emailed."""

from __future__ import annotations

from dataclasses import dataclass

from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import validation
from services.billing.estimates.models import EstimateSettings
from services.billing.estimates.repository import SettingsRepository

TERMS_LIMIT = 10_000


@dataclass(frozen=True)
class SettingsChanges:
    approval_creates_invoice: bool | None = None
    terms: str | None = None
    notify_email: str | None = None


async def current(session: AsyncSession) -> EstimateSettings:
    return await SettingsRepository(session).current()


async def update(session: AsyncSession, changes: SettingsChanges) -> EstimateSettings:
    repository = SettingsRepository(session)
    settings = await repository.current()
    if changes.approval_creates_invoice is not None:
        settings.approval_creates_invoice = changes.approval_creates_invoice
    if changes.terms is not None:
        settings.terms = validation.text(changes.terms, "terms", TERMS_LIMIT) or ""
    if changes.notify_email is not None:
        settings.notify_email = validation.email(changes.notify_email, "notify_email") or ""
    settings.updated_at = utcnow()
    return await repository.store(settings)
