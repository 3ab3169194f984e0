"""A business's comment settings: comments on or off, guests (emailed-link sessions) allowed, notification address."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal_kit.errors import InvalidArgument
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.comments.models import CommentSettings
from services.comments.repository import CommentSettingsRepository

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


@dataclass(frozen=True)
class SettingsChanges:
    comments_enabled: bool | None = None
    guests_may_comment: bool | None = None
    notification_email: str | None = None  # "" clears it


async def current(session: AsyncSession) -> CommentSettings:
    """The business's settings; the defaults (on, guests allowed, no address) when it never changed them."""
    repository = CommentSettingsRepository(session)
    found = await repository.current()
    return found if found is not None else CommentSettings(tenant_id=repository.tenant_id)


async def update(session: AsyncSession, changes: SettingsChanges) -> CommentSettings:
    repository = CommentSettingsRepository(session)
    settings = await repository.current() or CommentSettings(tenant_id=repository.tenant_id)
    if changes.comments_enabled is not None:
        settings.comments_enabled = changes.comments_enabled
    if changes.guests_may_comment is not None:
        settings.guests_may_comment = changes.guests_may_comment
    if changes.notification_email is not None:
        address = changes.notification_email.strip()
        if address and (len(address) > 254 or not EMAIL.match(address)):
            raise InvalidArgument(f"'{address}' is not a valid email address.", "notification_email")
        settings.notification_email = address or None
    settings.updated_at = utcnow()
    return await repository.add(settings)
