"""The sign-up saga: a public page's form becomes a customer, its subscription and its first invoice, paid.

The order makes a declined card leave nothing behind without any undo: the card is charged *first* (billing's
`ChargeSignUpCard` writes no row; a decline ends the saga there). Every later step is idempotent and keyed by the
sign-up, so it is finished *forward* when it fails for a while (an outage: the same form sent again resumes where it
stopped), and undone in reverse only when a step is refused for good:

    1. sign-up row (the form's idempotency key)     undo: state `failed`
    2. charge the card (pivot; trial: card prepared)   undo: refund
    3. customer (new, or the sign_up_url's)           undo: delete a new customer
    4. subscription (with its sign-up page) and, in the same transaction, its first period billed (the
       scheduler's `bill_period`: billing's period invoice)   undo: a refused invoice rolls both back
    5. card kept + charge recorded as the invoice's payment, AutoPay on    undo: void the invoice, cancel the
       subscription (a refusal here should not happen: the charge matches the invoice by construction)
    6. row `completed`: a repeat of the same key answers the same outcome

A double submit is one sign-up: the row's key is unique per business, a second request while the first runs is
ABORTED ("still being processed"), and one after it answers the first's outcome.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import grpc
from portal.billing.v1 import card_payments_pb2 as cpb
from portal.billing.v1 import customers_pb2
from portal.billing.v1 import subscription_invoices_pb2 as sipb
from portal.billing.v1.invoices_pb2 import Presentation
from portal_kit import grpc_client
from portal_kit.context import current_tenant
from portal_kit.db import Database
from portal_kit.errors import Aborted, DomainError, FailedPrecondition, InvalidArgument, NotFound, Unavailable
from portal_kit.ids import keyed_hash, new_public_id
from portal_kit.timestamps import utcnow
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.schedule.invoicing import Invoicing
from services.subscriptions.schedule.runner import BillingUnavailable, bill_period
from services.subscriptions.sign_up_pages import customer_links, limits, pages
from services.subscriptions.sign_up_pages.billing import SignUpBillingSteps
from services.subscriptions.sign_up_pages.models import SignUp, SignUpPage
from services.subscriptions.sign_up_pages.repository import SignUpRepository
from services.subscriptions.subscriptions import operations
from services.subscriptions.subscriptions.operations import SubscriptionIn

log = logging.getLogger("services.subscriptions.sign_up")

KEY_PURPOSE = "sign-up-key"
KEY_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LEASE = timedelta(seconds=60)  # a sign-up left half-way this long by a request that died may be resumed
MAX_QUANTITY = 100_000
IN_PROGRESS = "This sign-up is still being processed. Wait a moment; it will not be made twice."
TRANSIENT = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED,
             grpc.StatusCode.ABORTED)  # fmt: skip
RESUMABLE = "Your sign-up is not finished: part of our system is not answering. Send the form again in a minute."
ALREADY = "This account already has a subscription. Sign in to manage it."


@dataclass(frozen=True)
class SignUpForm:
    presentation: Presentation | None  # the business's name and portal URL (for the first invoice's email)
    token: str
    customer_token: str
    plan: str
    quantity: int
    name: str
    email: str
    address: dict[str, str]
    setup_intent: str
    idempotency_key: str
    ip: str


class PeriodInvoice:
    """Billing's period invoice as `bill_period` calls it, telling a refusal (remembered here) from an outage."""

    def __init__(self, billing: SignUpBillingSteps) -> None:
        self.billing = billing
        self.refusal: DomainError | None = None

    async def create_invoice(
        self, request: sipb.CreateSubscriptionInvoiceRequest
    ) -> sipb.CreateSubscriptionInvoiceResponse:
        try:
            return await self.billing.create_period_invoice(request)
        except grpc.aio.AioRpcError as error:
            if error.code() not in TRANSIENT:
                self.refusal = grpc_client.domain_error(error)
            raise


@dataclass(frozen=True)
class Outcome:
    customer: int
    subscription: int
    invoice: int
    status: str  # paid, scheduled, free
    thanks_text: str
    thanks_url: str | None


@dataclass(frozen=True)
class Prepared:
    """What the form asks for, checked, with what the first invoice will cost."""

    page: SignUpPage
    customer_id: int | None  # the sign_up_url's customer
    start: datetime
    trial_end: datetime | None
    amount_due: int  # charged now (0 with a trial or a free plan)
    currency: str
    card_needed: bool
    customer_currency: str | None  # the sign_up_url customer's invoicing currency: the plan must match it


