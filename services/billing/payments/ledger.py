"""The payment ledger: pending payments that hold invoice balances, settled, failed, refunded or voided atomically.

Every function runs in the caller's unit of work and only flushes. Money moves only while the payment's row and
its invoices' rows are locked (FOR UPDATE, invoices in id order), so two tabs, a double click or a retried request
cannot take more than an invoice's balance: a pending payment holds its amounts in `Invoice.pending_amount`, and
a new one may take at most `balance - pending_amount`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from portal.billing.v1 import invoices_pb2
from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.ids import new_public_id, new_uuid
from portal_kit.money import format_money, normalize_currency
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import invoices, validation
from services.billing.delivery import Presentation
from services.billing.event_log import record
from services.billing.messages import invoice_to_pb
from services.billing.models import Invoice
from services.billing.payments.messages import payment_to_pb
from services.billing.payments.models import (
    FAILED,
    PENDING,
    SUCCEEDED,
    VOIDED,
    Payment,
    PaymentApplication,
    PaymentRefund,
)
from services.billing.payments.receipt_email import queue_receipt
from services.billing.payments.records import PaymentRecord, RefundRecord
from services.billing.payments.repository import (
    InvoiceLockRepository,
    PaymentApplicationRepository,
    PaymentRefundRepository,
    PaymentRepository,
)
from services.billing.repository import CustomerRepository

METHODS = {"ach", "cash", "check", "credit_card", "direct_debit", "eft", "other", "paypal", "wire_transfer"}
OFFLINE, STRIPE = "offline", "stripe"
SOURCES = {OFFLINE, STRIPE}
MAX_APPLICATIONS = 100
MAX_AMOUNT = 10**15  # minor units; far above any real payment, far below int64


@dataclass(frozen=True)
class Application:
    invoice_id: int
    amount: int  # minor units of the payment's currency


@dataclass(frozen=True)
class NewPayment:
    customer_id: int
    currency: str
    amount: int
    method: str
    source: str
    applications: list[Application]
    reference: str | None = None
    date: datetime | None = None
    notes: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    estimate_id: int | None = None  # an estimate's deposit: held as unapplied balance until it is invoiced


@dataclass(frozen=True)
class PaymentRules:
    """The business's settings that limit what a customer pays (the portal and its Stripe payments)."""

    minimum_amount: int = 0
    partial_allowed: bool = True


BUSINESS_RULES = PaymentRules()  # a business recording a payment itself is limited only by the balances


async def load(session: AsyncSession, payment: Payment) -> PaymentRecord:
    applications = (await PaymentApplicationRepository(session).of_payments([payment.id]))[payment.id]
    estimate_number = (await PaymentRepository(session).estimate_numbers([payment])).get(payment.estimate_id or 0, "")
    return PaymentRecord(payment, applications, await _numbers(session, applications), estimate_number)


async def _numbers(session: AsyncSession, applications: list[PaymentApplication]) -> dict[int, str]:
    return await InvoiceLockRepository(session).numbers([a.invoice_id for a in applications])


async def get_payment(session: AsyncSession, payment_id: int) -> PaymentRecord:
    return await load(session, await PaymentRepository(session).get(payment_id))


async def find_by_reference(session: AsyncSession, source: str, reference: str) -> PaymentRecord | None:
    payment = await PaymentRepository(session).by_reference(source, reference)
    return await load(session, payment) if payment is not None else None


