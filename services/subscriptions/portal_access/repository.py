"""Portal settings' SQL, scoped by tenant."""

from __future__ import annotations

from portal_kit.repository import TenantRepository

from services.subscriptions.portal_access.models import SubscriptionPortalSettings


class PortalSettingsRepository(TenantRepository[SubscriptionPortalSettings]):
    model = SubscriptionPortalSettings
    noun = "subscription settings"

    async def current(self) -> SubscriptionPortalSettings | None:
        return await self.first(self.base())
