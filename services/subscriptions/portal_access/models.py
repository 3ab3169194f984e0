from __future__ import annotations

from datetime import datetime

from portal_kit.timestamps import utcnow
from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel


class SubscriptionPortalSettings(SQLModel, table=True):
    """A business's subscription settings for the portal; no row means the defaults (portal_access.settings)."""

    __tablename__ = "subscription_portal_settings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    allow_cancel: bool = True
    allow_cancel_now: bool = False
    allow_plan_change: bool = False
    switchable_plans: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    allow_quantity_change: bool = True
    min_quantity: int = Field(default=1, sa_column=Column(BigInteger, nullable=False))
    max_quantity: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    allow_pause: bool = False
    require_full_sign_in: bool = True
    manage_link_scope: str = Field(default="subscription", max_length=20)
    past_due_days: int = 14
    past_due_action: str = Field(default="keep", max_length=10)
    updated_at: datetime = Field(default_factory=utcnow)