def _checked(new: NewPayment, rules: PaymentRules) -> NewPayment:
    currency = normalize_currency(new.currency)
    if new.method not in METHODS:
        raise InvalidArgument(f"method must be one of {', '.join(sorted(METHODS))}.", "method")
    if new.source not in SOURCES:
        raise InvalidArgument(f"source must be one of {', '.join(sorted(SOURCES))}.", "source")
    if not 0 < new.amount <= MAX_AMOUNT:
        raise InvalidArgument("The amount of a payment must be positive.", "amount")
    if new.amount < rules.minimum_amount:
        minimum = format_money(rules.minimum_amount, currency)
        raise InvalidArgument(f"The minimum payment is {minimum}.", "amount")
    if len(new.applications) > MAX_APPLICATIONS:
        raise InvalidArgument(f"A payment can be applied to at most {MAX_APPLICATIONS} invoices.", "applied_to")
    seen: set[int] = set()
    for i, application in enumerate(new.applications):
        if application.amount <= 0:
            raise InvalidArgument("Each applied amount must be positive.", f"applied_to[{i}].amount")
        if application.invoice_id in seen:
            raise InvalidArgument("An invoice can appear only once in applied_to.", f"applied_to[{i}].invoice")
        seen.add(application.invoice_id)
    applied = sum(a.amount for a in new.applications)
    if applied > new.amount:
        raise InvalidArgument("The applied amounts add up to more than the payment's amount.", "applied_to")
    if new.estimate_id is not None and new.applications:
        raise InvalidArgument("A deposit is held for its estimate, not applied to invoices.", "applied_to")
    if new.source != OFFLINE and new.estimate_id is None and (not new.applications or applied != new.amount):
        raise InvalidArgument("A card or bank payment must be applied, in full, to invoices.", "applied_to")
    reference = validation.text(new.reference, "reference", 255) if new.reference is not None else None
    notes = validation.text(new.notes, "notes", 10_000) if new.notes is not None else None
    return NewPayment(
        customer_id=new.customer_id, currency=currency, amount=new.amount, method=new.method, source=new.source,
        applications=new.applications, reference=reference or None, date=new.date, notes=notes or None,
        metadata=validation.metadata(new.metadata), estimate_id=new.estimate_id,
    )  # fmt: skip


def _check_invoice(i: int, invoice: Invoice | None, new: NewPayment, amount: int, rules: PaymentRules) -> Invoice:
    param = f"applied_to[{i}]"
    if invoice is None or invoice.customer_id != new.customer_id:
        raise InvalidArgument("No such invoice for this customer.", f"{param}.invoice")
    if invoice.voided or invoice.draft:
        raise InvalidArgument(f"Invoice {invoice.number} is {'voided' if invoice.voided else 'a draft'}.", param)
    if invoice.currency != new.currency:
        raise InvalidArgument(
            f"Invoice {invoice.number} is in {invoice.currency.upper()}, not {new.currency.upper()}.", param
        )
    payable = invoice.balance - invoice.pending_amount
    if invoice.paid or payable <= 0:
        detail = "already paid" if invoice.paid or invoice.pending_amount == 0 else "being paid already"
        raise InvalidArgument(f"Invoice {invoice.number} is {detail}.", f"{param}.amount")
    if amount > payable:
        held = " (the rest is held by a payment in progress)" if invoice.pending_amount else ""
        raise InvalidArgument(
            f"{format_money(amount, new.currency)} is more than what is owed on invoice {invoice.number}: "
            f"{format_money(payable, new.currency)}{held}.",
            f"{param}.amount",
        )
    if not rules.partial_allowed and amount != invoice.balance:
        raise InvalidArgument(
            f"Invoice {invoice.number} must be paid in full ({format_money(invoice.balance, new.currency)}).",
            f"{param}.amount",
        )
    return invoice


async def open_payment(session: AsyncSession, new: NewPayment, rules: PaymentRules) -> PaymentRecord:
    """A pending payment that holds its amounts on its invoices until it is settled, failed or voided."""
    new = _checked(new, rules)
    customer = await CustomerRepository(session).find(new.customer_id)
    if customer is None:
        raise InvalidArgument(f"No such customer: {new.customer_id}", "customer")
    locks = InvoiceLockRepository(session)
    locked = await locks.locked([a.invoice_id for a in new.applications])
    changed = [
        _check_invoice(i, locked.get(a.invoice_id), new, a.amount, rules) for i, a in enumerate(new.applications)
    ]
    before = {invoice.id: await _invoice_pb(session, invoice) for invoice in changed}
    now = utcnow()
    payment = Payment(
        tenant_id="",
        id=new_public_id(),
        customer_id=new.customer_id,
        currency=new.currency,
        amount=new.amount,
        balance=new.amount - sum(a.amount for a in new.applications),
        method=new.method,
        source=new.source,
        reference=new.reference,
        status=PENDING,
        notes=new.notes,
        metadata_json=json.dumps(new.metadata, sort_keys=True),
        date=new.date or now,
        estimate_id=new.estimate_id,
        receipt_nonce=new_uuid(),
    )
    await PaymentRepository(session).add(payment)
    applications = [
        PaymentApplication(
            tenant_id="", payment_id=payment.id, invoice_id=a.invoice_id, position=position, amount=a.amount
        )
        for position, a in enumerate(new.applications)
    ]
    await PaymentApplicationRepository(session).add_all(applications)
    for invoice, application in zip(changed, new.applications, strict=True):
        invoice.pending_amount += application.amount
        invoice.updated_at = now
    await locks.save_all(changed)
    estimate_number = (await PaymentRepository(session).estimate_numbers([payment])).get(payment.estimate_id or 0, "")
    result = PaymentRecord(payment, applications, {i.id: i.number for i in changed}, estimate_number)
    await record(session, "payment.created", payment_to_pb(result), customer_id=payment.customer_id,
                 related=_related(payment))  # fmt: skip
    for invoice in changed:
        await _record_invoice(session, invoice, "invoice.updated", before[invoice.id])
    return result


