"""An estimate's deposit, paid by the customer once the estimate is approved (as Invoiced does).

The deposit is a ledger payment tied to the estimate (`Payment.estimate_id`), with no invoice yet: its whole amount
is the payment's unapplied balance. Opening it locks the estimate's row and refuses a second deposit payment while
one is pending or received (a partial unique index backs this up), so two tabs or a double click charge once. When
the payment succeeds the estimate says `deposit_paid` (event `estimate.updated`); when the estimate is invoiced,
the deposit is applied to the new invoice in the same transaction (its balance drops by the deposit).

Decisions: the deposit is payable only after approval (approve first, then Pay deposit on the same page); the amount
and currency are the estimate's, never the customer's; the business's accepted methods and minimum payment apply,
its "partial payments" setting does not (the business itself asked for this amount).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from portal_kit.errors import FailedPrecondition, NotFound
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.estimates import events
from services.billing.estimates.estimates import is_expired, load
from services.billing.estimates.messages import estimate_to_pb
from services.billing.estimates.models import Estimate
from services.billing.estimates.repository import EstimateRepository
from services.billing.payments import ledger
from services.billing.payments.ledger import NewPayment, PaymentRules
from services.billing.payments.models import PENDING, SUCCEEDED, Payment
from services.billing.payments.records import PaymentRecord
from services.billing.payments.repository import PaymentRepository


@dataclass(frozen=True)
class DepositState:
    payable: bool  # the customer can pay the deposit now
    pending: bool  # a deposit payment is in progress


def _refusal(estimate: Estimate, deposits: list[Payment], now: datetime) -> str | None:
    """Why this estimate's deposit cannot be paid now, in words for the customer; None when it can."""
    if estimate.voided:
        return "This estimate was withdrawn by the business."
    if estimate.deposit <= 0:
        return "This estimate asks for no deposit."
    if estimate.deposit_paid or any(p.status == SUCCEEDED for p in deposits):
        return "The deposit of this estimate is already paid."
    if any(p.status == PENDING for p in deposits):
        return "A payment of this deposit is already in progress."
    if estimate.invoice_id is not None:
        return "This estimate has been invoiced: pay the invoice instead."
    if estimate.approval_id is None:
        if estimate.decision == "declined":
            return "This estimate was declined. Ask the business for a new one."
        if is_expired(estimate, now):
            return "This estimate has expired. Ask the business for a new one."
        return "Approve this estimate before you pay its deposit."
    return None


async def state(session: AsyncSession, estimate: Estimate) -> DepositState:
    deposits = await PaymentRepository(session).of_estimate(estimate.id) if estimate.deposit > 0 else []
    return DepositState(
        payable=_refusal(estimate, deposits, utcnow()) is None,
        pending=any(p.status == PENDING for p in deposits),
    )


async def _payable(session: AsyncSession, customer_id: int, estimate: Estimate | None, estimate_id: int) -> Estimate:
    if estimate is None or estimate.customer_id != customer_id or estimate.draft:
        raise NotFound(f"No such estimate: '{estimate_id}'", "estimate")
    refusal = _refusal(estimate, await PaymentRepository(session).of_estimate(estimate.id), utcnow())
    if refusal is not None:
        raise FailedPrecondition(refusal, "estimate")
    return estimate


async def payable_deposit(session: AsyncSession, customer_id: int, estimate_id: int) -> Estimate:
    """The estimate whose deposit this customer may pay now (checked again, locked, by `open_deposit`)."""
    return await _payable(session, customer_id, await EstimateRepository(session).find(estimate_id), estimate_id)


async def open_deposit(
    session: AsyncSession, customer_id: int, estimate_id: int, minimum: Callable[[str], int]
) -> PaymentRecord:
    """The pending card payment of the deposit, for exactly the deposit in the estimate's currency; the estimate's
    row stays locked until the commit, so a concurrent second payment waits, then finds this one and is refused."""
    estimate = await EstimateRepository(session).locked(estimate_id)
    estimate = await _payable(session, customer_id, estimate, estimate_id)
    new = NewPayment(
        customer_id=customer_id,
        currency=estimate.currency,
        amount=estimate.deposit,
        method="credit_card",
        source=ledger.STRIPE,
        applications=[],
        estimate_id=estimate.id,
    )
    return await ledger.open_payment(session, new, PaymentRules(minimum_amount=minimum(estimate.currency)))


async def payment_changed(session: AsyncSession, record: PaymentRecord) -> None:
    """After a deposit payment settled or was refunded: the estimate's `deposit_paid` follows (event
    `estimate.updated` with the flag before), and a deposit received after the estimate was invoiced is applied
    to that invoice at once."""
    payment = record.payment
    if payment.estimate_id is None:
        return
    estimates = EstimateRepository(session)
    estimate = await estimates.locked(payment.estimate_id)
    if estimate is None:
        return
    if estimate.invoice_id is not None and payment.status == SUCCEEDED and payment.balance > 0:
        await ledger.apply_balance(session, payment.id, estimate.invoice_id)
    received = payment.status == SUCCEEDED and payment.amount - payment.amount_refunded >= estimate.deposit > 0
    if estimate.deposit_paid == received:
        return
    now = utcnow()
    previous = estimate_to_pb(await load(session, estimate), "", now)
    estimate.deposit_paid = received
    estimate.updated_at = now
    await estimates.save(estimate)
    await events.record(session, "estimate.updated", estimate_to_pb(await load(session, estimate), "", now), previous)


async def apply_to_invoice(session: AsyncSession, estimate: Estimate, invoice_id: int) -> int:
    """The estimate's received deposit, applied to the invoice just made from it; returns the amount applied."""
    applied = 0
    for payment in await PaymentRepository(session).of_estimate(estimate.id):
        if payment.status == SUCCEEDED and payment.balance > 0:
            before = payment.balance
            after = await ledger.apply_balance(session, payment.id, invoice_id)
            applied += before - after.payment.balance
    return applied
