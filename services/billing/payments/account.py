"""A customer's own payments, receipts and statements, for the principal of the call (portal_kit.principal).

A customer sees only its own payments that went through or are on their way (not failed or voided attempts);
a guest limited to one document sees none. Anything else reads exactly like a missing payment.
"""

from __future__ import annotations

from portal_kit.errors import NotFound, PermissionDenied
from portal_kit.principal import Principal
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.payments import ledger
from services.billing.payments.models import PENDING, SUCCEEDED
from services.billing.payments.records import PaymentRecord
from services.billing.payments.repository import (
    InvoiceLockRepository,
    PaymentApplicationRepository,
    PaymentRepository,
)

VISIBLE = (PENDING, SUCCEEDED)
MAX_LIMIT = 100
WHOLE_ACCOUNT_ONLY = "Your payments need a sign-in to the whole account."


def require_whole_account(principal: Principal) -> None:
    if not principal.whole_account:
        raise PermissionDenied(WHOLE_ACCOUNT_ONLY)


async def account_payments(session: AsyncSession, principal: Principal, limit: int) -> list[PaymentRecord]:
    """Newest first; two more queries load every payment's applications and their invoices' numbers."""
    require_whole_account(principal)
    limit = MAX_LIMIT if not 1 <= limit <= MAX_LIMIT else limit
    rows = await PaymentRepository(session).of_customer(principal.customer_id, VISIBLE, limit)
    by_payment = await PaymentApplicationRepository(session).of_payments([p.id for p in rows])
    numbers = await InvoiceLockRepository(session).numbers(
        [a.invoice_id for applications in by_payment.values() for a in applications]
    )
    estimates = await PaymentRepository(session).estimate_numbers(rows)
    return [PaymentRecord(p, by_payment[p.id], numbers, estimates.get(p.estimate_id or 0, "")) for p in rows]


async def account_payment(session: AsyncSession, principal: Principal, payment_id: int) -> PaymentRecord:
    require_whole_account(principal)
    payment = await PaymentRepository(session).find(payment_id)
    if payment is None or payment.customer_id != principal.customer_id or payment.status not in VISIBLE:
        raise NotFound(f"No such payment: {payment_id}", "id")
    return await ledger.load(session, payment)