async def record_offline_payment(session: AsyncSession, new: NewPayment) -> PaymentRecord:
    """A payment the business received outside the portal (check, wire, cash): recorded and applied at once."""
    opened = await open_payment(session, NewPayment(**{**new.__dict__, "source": OFFLINE}), BUSINESS_RULES)
    return await settle_payment(session, opened.payment.id)


async def set_reference(session: AsyncSession, payment_id: int, reference: str) -> PaymentRecord:
    """Sets the gateway's reference (e.g. the PaymentIntent id) of a payment: unique per source and business."""
    payments = PaymentRepository(session)
    payment = await payments.get_locked(payment_id)
    checked = validation.text(reference, "reference", 255)
    if checked is None:
        raise InvalidArgument("A reference cannot be empty.", "reference")
    reference = checked
    taken = await payments.by_reference(payment.source, reference)
    if payment.source != OFFLINE and taken is not None and taken.id != payment.id:
        raise FailedPrecondition("Another payment already has this reference.", "reference")
    payment.reference = reference
    payment.updated_at = utcnow()
    await payments.save(payment)
    return await load(session, payment)


async def settle_payment(session: AsyncSession, payment_id: int, receipt: Presentation | None = None) -> PaymentRecord:
    """The money arrived: applies the payment to its invoices (balance, amount_paid, paid). Idempotent: a payment
    that succeeded already is returned as it is. A failed payment that succeeds after all (a later attempt on the
    same intent) is applied to what is still owed; what no longer fits stays as the payment's unapplied balance.

    With `receipt` (how the business presents itself), the customer is emailed the receipt, once: in the
    transaction that makes the payment succeed."""
    payments = PaymentRepository(session)
    payment = await payments.get_locked(payment_id)
    if payment.status == SUCCEEDED:
        return await load(session, payment)
    if payment.status == VOIDED:
        raise FailedPrecondition("This payment has been voided.")
    was_pending = payment.status == PENDING
    current = await load(session, payment)
    before_payment = payment_to_pb(current)
    locks = InvoiceLockRepository(session)
    locked = await locks.locked([a.invoice_id for a in current.applications])
    before = {invoice_id: await _invoice_pb(session, invoice) for invoice_id, invoice in locked.items()}
    now = utcnow()
    for application in current.applications:
        invoice = locked[application.invoice_id]
        if was_pending:
            invoice.pending_amount -= application.amount
        applied = min(application.amount, max(invoice.balance - invoice.pending_amount, 0))
        payment.balance += application.amount - applied
        application.amount = applied
        invoice.balance -= applied
        invoice.amount_paid += applied
        invoice.paid = invoice.balance == 0
        invoice.updated_at = now
    payment.status = SUCCEEDED
    payment.failure_message = None
    payment.settled_at = now
    payment.updated_at = now
    await payments.save(payment)
    await PaymentApplicationRepository(session).save_all(current.applications)
    await locks.save_all(list(locked.values()))
    await record(session, "payment.updated", payment_to_pb(current), customer_id=payment.customer_id,
                 previous=before_payment, related=_related(payment))  # fmt: skip
    for invoice in locked.values():
        kind = "invoice.paid" if invoice.paid else "invoice.updated"
        await _record_invoice(session, invoice, kind, before[invoice.id])
    if receipt is not None:
        await queue_receipt(session, current, receipt)
    return current


