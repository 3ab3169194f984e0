"""Receipts: the link that opens a payment's receipt (pdf_url) and its PDF.

The link's token is `<payment id>.<HMAC of the payment's random nonce>`: derived, never stored, checked in
constant time. A wrong id and a wrong MAC read the same.
"""

from __future__ import annotations

import asyncio
import hmac

from portal_kit.errors import NotFound
from portal_kit.ids import derived_token
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.delivery import RenderedPdf
from services.billing.payments import ledger
from services.billing.payments.models import Payment
from services.billing.payments.receipt_pdf import render_receipt_pdf
from services.billing.payments.records import PaymentRecord
from services.billing.repository import CustomerRepository

PURPOSE = "payment-receipt"
INVALID = "This receipt link is not valid."


def receipt_token(secret_key: bytes, payment: Payment) -> str:
    return f"{payment.id}.{derived_token(secret_key, payment.receipt_nonce, PURPOSE)}"


async def find_by_token(session: AsyncSession, secret_key: bytes, token: str) -> PaymentRecord:
    raw_id, _, mac = token.partition(".")
    if not raw_id.isdigit() or len(raw_id) > 19 or not mac or len(mac) > 200:
        raise NotFound(INVALID, "token")
    record = None
    try:
        record = await ledger.get_payment(session, int(raw_id))
    except NotFound:
        pass
    if record is None or not hmac.compare_digest(receipt_token(secret_key, record.payment), token):
        raise NotFound(INVALID, "token")
    return record


def receipt_filename(payment: Payment) -> str:
    return f"receipt-{payment.id}.pdf"


async def receipt_pdf(session: AsyncSession, record: PaymentRecord, business_name: str) -> RenderedPdf:
    customer = await CustomerRepository(session).get(record.payment.customer_id)
    content = await asyncio.to_thread(render_receipt_pdf, record, customer, business_name.strip())
    return RenderedPdf(content, receipt_filename(record.payment))
