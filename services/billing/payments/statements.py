"""Open-item statements: a customer's invoices dated in a period that are still open, with what is due on each,
and the payments received in that period. The API's `statement_pdf_url` carries a token derived from the customer
(`<customer id>.<HMAC>`): it opens the customer's current statement, and nothing else."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal_kit.errors import InvalidArgument, NotFound
from portal_kit.ids import derived_token
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import validation
from services.billing.models import Customer, Invoice
from services.billing.payments.models import SUCCEEDED
from services.billing.payments.records import PaymentRecord
from services.billing.payments.repository import (
    InvoiceLockRepository,
    PaymentApplicationRepository,
    PaymentRepository,
    StatementRepository,
)
from services.billing.repository import CustomerRepository

PURPOSE = "customer-statement"
DEFAULT_DAYS = 365
MAX_DAYS = 366 * 10
INVALID = "This statement link is not valid."


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive


@dataclass(frozen=True)
class Total:
    currency: str
    balance: int
    received: int


@dataclass(frozen=True)
class Statement:
    customer: Customer
    period: Period
    invoices: list[Invoice]
    payments: list[PaymentRecord]
    totals: list[Total]
    generated_at: datetime


def period(start: int | None, end: int | None) -> Period:
    """[start, end) from unix seconds; by default the last twelve months up to now."""
    now = utcnow()
    end_at = validation.timestamp(end, "end") if end is not None else now
    start_at = validation.timestamp(start, "start") if start is not None else end_at - timedelta(days=DEFAULT_DAYS)
    if start_at >= end_at:
        raise InvalidArgument("The statement's start must be before its end.", "start")
    if end_at - start_at > timedelta(days=MAX_DAYS):
        raise InvalidArgument("A statement covers at most ten years.", "start")
    return Period(start_at, end_at)


def statement_token(secret_key: bytes, customer_id: int) -> str:
    return f"{customer_id}.{derived_token(secret_key, str(customer_id), PURPOSE)}"


async def customer_by_token(session: AsyncSession, secret_key: bytes, token: str) -> int:
    raw_id, _, mac = token.partition(".")
    if not raw_id.isdigit() or len(raw_id) > 19 or not mac or len(mac) > 200:
        raise NotFound(INVALID, "token")
    customer_id = int(raw_id)
    if not hmac.compare_digest(statement_token(secret_key, customer_id), token):
        raise NotFound(INVALID, "token")
    if await CustomerRepository(session).find(customer_id) is None:
        raise NotFound(INVALID, "token")
    return customer_id


async def build_statement(session: AsyncSession, customer_id: int, within: Period) -> Statement:
    """Four queries: the customer, its open invoices of the period, its payments received in it, and their
    applications (with the invoices' numbers)."""
    customer = await CustomerRepository(session).get(customer_id)
    open_items = await StatementRepository(session).open_invoices(customer_id, within.start, within.end)
    received = await PaymentRepository(session).received_between(customer_id, (SUCCEEDED,), within.start, within.end)
    by_payment = await PaymentApplicationRepository(session).of_payments([p.id for p in received])
    numbers = await InvoiceLockRepository(session).numbers(
        [a.invoice_id for applications in by_payment.values() for a in applications]
    )
    estimates = await PaymentRepository(session).estimate_numbers(received)
    payments = [PaymentRecord(p, by_payment[p.id], numbers, estimates.get(p.estimate_id or 0, "")) for p in received]
    currencies = sorted({i.currency for i in open_items} | {p.currency for p in received})
    totals = [
        Total(
            currency,
            sum(i.balance for i in open_items if i.currency == currency),
            sum(p.amount - p.amount_refunded for p in received if p.currency == currency),
        )
        for currency in currencies
    ]
    return Statement(customer, within, open_items, payments, totals, utcnow())


def statement_filename(statement: Statement) -> str:
    return f"statement-{statement.customer.number}-{statement.period.end:%Y-%m-%d}.pdf"