async def fail_payment(session: AsyncSession, payment_id: int, message: str) -> PaymentRecord:
    """The money did not arrive: releases what the pending payment held. A payment that is no longer pending
    (failed, succeeded or voided: webhooks arrive in any order) is returned unchanged."""
    payments = PaymentRepository(session)
    payment = await payments.get_locked(payment_id)
    if payment.status != PENDING:
        return await load(session, payment)
    current = await load(session, payment)
    before_payment = payment_to_pb(current)
    await _release(session, current)
    payment.status = FAILED
    payment.failure_message = validation.text(" ".join(message.split()), "failure_message", 500) or None
    payment.updated_at = utcnow()
    await payments.save(payment)
    await record(session, "payment.updated", payment_to_pb(current), customer_id=payment.customer_id,
                 previous=before_payment, related=_related(payment))  # fmt: skip
    return current


async def _release(session: AsyncSession, current: PaymentRecord) -> None:
    locks = InvoiceLockRepository(session)
    locked = await locks.locked([a.invoice_id for a in current.applications])
    now = utcnow()
    for application in current.applications:
        invoice = locked[application.invoice_id]
        invoice.pending_amount = max(invoice.pending_amount - application.amount, 0)
        invoice.updated_at = now
    await locks.save_all(list(locked.values()))


async def _give_back(session: AsyncSession, current: PaymentRecord, amount: int) -> int:
    """Takes `amount` back from the invoices, the last application first; returns what was left over (the part
    of the amount that came from the payment's unapplied balance is taken by the caller first)."""
    locks = InvoiceLockRepository(session)
    locked = await locks.locked([a.invoice_id for a in current.applications])
    before = {invoice_id: await _invoice_pb(session, invoice) for invoice_id, invoice in locked.items()}
    now = utcnow()
    touched: list[Invoice] = []
    for application in reversed(current.applications):
        if amount == 0:
            break
        take = min(amount, application.amount - application.amount_refunded)
        if take <= 0:
            continue
        invoice = locked[application.invoice_id]
        application.amount_refunded += take
        invoice.balance += take
        invoice.amount_paid -= take
        invoice.paid = invoice.balance == 0 and not invoice.voided
        invoice.updated_at = now
        touched.append(invoice)
        amount -= take
    await PaymentApplicationRepository(session).save_all(current.applications)
    await locks.save_all(touched)
    for invoice in touched:
        await _record_invoice(session, invoice, "invoice.updated", before[invoice.id])
    return amount


async def refund_payment(
    session: AsyncSession, payment_id: int, amount: int, reference: str | None = None
) -> RefundRecord:
    """Gives back part or all of a succeeded payment: its unapplied balance first, then its invoices (the last
    one first) get their balances back. With a `reference` (e.g. Stripe's refund id) it is idempotent."""
    payments = PaymentRepository(session)
    payment = await payments.get_locked(payment_id)
    refunds = PaymentRefundRepository(session)
    if reference is not None:
        reference = validation.text(reference, "reference", 255)
    if reference is not None:
        existing = await refunds.by_reference(payment.id, reference)
        if existing is not None:
            return RefundRecord(existing, await load(session, payment))
    if payment.status != SUCCEEDED:
        raise FailedPrecondition(f"Only a succeeded payment can be refunded; this one is {payment.status}.")
    refundable = payment.amount - payment.amount_refunded
    if not 0 < amount <= refundable:
        limit = format_money(refundable, payment.currency)
        raise InvalidArgument(f"The refund must be positive and at most {limit}.", "amount")
    current = await load(session, payment)
    before_payment = payment_to_pb(current)
    from_balance = min(amount, payment.balance)
    payment.balance -= from_balance
    left = await _give_back(session, current, amount - from_balance)
    if left:  # the ledger no longer adds up: refuse rather than write it
        raise FailedPrecondition("This payment's applications cannot take back that amount.")
    payment.amount_refunded += amount
    payment.updated_at = utcnow()
    await payments.save(payment)
    refund = PaymentRefund(tenant_id="", id=new_public_id(), payment_id=payment.id, amount=amount, reference=reference)
    await refunds.add(refund)
    await record(session, "payment.updated", payment_to_pb(current), customer_id=payment.customer_id,
                 previous=before_payment, related=_related(payment))  # fmt: skip
    return RefundRecord(refund, current)


