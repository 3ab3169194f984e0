"""What the business does with payments through the API: record an offline payment (check, wire, cash), look
payments up, change their descriptive fields, void them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from portal_kit.errors import InvalidArgument
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import amounts, validation
from services.billing.event_log import record
from services.billing.payments import ledger
from services.billing.payments.ledger import Application, NewPayment
from services.billing.payments.messages import payment_to_pb
from services.billing.payments.models import FAILED, PENDING, SUCCEEDED, VOIDED
from services.billing.payments.records import PaymentRecord
from services.billing.payments.repository import (
    InvoiceLockRepository,
    PaymentApplicationRepository,
    PaymentFilters,
    PaymentRepository,
)
from services.billing.repository import CustomerRepository, InvoiceRepository

OFFLINE_METHODS = ledger.METHODS - {"credit_card"}
FILTERS = {"customer", "currency", "method", "source", "status"}
STATUSES = {PENDING, SUCCEEDED, FAILED, VOIDED}
CLEARABLE = {"reference", "notes", "metadata"}


@dataclass(frozen=True)
class AppliedInput:
    invoice: int
    amount: int | None = None
    amount_text: str | None = None  # exact major-unit decimal, in the payment's currency


@dataclass(frozen=True)
class PaymentFields:
    """What the caller gave; None = not given. Dates are UNIX seconds."""

    customer: int | None = None
    date: int | None = None
    currency: str | None = None
    amount: int | None = None
    amount_text: str | None = None
    method: str | None = None
    reference: str | None = None
    notes: str | None = None
    applied_to: list[AppliedInput] = field(default_factory=list)
    metadata: dict[str, str] | None = None
    cleared: list[str] = field(default_factory=list)


def _minor(amount: int | None, text: str | None, currency: str, param: str) -> int:
    if text is not None:
        return amounts.minor_units(text, currency, param)
    if amount is None:
        raise InvalidArgument(f"{param} is required.", param)
    return amount


async def _currency(session: AsyncSession, given: PaymentFields, customer_currency: str | None) -> str:
    """The one given, else the first applied invoice's, else the customer's, else USD."""
    if given.currency is not None:
        return amounts.resolved_currency(given.currency, None, None)
    if given.applied_to:
        first = await InvoiceRepository(session).find(given.applied_to[0].invoice)
        if first is not None:
            return first.currency
    return amounts.resolved_currency(None, None, customer_currency)


async def create_offline_payment(session: AsyncSession, given: PaymentFields) -> PaymentRecord:
    if not given.customer:
        raise InvalidArgument("A payment needs a customer.", "customer")
    customer = await CustomerRepository(session).find(given.customer)
    if customer is None:
        raise InvalidArgument(f"No such customer: {given.customer}", "customer")
    method = given.method or "other"
    if method not in OFFLINE_METHODS:
        raise InvalidArgument(
            f"method must be one of {', '.join(sorted(OFFLINE_METHODS))} for a payment recorded by the business "
            "(card payments are charges).",
            "method",
        )
    currency = await _currency(session, given, customer.currency)
    applications = [
        Application(a.invoice, _minor(a.amount, a.amount_text, currency, f"applied_to[{i}].amount"))
        for i, a in enumerate(given.applied_to)
    ]
    amount = _minor(given.amount, given.amount_text, currency, "amount")
    return await ledger.record_offline_payment(
        session,
        NewPayment(
            customer_id=customer.id, currency=currency, amount=amount, method=method, source=ledger.OFFLINE,
            applications=applications, reference=given.reference,
            date=validation.timestamp(given.date, "date") if given.date is not None else None,
            notes=given.notes, metadata=given.metadata or {},
        ),
    )  # fmt: skip


async def update_payment(session: AsyncSession, payment_id: int, given: PaymentFields) -> PaymentRecord:
    """Only what describes a payment changes here: date, method, reference, notes, metadata. Amounts and
    applications change by voiding (offline) or refunding."""
    for name in given.cleared:
        if name not in CLEARABLE:
            raise InvalidArgument(f"{name} cannot be cleared.", name)
    for name in ("customer", "currency", "amount", "amount_text"):
        if getattr(given, name) is not None:
            raise InvalidArgument(
                f"The {name.removesuffix('_text')} of a payment cannot be changed: void it and record it again.",
                name.removesuffix("_text"),
            )
    if given.applied_to:
        raise InvalidArgument("applied_to cannot be changed: void the payment and record it again.", "applied_to")
    payments = PaymentRepository(session)
    payment = await payments.get_locked(payment_id)
    current = await ledger.load(session, payment)
    before = payment_to_pb(current)
    if given.method is not None:
        allowed = OFFLINE_METHODS if payment.source == ledger.OFFLINE else {payment.method}
        if given.method not in allowed:
            raise InvalidArgument(f"method must be one of {', '.join(sorted(allowed))}.", "method")
        payment.method = given.method
    if given.date is not None:
        payment.date = validation.timestamp(given.date, "date")
    if given.reference is not None:
        if payment.source != ledger.OFFLINE:
            raise InvalidArgument("The reference of a card or bank payment is the gateway's.", "reference")
        payment.reference = validation.text(given.reference, "reference", 255)
    if given.notes is not None:
        payment.notes = validation.text(given.notes, "notes", 10_000)
    if given.metadata is not None:
        payment.metadata_json = json.dumps(validation.metadata(given.metadata), sort_keys=True)
    for name in given.cleared:
        if name == "metadata":
            payment.metadata_json = "{}"
        elif name == "reference" and payment.source == ledger.OFFLINE:
            payment.reference = None
        elif name == "notes":
            payment.notes = None
    payment.updated_at = utcnow()
    await payments.save(payment)
    await record(session, "payment.updated", payment_to_pb(current), customer_id=payment.customer_id,
                 previous=before)  # fmt: skip
    return current


def payment_filters(raw: Mapping[str, str], start_date: int | None, end_date: int | None) -> PaymentFilters:
    validation.unknown_filters(dict(raw), FILTERS)
    status = raw.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidArgument(f"status must be one of {', '.join(sorted(STATUSES))}.", "filter[status]")
    return PaymentFilters(
        customer=validation.integer(raw["customer"], "filter[customer]") if "customer" in raw else None,
        currency=raw["currency"].strip().lower() if "currency" in raw else None,
        method=raw.get("method"),
        source=raw.get("source"),
        status=status,
        start_date=validation.timestamp(start_date, "start_date") if start_date is not None else None,
        # Inclusive of the whole second named (stored dates keep their microseconds).
        end_date=validation.timestamp(end_date, "end_date") + timedelta(seconds=1) if end_date is not None else None,
    )


async def list_payments(
    session: AsyncSession, filters: PaymentFilters, page: int, per_page: int
) -> tuple[list[PaymentRecord], int]:
    rows, total = await PaymentRepository(session).listing(filters, *validation.paging(page, per_page))
    by_payment = await PaymentApplicationRepository(session).of_payments([p.id for p in rows])
    numbers = await InvoiceLockRepository(session).numbers(
        [a.invoice_id for applications in by_payment.values() for a in applications]
    )
    estimates = await PaymentRepository(session).estimate_numbers(rows)
    return [PaymentRecord(p, by_payment[p.id], numbers, estimates.get(p.estimate_id or 0, "")) for p in rows], total
