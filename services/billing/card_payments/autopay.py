"""AutoPay: invoices of customers who turned it on are charged off-session with their AutoPay card, on the due date
(or on issue when due on receipt), by a job in billing.

Safe with several replicas and re-runs: the due invoices are taken `FOR UPDATE SKIP LOCKED`, and each charge is an
`AutoPayAttempt` row unique per (invoice, attempt): a second run finds the attempt and does not charge again. A
failed charge is retried on the business's schedule (`autopay_retry_days`, visible in its payment settings).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.billing.v1 import events_pb2
from portal.mailer.v1 import email_pb2
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.errors import DomainError, FailedPrecondition
from portal_kit.ids import new_public_id
from portal_kit.outbox import record_event
from portal_kit.timestamps import unix, utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments import paying, update_links
from services.billing.card_payments.account import StripeConfig, rules_of
from services.billing.card_payments.models import AutoPayAttempt, CardCharge, StripeAccount
from services.billing.card_payments.paying import CardChoice
from services.billing.card_payments.repository import (
    AutoPayAttemptRepository,
    AutoPayQueue,
    StripeAccountRepository,
    StripeCustomerRepository,
)
from services.billing.delivery import EMAIL_REQUESTED_TOPIC
from services.billing.models import Invoice
from services.billing.repository import ContactRepository, CustomerRepository, InvoiceRepository

log = logging.getLogger(__name__)
OPEN_STATES = ("charging",)
BATCH = 20


@dataclass(frozen=True)
class Prepared:
    tenant_id: str
    charge: CardCharge


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=utcnow().tzinfo)
    return moment


async def prepare(
    session: AsyncSession, config: StripeConfig, invoice: Invoice, now: datetime, forced: bool
) -> CardCharge | None:
    """The next attempt's pending charge for this invoice, or None when it is not due (already charging, paid,
    waiting for its retry date, out of retries). `forced`: the business's "pay now" skips the retry wait."""
    account = await StripeAccountRepository(session).current()
    holder = await StripeCustomerRepository(session).of_customer(invoice.customer_id)
    if account is None or not account.autopay_offered or holder is None or holder.autopay_card_id is None:
        if forced:
            raise FailedPrecondition("This invoice's customer has no AutoPay card (or AutoPay is not offered).")
        return None
    attempts = AutoPayAttemptRepository(session)
    history = await attempts.of_invoice(invoice.id)
    last = history[-1] if history else None
    if last is not None:
        if last.state in OPEN_STATES or last.state == "succeeded":
            if forced:
                raise FailedPrecondition("This invoice is already being charged.")
            return None
        retry_at = _aware(last.next_attempt_at)
        if not forced and (last.state == "gave_up" or (retry_at is not None and retry_at > now)):
            return None
    attempt = AutoPayAttempt(tenant_id=attempts.tenant_id, id=new_public_id(), invoice_id=invoice.id,
                             attempt=(last.attempt + 1) if last else 1, state="charging")  # fmt: skip
    await attempts.add(attempt)
    charge = await paying.open_charge(
        session,
        config,
        invoice.customer_id,
        [(invoice.id, invoice.balance)],
        CardChoice(card_id=holder.autopay_card_id),
        request_key=f"autopay-{invoice.id}-{attempt.attempt}",
    )
    attempt.payment_id = charge.payment_id
    await attempts.save(attempt)
    return charge


async def charge_settled(session: AsyncSession, charge: CardCharge) -> None:
    attempt = await AutoPayAttemptRepository(session).by_payment(charge.payment_id)
    if attempt is not None:
        attempt.state = "succeeded"
        attempt.next_attempt_at = None
        await AutoPayAttemptRepository(session).save(attempt)


