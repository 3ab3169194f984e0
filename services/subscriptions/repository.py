from __future__ import annotations

from portal_kit.repository import TenantRepository

from services.subscriptions.models import Plan


class PlanRepository(TenantRepository[Plan]):
    model = Plan
    noun = "plan"
