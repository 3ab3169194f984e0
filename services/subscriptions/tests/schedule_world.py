"""The scheduler's test world: the subscriptions database, the real billing service in-process (called as the
subscriptions service), a clock the test moves, and builders for plans, customers and subscriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from portal.billing.v1 import customers_pb2 as cpb
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1 import payments_pb2 as ppb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.event_log_pb2 import ListEventsRequest
from portal.billing.v1.event_log_pb2_grpc import EventLogServiceStub
from portal.billing.v1.events_pb2 import EmailRequested
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal.billing.v1.payments_pb2_grpc import PaymentServiceStub
from portal_kit.context import bound
from portal_kit.db import Database
from sqlalchemy import text
from sqlmodel import col, select

from devtools.testing import RunningService, running_service, settings_for_test
from services.billing.delivery import Presentation
from services.billing.server import MIGRATIONS as BILLING_MIGRATIONS
from services.billing.server import build as build_billing
from services.billing.settings import BillingSettings
from services.billing.subscription_invoices.presentation import remember
from services.subscriptions.plans import NewPlan, create_plan
from services.subscriptions.schedule.invoicing import GrpcInvoicing
from services.subscriptions.schedule.models import BilledPeriod
from services.subscriptions.schedule.past_due import FixedPolicy, PolicyOf, fixed
from services.subscriptions.schedule.runner import Scheduler
from services.subscriptions.subscriptions import operations
from services.subscriptions.subscriptions.models import Subscription
from services.subscriptions.subscriptions.operations import SubscriptionIn

TENANT = "tenant-schedule"


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class FakeClock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


@dataclass
class World:
    subs_db: Database
    billing_url: str
    clock: FakeClock
    secret_key: bytes
    invoicings: list[GrpcInvoicing] = field(default_factory=list)
    past_due: PolicyOf = fixed(FixedPolicy())
    _running: AbstractAsyncContextManager[RunningService[BillingSettings]] | None = None
    _billing: RunningService[BillingSettings] | None = None

    @property
    def billing(self) -> RunningService[BillingSettings]:
        assert self._billing is not None, "billing is stopped"
        return self._billing

    async def start_billing(self, **fields: object) -> None:
        """Billing on its database (kept across restarts), on a new port."""
        self._running = billing_service(self.billing_url, **fields)
        self._billing = await self._running.__aenter__()

    async def stop_billing(self) -> None:
        if self._running is not None:
            running, self._running, self._billing = self._running, None, None
            await running.__aexit__(None, None, None)

    def invoicing(self) -> GrpcInvoicing:
        made = GrpcInvoicing(f"127.0.0.1:{self.billing.port}", credential=self.billing.credential("subscriptions"))
        self.invoicings.append(made)
        return made

    def scheduler(self, lanes: int = 2) -> Scheduler:
        return Scheduler(self.subs_db, self.invoicing(), self.clock, self.secret_key, lanes, self.past_due)

    async def customer(self, currency: str, email: str = "ap@globex.example", **fields: object) -> int:
        with bound(TENANT):
            reply = await CustomerServiceStub(self.billing.channel).CreateCustomer(cpb.CreateCustomerRequest(
                customer=cpb.Customer(name="Globex", email=email, currency=currency, **fields)))  # type: ignore[arg-type]  # fmt: skip
        return reply.customer.id

    async def plan(self, plan_id: str, amount: int, currency: str, interval: str = "month", count: int = 1) -> None:
        with bound(TENANT):
            async with self.subs_db.unit_of_work() as session:
                await create_plan(session, NewPlan(plan_id, plan_id.title(), currency, amount, interval, count))

    async def subscribe(self, customer: int, plan: str, start: datetime, **given: object) -> int:
        with bound(TENANT):
            async with self.subs_db.unit_of_work() as session:
                priced = await operations.create(
                    session, SubscriptionIn(customer=customer, plan=plan, start_date=start, **given),  # type: ignore[arg-type]
                    None, self.secret_key,
                )  # fmt: skip
        return priced.subscription.id

    async def change(self, subscription_id: int, **given: object) -> None:
        with bound(TENANT):
            async with self.subs_db.unit_of_work() as session:
                await operations.update(session, subscription_id, SubscriptionIn(**given))  # type: ignore[arg-type]

    async def pause(self, subscription_id: int, paused: bool) -> None:
        with bound(TENANT):
            async with self.subs_db.unit_of_work() as session:
                await operations.set_paused(session, subscription_id, paused, self.clock.now())

    async def subscription(self, subscription_id: int) -> Subscription:
        async with self.subs_db.read_only() as session:
            query = select(Subscription).where(col(Subscription.id) == subscription_id)
            return (await session.exec(query)).one()

    async def billed(self, subscription_id: int | None = None) -> list[BilledPeriod]:
        async with self.subs_db.read_only() as session:
            query = select(BilledPeriod).order_by(col(BilledPeriod.period_start), col(BilledPeriod.pk))
            if subscription_id is not None:
                query = query.where(col(BilledPeriod.subscription_id) == subscription_id)
            return list((await session.exec(query)).all())

    async def invoice(self, invoice_id: int) -> ipb.Invoice:
        with bound(TENANT):
            return (
                await InvoiceServiceStub(self.billing.channel).GetInvoice(ipb.GetInvoiceRequest(id=invoice_id))
            ).invoice

    async def invoice_count(self) -> int:
        async with self.billing.db.read_only() as session:
            return int((await session.exec(text("SELECT count(*) FROM invoices"))).one()[0])  # type: ignore[call-overload]

    async def pay(self, invoice: ipb.Invoice) -> None:
        """The business records a check for the invoice's balance."""
        payment = ppb.PaymentInput(customer=invoice.customer, currency=invoice.currency, amount=invoice.balance,
                                   method="check", applied_to=[ppb.PaymentApplication(invoice=invoice.id,
                                                                                      amount=invoice.balance)])  # fmt: skip
        with bound(TENANT):
            await PaymentServiceStub(self.billing.channel).CreatePayment(ppb.CreatePaymentRequest(payment=payment))

    async def emails(self, template: str) -> list[EmailRequested]:
        async with self.billing.db.read_only() as session:
            rows = (await session.exec(text(
                "SELECT payload FROM outbox_events WHERE topic = 'billing.email_requested.v1' ORDER BY seq")
            )).all()  # type: ignore[call-overload]  # fmt: skip
        found = [EmailRequested.FromString(row[0]) for row in rows]
        return [e for e in found if e.WhichOneof("template") == template]

    async def events(self, event_type: str) -> int:
        """How many events of this type the business's log has."""
        with bound(TENANT):
            reply = await EventLogServiceStub(self.billing.channel).ListEvents(ListEventsRequest(type=event_type))
        return reply.page_info.total_count

    async def close(self) -> None:
        for invoicing in self.invoicings:
            await invoicing.close()
        await self.stop_billing()


@asynccontextmanager
async def billing_service(url: str, **fields: object) -> AsyncIterator[RunningService[BillingSettings]]:
    settings = settings_for_test(BillingSettings, url, **fields)
    async with running_service(settings, BILLING_MIGRATIONS, build_billing) as running:
        with bound(TENANT):  # invoice emails need the business's portal address (an invoice send remembers it)
            async with running.db.unit_of_work() as session:
                await remember(session, Presentation("Schedule Co", "http://schedule.localhost:8000"))
        yield running