async def void_payment(session: AsyncSession, payment_id: int) -> PaymentRecord:
    """Cancels a payment: a pending one releases its holds; an offline one that succeeded gives its invoices their
    balances back. A card payment that succeeded is refunded instead (the money moved)."""
    payments = PaymentRepository(session)
    payment = await payments.get_locked(payment_id)
    if payment.status == VOIDED:
        raise FailedPrecondition("This payment has already been voided.")
    if payment.status == SUCCEEDED and payment.source != OFFLINE:
        raise FailedPrecondition("A card or bank payment that went through is refunded, not voided.")
    current = await load(session, payment)
    before_payment = payment_to_pb(current)
    if payment.status == PENDING:
        await _release(session, current)
    elif payment.status == SUCCEEDED:
        applied = sum(a.amount - a.amount_refunded for a in current.applications)
        await _give_back(session, current, applied)
    payment.status = VOIDED
    payment.updated_at = utcnow()
    await payments.save(payment)
    await record(session, "payment.deleted", payment_to_pb(current), customer_id=payment.customer_id,
                 previous=before_payment, related=_related(payment))  # fmt: skip
    return current


async def apply_balance(session: AsyncSession, payment_id: int, invoice_id: int) -> PaymentRecord:
    """Applies a received payment's unapplied balance (an estimate's deposit, once the estimate is invoiced) to an
    invoice of the same customer and currency: as much as the invoice still owes; what does not fit stays unapplied.
    A payment that is not succeeded, or has nothing unapplied, is returned unchanged."""
    payments = PaymentRepository(session)
    payment = await payments.get_locked(payment_id)
    current = await load(session, payment)
    if payment.status != SUCCEEDED or payment.balance <= 0:
        return current
    locks = InvoiceLockRepository(session)
    invoice = (await locks.locked([invoice_id])).get(invoice_id)
    if invoice is None or invoice.customer_id != payment.customer_id or invoice.currency != payment.currency:
        raise FailedPrecondition("This payment cannot be applied to that invoice.", "invoice")
    amount = min(payment.balance, max(invoice.balance - invoice.pending_amount, 0))
    if invoice.voided or invoice.draft or amount <= 0:
        return current
    before_payment = payment_to_pb(current)
    before = await _invoice_pb(session, invoice)
    now = utcnow()
    applications = PaymentApplicationRepository(session)
    existing = next((a for a in current.applications if a.invoice_id == invoice.id), None)
    if existing is not None:
        existing.amount += amount
        await applications.save_all([existing])
    else:
        added = PaymentApplication(tenant_id="", payment_id=payment.id, invoice_id=invoice.id,
                                   position=len(current.applications), amount=amount)  # fmt: skip
        await applications.add_all([added])
        current.applications.append(added)
    current.invoice_numbers[invoice.id] = invoice.number
    payment.balance -= amount
    payment.updated_at = now
    invoice.balance -= amount
    invoice.amount_paid += amount
    invoice.paid = invoice.balance == 0
    invoice.updated_at = now
    await payments.save(payment)
    await locks.save_all([invoice])
    await record(session, "payment.updated", payment_to_pb(current), customer_id=payment.customer_id,
                 previous=before_payment, related=_related(payment))  # fmt: skip
    await _record_invoice(session, invoice, "invoice.paid" if invoice.paid else "invoice.updated", before)
    return current


def _related(payment: Payment) -> list[tuple[str, int]]:
    """A deposit payment's events are about its estimate too."""
    return [("estimate", payment.estimate_id)] if payment.estimate_id is not None else []


async def _invoice_pb(session: AsyncSession, invoice: Invoice) -> invoices_pb2.Invoice:
    """The invoice as the event log keeps it (no link token: bearer secrets stay out of the log)."""
    return invoice_to_pb(await invoices.load(session, invoice), "", utcnow())


async def _record_invoice(session: AsyncSession, invoice: Invoice, kind: str, before: invoices_pb2.Invoice) -> None:
    await record(session, kind, await _invoice_pb(session, invoice), customer_id=invoice.customer_id, previous=before)
