"""SubscriptionService: the business's calls (the API's /subscriptions)."""

from __future__ import annotations

from datetime import datetime

import grpc
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc
from portal_kit.db import Database
from portal_kit.errors import InvalidArgument
from portal_kit.outbox import OutboxRelay
from portal_kit.timestamps import from_unix, unix, utcnow

from services.subscriptions.billing import Billing
from services.subscriptions.subscriptions import operations
from services.subscriptions.subscriptions.invoices import line_to_pb, next_invoice
from services.subscriptions.subscriptions.messages import subscription_to_pb
from services.subscriptions.subscriptions.operations import AddonIn, SubscriptionIn
from services.subscriptions.subscriptions.pricing import Priced, pending_line

LATEST = 7258118400  # 2200-01-01: far enough for any calendar, and periods after it still fit a datetime


def _time(value: int, param: str) -> datetime:
    if not 0 <= value < LATEST:
        raise InvalidArgument(f"{param} must be a unix timestamp (seconds) before the year 2200.", param)
    return from_unix(value)


def subscription_input(given: pb.SubscriptionInput) -> SubscriptionIn:
    addons = None
    if given.HasField("addons"):
        addons = [
            AddonIn(
                plan=a.plan,
                quantity=a.quantity,
                description=a.description if a.HasField("description") else None,
                amount_decimal=a.amount_decimal if a.HasField("amount_decimal") else None,
            )
            for a in given.addons.addons
        ]
    return SubscriptionIn(
        customer=given.customer if given.HasField("customer") else None,
        plan=given.plan if given.HasField("plan") else None,
        quantity=given.quantity if given.HasField("quantity") else None,
        amount_decimal=given.amount_decimal if given.HasField("amount_decimal") else None,
        start_date=_time(given.start_date, "start_date") if given.HasField("start_date") else None,
        cycles=given.cycles if given.HasField("cycles") else None,
        cancel_at_period_end=given.cancel_at_period_end if given.HasField("cancel_at_period_end") else None,
        addons=addons,
        trial_end=_time(given.trial_end, "trial_end") if given.HasField("trial_end") else None,
        metadata=dict(given.metadata) if given.metadata_set or given.metadata else None,
        prorate=given.prorate if given.HasField("prorate") else True,
        proration_date=_time(given.proration_date, "proration_date") if given.HasField("proration_date") else None,
        cleared=frozenset(given.cleared),
    )


class SubscriptionServicer(subscriptions_pb2_grpc.SubscriptionServiceServicer):
    def __init__(self, db: Database, secret_key: bytes, billing: Billing, relay: OutboxRelay | None = None) -> None:
        self.db = db
        self.secret_key = secret_key
        self.billing = billing
        self.relay = relay

    def _published(self) -> None:
        """A change committed with its event: the relay need not wait for its next poll."""
        if self.relay is not None:
            self.relay.notify()

    def _pb(self, priced: Priced) -> pb.Subscription:
        return subscription_to_pb(priced, self.secret_key, utcnow())

    async def _customer_currency(self, customer_id: int | None, required: bool) -> str | None:
        """Checks the customer in billing (this business's, else 400 on `customer`); its currency, if set."""
        if not customer_id:
            if required:
                raise InvalidArgument("A subscription needs a customer.", "customer")
            return None
        customer = await self.billing.customer(customer_id)
        if customer is None:
            raise InvalidArgument(f"No such customer: {customer_id}", "customer")
        return customer.currency if customer.HasField("currency") and customer.currency else None

    async def CreateSubscription(
        self, request: pb.CreateSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubscriptionResponse:
        given = subscription_input(request.subscription)
        currency = await self._customer_currency(given.customer, required=True)
        async with self.db.unit_of_work() as session:
            priced = await operations.create(session, given, currency, self.secret_key)
        self._published()
        return pb.SubscriptionResponse(subscription=self._pb(priced))

    async def GetSubscription(
        self, request: pb.GetSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubscriptionResponse:
        async with self.db.unit_of_work() as session:
            priced = await operations.get(session, request.id)
        return pb.SubscriptionResponse(subscription=self._pb(priced))

    async def UpdateSubscription(
        self, request: pb.UpdateSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubscriptionResponse:
        given = subscription_input(request.changes)
        async with self.db.unit_of_work() as session:
            updated = await operations.update(session, request.id, given)
        self._published()
        return pb.SubscriptionResponse(subscription=self._pb(updated.priced))

    async def CancelSubscription(
        self, request: pb.CancelSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubscriptionResponse:
        reason = request.reason if request.HasField("reason") else None
        async with self.db.unit_of_work() as session:
            canceled = await operations.cancel(session, request.id, reason, request.at_period_end)
        self._published()
        return pb.SubscriptionResponse(subscription=self._pb(canceled.priced))

    async def ListSubscriptions(
        self, request: pb.ListSubscriptionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSubscriptionsResponse:
        per_page = min(max(request.per_page or 100, 1), 100)
        async with self.db.unit_of_work() as session:
            rows, total = await operations.listing(
                session,
                request.page or 1,
                per_page,
                customer=request.customer if request.HasField("customer") else None,
                plan=request.plan if request.HasField("plan") else None,
                canceled=request.canceled,
                finished=request.finished,
            )
        now = utcnow()
        return pb.ListSubscriptionsResponse(
            subscriptions=[subscription_to_pb(p, self.secret_key, now) for p in rows],
            total_count=total,
            last_page=max(1, -(-total // per_page)),
        )

    async def PreviewSubscription(
        self, request: pb.PreviewSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.PreviewSubscriptionResponse:
        given = subscription_input(request.subscription)
        currency = await self._customer_currency(given.customer, required=False)
        async with self.db.unit_of_work() as session:
            priced = await operations.preview(session, given, currency, self.secret_key)
        first = next_invoice(priced, [])
        return pb.PreviewSubscriptionResponse(first_invoice=first, recurring_total=priced.recurring_total,
                                              mrr=priced.mrr, currency=priced.subscription.currency)  # fmt: skip

    async def GetUpcoming(
        self, request: pb.GetUpcomingRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetUpcomingResponse:
        async with self.db.unit_of_work() as session:
            priced = await operations.get(session, request.id)
            pending = await operations.unbilled_lines(session, request.id)
        return pb.GetUpcomingResponse(
            pending=[pb.PendingLine(line=line_to_pb(pending_line(p)), created_at=unix(p.created_at)) for p in pending],
            next_invoice=next_invoice(priced, pending),
        )
