"""AccountSubscriptionService: the customer's subscriptions in the portal, the business's portal settings, and
what a "Manage Subscription" link opens (for auth)."""

from __future__ import annotations

from datetime import datetime

import grpc
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc
from portal_kit.db import Database
from portal_kit.principal import required_principal
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.portal_access import account
from services.subscriptions.portal_access import settings as portal_settings
from services.subscriptions.portal_access.models import SubscriptionPortalSettings
from services.subscriptions.servicer import plan_to_pb
from services.subscriptions.subscriptions import operations
from services.subscriptions.subscriptions.invoices import invoice_preview, next_invoice
from services.subscriptions.subscriptions.pricing import Priced, pending_line
from services.subscriptions.subscriptions.servicer import subscription_to_pb


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


class _Preview(Exception):
    """Ends a preview's transaction with a rollback, carrying the answer computed inside it."""

    def __init__(self, reply: pb.PreviewAccountChangeResponse) -> None:
        self.reply = reply


async def account_row(session: AsyncSession, priced: Priced, now: datetime) -> pb.AccountSubscriptionRow:
    """The subscription as its customer sees it (no manage token: the portal never shows it), with its next bill:
    none while paused, ended or ending."""
    sub = priced.subscription
    upcoming = next_invoice(priced, await operations.unbilled_lines(session, sub.id))
    row = pb.AccountSubscriptionRow(
        subscription=subscription_to_pb(priced, b"", now, with_token=False), plan_name=priced.plan.name
    )
    if upcoming.lines and not sub.paused:
        row.next_bill_date, row.next_bill_amount = upcoming.date, upcoming.total
    return row


class AccountSubscriptionServicer(subscriptions_pb2_grpc.AccountSubscriptionServiceServicer):
    def __init__(self, db: Database, secret_key: bytes) -> None:
        self.db = db
        self.secret_key = secret_key

    async def _shown(self, session: AsyncSession, priced: Priced) -> pb.GetAccountSubscriptionResponse:
        settings = await portal_settings.current(session)
        plans = await account.switchable_plans(session, settings, priced)
        return pb.GetAccountSubscriptionResponse(
            row=await account_row(session, priced, utcnow()),
            settings=settings_to_pb(settings),
            switchable_plans=[plan_to_pb(p) for p in plans],
        )

    async def ListAccountSubscriptions(
        self, request: pb.ListAccountSubscriptionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAccountSubscriptionsResponse:
        principal = required_principal()
        now = utcnow()
        async with self.db.unit_of_work() as session:
            rows = [await account_row(session, p, now) for p in await account.listing(session, principal)]
        return pb.ListAccountSubscriptionsResponse(subscriptions=rows)

    async def GetAccountSubscription(
        self, request: pb.GetAccountSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountSubscriptionResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            return await self._shown(session, await account.own(session, principal, request.id))

    async def PreviewAccountChange(
        self, request: pb.AccountChangeRequest, context: grpc.aio.ServicerContext
    ) -> pb.PreviewAccountChangeResponse:
        """The change, made and measured inside a transaction that is rolled back: the same checks and the same
        proration as the real change, nothing kept."""
        principal = required_principal()
        try:
            async with self.db.unit_of_work() as session:
                changed = await account.change(session, principal, request.id, _change_of(request), preview=True)
                priced = changed.updated.priced
                currency = priced.subscription.currency
                pending = await operations.unbilled_lines(session, request.id)
                raise _Preview(
                    pb.PreviewAccountChangeResponse(
                        proration_today=invoice_preview(
                            currency, [pending_line(line) for line in changed.updated.proration], utcnow()
                        ),
                        next_invoice=next_invoice(priced, pending),
                        recurring_total=priced.recurring_total,
                        needs_full_sign_in=changed.needs_full_sign_in,
                    )
                )
        except _Preview as done:
            return done.reply

    async def ChangeAccountSubscription(
        self, request: pb.AccountChangeRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountSubscriptionResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            changed = await account.change(session, principal, request.id, _change_of(request))
            return await self._shown(session, changed.updated.priced)

    async def CancelAccountSubscription(
        self, request: pb.CancelAccountSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountSubscriptionResponse:
        principal = required_principal()
        reason = request.reason if request.HasField("reason") else None
        async with self.db.unit_of_work() as session:
            priced = await account.cancel(session, principal, request.id, request.at_period_end, reason)
            return await self._shown(session, priced)

    async def PauseAccountSubscription(
        self, request: pb.PauseAccountSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountSubscriptionResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            priced = await account.pause(session, principal, request.id, request.paused)
            return await self._shown(session, priced)

    async def ResolveManageLink(
        self, request: pb.ResolveManageLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveManageLinkResponse:
        async with self.db.unit_of_work() as session:
            found, scope = await account.manage_link_target(session, self.secret_key, request.token)
        return pb.ResolveManageLinkResponse(subscription=found.id, customer=found.customer_id, scope=scope)

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


def _change_of(request: pb.AccountChangeRequest) -> account.Change:
    return account.Change(
        plan=request.plan if request.HasField("plan") else None,
        quantity=request.quantity if request.HasField("quantity") else None,
    )