async def charge_failed(session: AsyncSession, config: StripeConfig, charge: CardCharge) -> None:
    """Schedules the next try (or gives up) and emails the customer a link to update the card."""
    attempts = AutoPayAttemptRepository(session)
    attempt = await attempts.by_payment(charge.payment_id)
    if attempt is None or attempt.state != "charging":
        return
    account = await StripeAccountRepository(session).current()
    days = rules_of(account).autopay_retry_days if account else ()
    attempt.failure_message = charge.failure_message
    if attempt.attempt <= len(days):
        attempt.state = "retry_scheduled"
        attempt.next_attempt_at = utcnow() + timedelta(days=days[attempt.attempt - 1])
    else:
        attempt.state = "gave_up"
        attempt.next_attempt_at = None
    await attempts.save(attempt)
    if account is not None and account.portal_url:
        await _email_failure(session, config, account, attempt, charge)


async def _email_failure(
    session: AsyncSession, config: StripeConfig, account: StripeAccount, attempt: AutoPayAttempt, charge: CardCharge
) -> None:
    """Through the outbox, like invoice emails: the mailer renders template `autopay_failed`."""
    customer = await CustomerRepository(session).get(charge.customer_id)
    recipients = [email_pb2.Recipient(name=customer.name, email=customer.email)] if customer.email else []
    for contact in await ContactRepository(session).primaries(customer.id):
        if contact.email and contact.email.lower() not in {r.email.lower() for r in recipients}:
            recipients.append(email_pb2.Recipient(name=contact.name, email=contact.email))
    if not recipients:
        return
    invoice = await InvoiceRepository(session).get(attempt.invoice_id)
    token = await update_links.issue(session, config.secret_key, customer.id)
    email = events_pb2.AutoPayFailedEmail(
        customer_name=customer.name,
        invoice_number=invoice.number,
        amount=charge.amount,
        currency=charge.currency,
        failure_message=charge.failure_message or "",
        link=f"{account.portal_url}/update-card/{token}",
    )
    if attempt.next_attempt_at is not None:
        email.next_attempt = unix(attempt.next_attempt_at)
    envelope = email_pb2.Envelope(to=recipients, from_name=account.business_name or account.portal_url)
    message = events_pb2.EmailRequested(envelope=envelope, autopay_failed=email)
    await record_event(session, EMAIL_REQUESTED_TOPIC, key=invoice.id, message=message)


async def charge_prepared(db: Database, config: StripeConfig, charge: CardCharge) -> paying.Outcome:
    """Steps 2 and 3 of paying.py for an off-session charge (the tenant is bound by the caller)."""
    async with db.unit_of_work() as session:
        answer = await paying.ask_stripe(session, config, charge, off_session=True)
    async with db.unit_of_work() as session:
        outcome = await paying.record_answer(session, charge.id, answer)
        if outcome.charge.status == "failed":
            await charge_failed(session, config, outcome.charge)
        elif outcome.charge.status == "requires_action":  # off-session cards cannot authenticate: a failure
            await paying.fail(session, outcome.charge, "The card needs authentication; update it in the portal.", None)
            await charge_failed(session, config, outcome.charge)
    return outcome


async def run_once(db: Database, config: StripeConfig, now: datetime | None = None) -> int:
    """One pass of the job over every business: the number of charges asked of Stripe."""
    now = now or utcnow()
    prepared: list[Prepared] = []
    async with db.unit_of_work() as session:
        for invoice in await AutoPayQueue(session).due(now, BATCH):
            with bound(invoice.tenant_id):
                try:
                    async with session.begin_nested():
                        charge = await prepare(session, config, invoice, now, forced=False)
                except DomainError as refused:
                    log.info("autopay skipped", extra={"invoice": invoice.id, "reason": refused.message})
                    continue
                if charge is not None:
                    prepared.append(Prepared(invoice.tenant_id, charge))
    for item in prepared:
        with bound(item.tenant_id):
            await charge_prepared(db, config, item.charge)
    return len(prepared)


async def run_forever(db: Database, config: StripeConfig, every_seconds: float) -> None:
    """The scheduled job (every replica runs it; SKIP LOCKED and the attempt rows keep it to one charge)."""
    run_id = uuid.uuid4().hex[:8]
    while True:
        try:
            charged = await run_once(db, config)
            if charged:
                log.info("autopay charged", extra={"count": charged, "run": run_id})
        except Exception:  # noqa: BLE001 - the job keeps running; the next pass retries
            log.exception("autopay pass failed", extra={"run": run_id})
        await asyncio.sleep(every_seconds)
