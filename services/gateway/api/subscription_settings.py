"""`GET`/`PATCH /subscription_settings`: what the business lets customers do with their subscriptions in the portal
(cancel, change plan among switchable plans, change quantity within limits, pause), whether those changes need a
full sign-in, how "Manage Subscription" links open, and what happens to a subscription left past due. The
subscriptions service enforces every one of them on each change, whatever the portal's pages offered."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from portal.subscriptions.v1 import subscriptions_pb2 as pb
from pydantic import BeforeValidator, Field, Strict, StringConstraints

from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.routing import api_router, errors
from services.gateway.api.schema import Flag, RequestModel, ResponseModel, _whole
from services.gateway.deps import ApiAccountSubscriptions

router = api_router()
PlanId = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=100)]
QuantityLimit = Annotated[int, Field(ge=0, le=10**9), BeforeValidator(_whole)]
Days = Annotated[int, Field(ge=0, le=365), BeforeValidator(_whole)]


class SubscriptionSettings(ResponseModel):
    id: Literal["subscription_settings"]
    object: Literal["subscription_settings"]
    allow_cancel: bool
    allow_cancel_now: bool = Field(description="Else customers cancel at the end of the current period only.")
    allow_plan_change: bool
    switchable_plans: list[str] = Field(description="Plan ids customers may switch to (same currency).")
    allow_quantity_change: bool
    min_quantity: int
    max_quantity: int = Field(description="0: no limit.")
    allow_pause: bool
    require_full_sign_in: bool = Field(
        description="Changes that cost money, cancel or pause need a full sign-in, not an emailed link's session."
    )
    manage_link_scope: Literal["subscription", "account"]
    past_due_days: int
    past_due_action: Literal["keep", "cancel"]


class SubscriptionSettingsUpdate(RequestModel):
    """Only the fields sent change."""

    allow_cancel: Flag | None = None
    allow_cancel_now: Flag | None = None
    allow_plan_change: Flag | None = None
    switchable_plans: list[PlanId] | None = Field(default=None, max_length=100)
    allow_quantity_change: Flag | None = None
    min_quantity: QuantityLimit | None = None
    max_quantity: QuantityLimit | None = None
    allow_pause: Flag | None = None
    require_full_sign_in: Flag | None = None
    manage_link_scope: Literal["subscription", "account"] | None = None
    past_due_days: Days | None = None
    past_due_action: Literal["keep", "cancel"] | None = None


def settings_json(settings: pb.PortalSettings) -> dict[str, Any]:
    return {
        "id": "subscription_settings",
        "object": "subscription_settings",
        "allow_cancel": settings.allow_cancel,
        "allow_cancel_now": settings.allow_cancel_now,
        "allow_plan_change": settings.allow_plan_change,
        "switchable_plans": list(settings.switchable_plans),
        "allow_quantity_change": settings.allow_quantity_change,
        "min_quantity": settings.min_quantity,
        "max_quantity": settings.max_quantity,
        "allow_pause": settings.allow_pause,
        "require_full_sign_in": settings.require_full_sign_in,
        "manage_link_scope": settings.manage_link_scope,
        "past_due_days": settings.past_due_days,
        "past_due_action": settings.past_due_action,
    }


@router.get("/subscription_settings", response_model=SubscriptionSettings, responses=errors())
async def get_subscription_settings(subscriptions: ApiAccountSubscriptions) -> JsonResponse:
    return JsonResponse(settings_json(await subscriptions.settings()))


@router.patch("/subscription_settings", response_model=SubscriptionSettings, responses=errors())
async def update_subscription_settings(
    body: SubscriptionSettingsUpdate, subscriptions: ApiAccountSubscriptions
) -> JsonResponse:
    """Only the fields sent change; `null` leaves a field as it is. A plan in `switchable_plans` must exist."""
    given = {name: value for name, value in body.given().items() if value is not None}
    changes = pb.PortalSettings(**given)
    return JsonResponse(settings_json(await subscriptions.update_settings(changes, sorted(given))))
