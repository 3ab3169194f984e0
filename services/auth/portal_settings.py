"""A business's portal settings: what a temporary session may see, whether documents need sign-in, timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal_kit.errors import InvalidArgument
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.businesses import current_business
from services.auth.models import ACCOUNT_SCOPE, DOCUMENT_SCOPE, Business

TEMPORARY_SCOPES = (ACCOUNT_SCOPE, DOCUMENT_SCOPE)
IDLE_TIMEOUT_MINUTES = range(5, 240 + 1)
ABSOLUTE_TIMEOUT_HOURS = range(1, 72 + 1)


@dataclass(frozen=True)
class SettingsChanges:
    """Only the fields that are set change."""

    temporary_scope: str | None = None
    require_sign_in: bool | None = None
    idle_timeout_minutes: int | None = None
    absolute_timeout_hours: int | None = None


def validate(changes: SettingsChanges) -> None:
    if changes.temporary_scope is not None and changes.temporary_scope not in TEMPORARY_SCOPES:
        raise InvalidArgument("temporary_scope must be 'account' or 'document'.", "temporary_scope")
    if changes.idle_timeout_minutes is not None and changes.idle_timeout_minutes not in IDLE_TIMEOUT_MINUTES:
        raise InvalidArgument("idle_timeout_minutes must be between 5 and 240.", "idle_timeout_minutes")
    if changes.absolute_timeout_hours is not None and changes.absolute_timeout_hours not in ABSOLUTE_TIMEOUT_HOURS:
        raise InvalidArgument("absolute_timeout_hours must be between 1 and 72.", "absolute_timeout_hours")


async def get_settings(session: AsyncSession) -> Business:
    return await current_business(session)


async def update_settings(session: AsyncSession, changes: SettingsChanges, now: datetime) -> Business:
    """Validates every change first, so a refused update changes nothing."""
    validate(changes)
    business = await current_business(session)
    if changes.temporary_scope is not None:
        business.temporary_scope = changes.temporary_scope
    if changes.require_sign_in is not None:
        business.require_sign_in = changes.require_sign_in
    if changes.idle_timeout_minutes is not None:
        business.idle_timeout_minutes = changes.idle_timeout_minutes
    if changes.absolute_timeout_hours is not None:
        business.absolute_timeout_hours = changes.absolute_timeout_hours
    business.updated_at = now
    session.add(business)
    await session.flush()
    return business