def fingerprint(form: SignUpForm) -> str:
    text = "\x00".join([form.token, form.customer_token, form.plan, str(form.quantity), form.name, form.email,
                        *sorted(f"{k}={v}" for k, v in form.address.items())])  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


def _checked_form(form: SignUpForm, page: SignUpPage, known: bool) -> None:
    if form.plan not in pages.plan_ids(page):
        raise InvalidArgument("Choose one of this page's plans.", "plan")
    if not 1 <= form.quantity <= MAX_QUANTITY or (form.quantity != 1 and not page.has_quantity):
        raise InvalidArgument("Choose a quantity this page allows.", "quantity")
    if not known:
        if not form.name.strip() or len(form.name) > 200:
            raise InvalidArgument("Enter your name.", "name")
        if len(form.email) > 254 or not EMAIL_SHAPE.match(form.email.strip()):
            raise InvalidArgument("Enter a valid email address.", "email")
    if page.billing_address:
        for field in ("address1", "city", "postal_code", "country"):
            if not form.address.get(field, "").strip():
                raise InvalidArgument("Enter your billing address.", field)
        if not re.match(r"^[A-Z]{2}$", form.address.get("country", "")):
            raise InvalidArgument("The country is a two-letter code, e.g. US.", "country")


class SignUpSaga:
    def __init__(
        self,
        db: Database,
        secret_key: bytes,
        billing: SignUpBillingSteps,
        rate: limits.SignUpLimits | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self.db = db
        self.secret_key = secret_key
        self.billing = billing
        self.rate = rate or limits.SignUpLimits()
        self.lease = lease

    async def page_of(self, session: AsyncSession, token: str, customer_token: str) -> tuple[SignUpPage, int | None]:
        """The page a form is on, and the sign_up_url's customer id (checked in billing by the caller)."""
        if not customer_token:
            return await pages.public_page(session, self.secret_key, token), None
        customer_id = customer_links.customer_of_token(self.secret_key, current_tenant(), customer_token)
        page = await pages.default_page(session)
        if customer_id is None or page is None:
            raise NotFound(pages.GONE, "customer_token")
        return await pages.public_page(session, self.secret_key, pages.page_token(self.secret_key, page)), customer_id

    async def start_card_setup(self, token: str, ip: str) -> cpb.CardSetup:
        async with self.db.unit_of_work() as session:
            await pages.public_page(session, self.secret_key, token)
            await limits.admit(session, self.secret_key, self.rate, "card_setup", ip, utcnow())
        return await self.billing.start_card_setup()

    async def run(self, form: SignUpForm) -> Outcome:
        if not KEY_SHAPE.match(form.idempotency_key):
            raise InvalidArgument("The form has expired; reload the page.", "idempotency_key")
        row, prepared = await self._claim(form)
        if row.state == "completed":
            return self._outcome(row, prepared.page)
        try:
            await self._charge(row, form, prepared)
            await self._customer(row, form, prepared)
            await self._subscription(row, prepared, form.presentation)
            await self._keep_card(row, prepared)
        except Unavailable:
            log.warning("sign-up left to resume", extra={"sign_up": row.id, "state": row.state})
            raise Unavailable(RESUMABLE) from None
        except DomainError as refused:
            if row.state != "failed":
                await self._compensate(row, refused)
            raise
        await self._save(row, state="completed")
        log.info("sign-up completed", extra={"sign_up": row.id, "subscription": row.subscription_id})
        return self._outcome(row, prepared.page)

    # 1. the row ------------------------------------------------------------------------------------------------

    async def _claim(self, form: SignUpForm) -> tuple[SignUp, Prepared]:
        now = utcnow()
        async with self.db.unit_of_work() as session:
            page, customer_id = await self.page_of(session, form.token, form.customer_token)
            known = await self.billing.customer(customer_id) if customer_id is not None else None
            if customer_id is not None and known is None:
                raise NotFound(pages.GONE, "customer_token")
            _checked_form(form, page, known is not None)
            repository = SignUpRepository(session)
            key_hash = keyed_hash(self.secret_key, form.idempotency_key, KEY_PURPOSE)
            row = await repository.by_key_hash(key_hash)
            currency = known.currency if known is not None and known.HasField("currency") and known.currency else None
            prepared = await self._prepare(session, form, page, customer_id, currency, now, first_try=row is None)
            if prepared.card_needed and not form.setup_intent and (row is None or row.state == "started"):
                raise InvalidArgument("This plan needs a card.", "card")
            if row is None:
                await limits.admit(session, self.secret_key, self.rate, "sign_up", form.ip, now)
                row = SignUp(tenant_id=repository.tenant_id, id=new_public_id(), key_hash=key_hash,
                             fingerprint=fingerprint(form), page_id=page.id, plan=form.plan, quantity=form.quantity,
                             amount_due=prepared.amount_due, currency=prepared.currency, customer_id=customer_id,
                             created_at=now, updated_at=now)  # fmt: skip
                try:
                    async with session.begin_nested():
                        await repository.add(row)
                except IntegrityError:
                    raise Aborted(IN_PROGRESS) from None  # the same key, sent twice at once
                return row, prepared
            if row.fingerprint != fingerprint(form):
                raise InvalidArgument("The form has expired; reload the page.", "idempotency_key")
            if row.state == "failed":
                raise FailedPrecondition(row.failure or "This sign-up did not go through.", "card")
            if row.state != "completed" and now - row.updated_at < self.lease:
                raise Aborted(IN_PROGRESS)
            if row.state != "completed":
                row.updated_at = now  # this request takes the lease and resumes it
                await repository.save(row)
            return row, prepared

    async def _prepare(
        self,
        session: AsyncSession,
        form: SignUpForm,
        page: SignUpPage,
        customer_id: int | None,
        customer_currency: str | None,
        now: datetime,
        first_try: bool,
    ) -> Prepared:
        """The subscription the form asks for, priced (nothing saved). A sign_up_url's customer that has a live
        subscription already gets another only where the page allows several."""
        if first_try and customer_id is not None and not page.allow_multiple_subscriptions:
            live, _ = await operations.listing(session, 1, 1, customer=customer_id, plan=None, canceled=False,
                                               finished=False)  # fmt: skip
            if live:
                raise FailedPrecondition(ALREADY, "customer")
        start = now + timedelta(days=page.trial_period_days) if page.trial_period_days else now
        trial_end = start if page.trial_period_days else None
        given = SubscriptionIn(customer=customer_id, plan=form.plan, quantity=form.quantity, start_date=start,
                               trial_end=trial_end)  # fmt: skip
        priced = await operations.preview(session, given, customer_currency, self.secret_key)
        first = sum(line.amount for line in priced.lines(priced.period(0)))
        return Prepared(page=page, customer_id=customer_id, start=start, trial_end=trial_end,
                        amount_due=0 if trial_end else first, currency=priced.subscription.currency,
                        card_needed=first > 0, customer_currency=customer_currency)  # fmt: skip

    async def _save(self, row: SignUp, **changes: object) -> None:
        async with self.db.unit_of_work() as session:
            repository = SignUpRepository(session)
            stored = await repository.get(row.id)
            for name, value in {**changes, "updated_at": utcnow()}.items():
                setattr(stored, name, value)
                setattr(row, name, value)
            await repository.save(stored)

    # 2.–6. the steps ---------------------------------------------------------------------------------------------

    async def _charge(self, row: SignUp, form: SignUpForm, prepared: Prepared) -> None:
        if row.state != "started" or not prepared.card_needed:
            return
        charged = await self.billing.charge(cpb.ChargeSignUpCardRequest(
            setup_intent=form.setup_intent, sign_up_key=self._stripe_key(row), name=form.name.strip(),
            email=form.email.strip(), amount=row.amount_due, currency=row.currency,
        ))  # fmt: skip
        if charged.status == "failed":
            await self._save(row, state="failed", failure=(charged.failure_message or "Your card was declined.")[:500])
            log.info("sign-up declined: nothing created", extra={"sign_up": row.id})
            raise FailedPrecondition(row.failure or "Your card was declined.", "card")
        await self._save(row, state="charged", stripe_customer=charged.stripe_customer,
                         payment_method=charged.payment_method, payment_intent=charged.payment_intent or None)  # fmt: skip

    async def _customer(self, row: SignUp, form: SignUpForm, prepared: Prepared) -> None:
        if row.customer_id is not None:
            return
        customer = customers_pb2.Customer(name=form.name.strip(), email=form.email.strip())
        for field, value in form.address.items():
            if value.strip():
                setattr(customer, field, value.strip())
        created = await self.billing.create_customer(customer)
        await self._save(row, customer_id=created.id, customer_created=True)

    async def _subscription(self, row: SignUp, prepared: Prepared, presentation: Presentation | None) -> None:
        """The subscription and, without a trial, its first period billed (the scheduler's `bill_period`: billing's
        period invoice, recorded as billed) in one transaction: the scheduler never sees it unbilled, and a refused
        invoice leaves no subscription behind."""
        if row.subscription_id is not None:
            return
        assert row.customer_id is not None
        given = SubscriptionIn(customer=row.customer_id, plan=row.plan, quantity=row.quantity,
                               start_date=prepared.start, trial_end=prepared.trial_end,
                               sign_up_page=prepared.page.id)  # fmt: skip
        invoicing = PeriodInvoice(self.billing)
        try:
            async with self.db.unit_of_work() as session:
                priced = await operations.create(session, given, prepared.customer_currency, self.secret_key)
                invoice_id = None
                if prepared.trial_end is None:
                    billed = await bill_period(session, cast(Invoicing, invoicing), self.secret_key, priced, 0,
                                               utcnow(), presentation)  # fmt: skip
                    invoice_id = billed.invoice_id
                stored = await SignUpRepository(session).get(row.id)
                stored.subscription_id, stored.invoice_id = priced.subscription.id, invoice_id
                stored.updated_at = utcnow()
                await SignUpRepository(session).save(stored)
        except BillingUnavailable:
            if invoicing.refusal is not None:
                raise invoicing.refusal from None
            raise Unavailable(RESUMABLE) from None
        row.subscription_id, row.invoice_id = priced.subscription.id, invoice_id

    async def _keep_card(self, row: SignUp, prepared: Prepared) -> None:
        if not row.payment_method or row.stripe_customer is None or row.customer_id is None:
            return
        await self.billing.adopt(cpb.AdoptSignUpCardRequest(
            customer_id=row.customer_id, stripe_customer=row.stripe_customer, payment_method=row.payment_method,
            payment_intent=row.payment_intent or "", invoice_id=row.invoice_id or 0,
            sign_up_key=self._stripe_key(row), autopay=True,
        ))  # fmt: skip

    def _stripe_key(self, row: SignUp) -> str:
        return f"{current_tenant()[:40]}-{row.id}"

    # undo ----------------------------------------------------------------------------------------------------------

    async def _compensate(self, row: SignUp, cause: DomainError) -> None:
        """Undoes, in reverse, what the steps before the refused one did; each undo is tried and logged."""
        about = {"sign_up": row.id, "cause": type(cause).__name__}
        log.warning("sign-up refused: undoing it", extra=about)
        if row.invoice_id is not None:
            await self._undo("void the first invoice", self.billing.void_invoice(row.invoice_id), about)
        if row.subscription_id is not None:
            await self._undo("cancel the subscription", self._cancel(row.subscription_id), about)
        if row.customer_created and row.customer_id is not None and row.invoice_id is None:
            await self._undo("delete the customer", self.billing.delete_customer(row.customer_id), about)
        if row.payment_intent:
            await self._undo("refund the charge", self.billing.refund(row.payment_intent, self._stripe_key(row)), about)
        await self._save(row, state="failed", failure=cause.message[:500])

    async def _cancel(self, subscription_id: int) -> None:
        async with self.db.unit_of_work() as session:
            await operations.cancel(session, subscription_id, "sign-up not completed", at_period_end=False)

    @staticmethod
    async def _undo(what: str, step: object, about: dict[str, object]) -> None:
        try:
            await step  # type: ignore[misc]
        except DomainError as error:
            log.error("sign-up undo failed", extra={**about, "step": what, "error": error.message})

    def _outcome(self, row: SignUp, page: SignUpPage) -> Outcome:
        assert row.customer_id is not None and row.subscription_id is not None
        status = "scheduled" if page.trial_period_days else "paid" if row.amount_due > 0 else "free"
        return Outcome(customer=row.customer_id, subscription=row.subscription_id, invoice=row.invoice_id or 0,
                       status=status, thanks_text=page.thanks_text, thanks_url=page.thanks_url)  # fmt: skip
