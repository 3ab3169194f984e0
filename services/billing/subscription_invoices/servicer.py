"""gRPC edge of SubscriptionInvoiceService (the subscriptions service's scheduler calls it)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import grpc
from portal.billing.v1 import subscription_invoices_pb2 as pb
from portal.billing.v1 import subscription_invoices_pb2_grpc
from portal_kit.db import Database
from portal_kit.errors import DomainError, InvalidArgument
from portal_kit.outbox import OutboxRelay
from portal_kit.timestamps import unix, utcnow
from sqlalchemy.exc import IntegrityError

from services.billing.card_payments import autopay
from services.billing.card_payments.account import StripeConfig
from services.billing.delivery import Presentation
from services.billing.event_log import log
from services.billing.models import Invoice
from services.billing.repository import InvoiceRepository
from services.billing.subscription_invoices import making, notices
from services.billing.subscription_invoices.making import Made, PeriodInvoiceRequest
from services.billing.subscription_invoices.models import SubscriptionInvoice
from services.billing.subscription_invoices.repository import SubscriptionInvoiceRepository

log_ = logging.getLogger(__name__)
MAX_STATES = 500


def _ms(moment: datetime) -> int:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def state_to_pb(link: SubscriptionInvoice, invoice: Invoice) -> pb.SubscriptionInvoiceState:
    state = pb.SubscriptionInvoiceState(
        invoice_id=invoice.id, number=invoice.number, subscription=link.subscription_id,
        period_start=unix(link.period_start), period_end=unix(link.period_end), currency=invoice.currency,
        total=invoice.total, balance=invoice.balance, paid=invoice.paid, voided=invoice.voided,
        pending_amount=invoice.pending_amount, created_at_ms=_ms(invoice.created_at),
    )  # fmt: skip
    if invoice.due_date is not None:
        state.due_date = unix(invoice.due_date)
    return state


def _presentation(
    request: pb.CreateSubscriptionInvoiceRequest | pb.SendSubscriptionNoticeRequest,
) -> Presentation | None:
    if not request.HasField("presentation"):
        return None
    return Presentation(request.presentation.business_name, request.presentation.portal_url)


class SubscriptionInvoiceServicer(subscription_invoices_pb2_grpc.SubscriptionInvoiceServiceServicer):
    def __init__(self, db: Database, secret_key: bytes, relay: OutboxRelay, stripe: StripeConfig) -> None:
        self.db = db
        self.secret_key = secret_key
        self.relay = relay
        self.stripe = stripe

    async def CreateSubscriptionInvoice(
        self, request: pb.CreateSubscriptionInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSubscriptionInvoiceResponse:
        asked = PeriodInvoiceRequest(
            request.subscription, request.period_start, request.period_end, list(request.lines),
            request.plan_name[:255], _presentation(request),
        )  # fmt: skip
        try:
            async with self.db.unit_of_work() as session:
                made = await making.make(session, self.secret_key, asked)
        except IntegrityError:  # the same period made by a concurrent request: that invoice is the answer
            async with self.db.unit_of_work() as session:
                found = await making.existing(session, request.subscription.id, request.period_start)
            if found is None:
                raise
            made = found
        invoice = made.invoice
        if made.created:
            self.relay.notify()
            if invoice.autopay:
                await self._charge(made)
                async with self.db.read_only() as session:
                    invoice = await InvoiceRepository(session).get(made.invoice.id)
        return pb.CreateSubscriptionInvoiceResponse(invoice=state_to_pb(made.link, invoice), created=made.created)

    async def _charge(self, made: Made) -> None:
        """AutoPay at once. The AutoPay job charges the invoice later if this does not (it is due on receipt or on
        its due date), and its attempt rows keep the two from charging twice."""
        try:
            async with self.db.unit_of_work() as session:
                invoice = await InvoiceRepository(session).get(made.invoice.id)
                charge = await autopay.prepare(session, self.stripe, invoice, utcnow(), forced=False)
            if charge is not None:
                await autopay.charge_prepared(self.db, self.stripe, charge)
                self.relay.notify()
        except (DomainError, IntegrityError) as refused:
            log_.info("subscription invoice not charged now", extra={"invoice": made.invoice.id,
                                                                    "reason": type(refused).__name__})  # fmt: skip

    async def GetSubscriptionInvoiceStates(
        self, request: pb.GetSubscriptionInvoiceStatesRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSubscriptionInvoiceStatesResponse:
        if len(request.invoice_ids) > MAX_STATES:
            raise InvalidArgument(f"Ask for at most {MAX_STATES} invoices at once.", "invoice_ids")
        async with self.db.read_only() as session:
            rows = await SubscriptionInvoiceRepository(session).with_invoices(list(request.invoice_ids))
        return pb.GetSubscriptionInvoiceStatesResponse(invoices=[state_to_pb(link, inv) for link, inv in rows])

    async def RecordSubscriptionEvent(
        self, request: pb.RecordSubscriptionEventRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordSubscriptionEventResponse:
        if not request.type.startswith("subscription.") or len(request.type) > log.TYPE_LIMIT:
            raise InvalidArgument("type must be 'subscription.<action>'.", "type")
        if request.subscription.id <= 0:
            raise InvalidArgument("The subscription's id is needed.", "subscription.id")
        previous = request.previous if request.HasField("previous") else None
        if request.subscription.manage_token or (previous is not None and previous.manage_token):
            raise InvalidArgument("The event log keeps no Manage Subscription tokens: leave manage_token empty.",
                                  "subscription.manage_token")  # fmt: skip
        async with self.db.unit_of_work() as session:
            event = await log.record(
                session, request.type, request.subscription, customer_id=request.subscription.customer or None,
                previous=previous,
            )  # fmt: skip
        return pb.RecordSubscriptionEventResponse(event_id=event.id)

    async def SendSubscriptionNotice(
        self, request: pb.SendSubscriptionNoticeRequest, context: grpc.aio.ServicerContext
    ) -> pb.SendSubscriptionNoticeResponse:
        async with self.db.unit_of_work() as session:
            sent = await notices.send(
                session, self.secret_key, request.subscription, request.notice, request.plan_name[:255],
                _presentation(request), request.invoice_id if request.HasField("invoice_id") else None,
            )  # fmt: skip
        if sent:
            self.relay.notify()
        return pb.SendSubscriptionNoticeResponse(sent=sent)
