"""AccountSubscriptionService: the customer's subscriptions in the portal, the business's portal settings, and
what a "Manage Subscription" link opens (for auth)."""

from __future__ import annotations

import grpc
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc
from portal_kit.db import Database

from services.subscriptions.portal_access import settings as portal_settings
from services.subscriptions.portal_access.models import SubscriptionPortalSettings


def settings_to_pb(settings: SubscriptionPortalSettings) -> pb.PortalSettings:
    return pb.PortalSettings(
        allow_cancel=settings.allow_cancel,
        allow_cancel_now=settings.allow_cancel_now,
        allow_plan_change=settings.allow_plan_change,
        switchable_plans=list(settings.switchable_plans),
        allow_quantity_change=settings.allow_quantity_change,
        min_quantity=settings.min_quantity,
        max_quantity=settings.max_quantity,
        allow_pause=settings.allow_pause,
        require_full_sign_in=settings.require_full_sign_in,
        manage_link_scope=settings.manage_link_scope,
        past_due_days=settings.past_due_days,
        past_due_action=settings.past_due_action,
    )


def settings_from_pb(message: pb.PortalSettings) -> SubscriptionPortalSettings:
    return SubscriptionPortalSettings(
        tenant_id="",
        allow_cancel=message.allow_cancel,
        allow_cancel_now=message.allow_cancel_now,
        allow_plan_change=message.allow_plan_change,
        switchable_plans=list(message.switchable_plans),
        allow_quantity_change=message.allow_quantity_change,
        min_quantity=message.min_quantity,
        max_quantity=message.max_quantity,
        allow_pause=message.allow_pause,
        require_full_sign_in=message.require_full_sign_in,
        manage_link_scope=message.manage_link_scope,
        past_due_days=message.past_due_days,
        past_due_action=message.past_due_action,
    )


class AccountSubscriptionServicer(subscriptions_pb2_grpc.AccountSubscriptionServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def GetPortalSettings(
        self, request: pb.GetPortalSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PortalSettingsResponse:
        async with self.db.unit_of_work() as session:
            found = await portal_settings.current(session)
        return pb.PortalSettingsResponse(settings=settings_to_pb(found))

    async def UpdatePortalSettings(
        self, request: pb.UpdatePortalSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PortalSettingsResponse:
        fields = list(request.fields) or list(portal_settings.FIELDS)
        async with self.db.unit_of_work() as session:
            updated = await portal_settings.update(session, settings_from_pb(request.settings), fields)
        return pb.PortalSettingsResponse(settings=settings_to_pb(updated))
