"""The receipt PDF of a payment (fpdf2, like the invoice PDF)."""

from __future__ import annotations

from services.billing.models import Customer
from services.billing.payments.models import FAILED, PENDING, VOIDED
from services.billing.payments.records import PaymentRecord
from services.billing.pdf import _address, _date, _Writer

METHOD_NAMES = {
    "ach": "ACH", "cash": "Cash", "check": "Check", "credit_card": "Card", "direct_debit": "Direct debit",
    "eft": "EFT", "other": "Other", "paypal": "PayPal", "wire_transfer": "Wire transfer",
}  # fmt: skip
STATE_NOTES = {PENDING: " (PENDING)", FAILED: " (FAILED)", VOIDED: " (VOID)"}


def method_name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def render_receipt_pdf(record: PaymentRecord, customer: Customer, business_name: str) -> bytes:
    payment = record.payment
    w = _Writer()
    pdf = w.pdf
    if business_name:
        w.line(business_name, size=14, bold=True, height=8)
    w.line(f"Payment receipt{STATE_NOTES.get(payment.status, '')}", size=22, bold=True, height=12)
    w.line(f"Date: {_date(payment.date)}")
    w.line(f"Amount: {w.money(payment.amount, payment.currency)}")
    w.line(f"Method: {method_name(payment.method)}")
    if payment.reference:
        w.line(f"Reference: {payment.reference}")
    pdf.ln(4)
    w.line("Received from", bold=True)
    w.line(customer.name)
    for address_line in _address(customer):
        w.line(address_line)
    pdf.ln(6)
    w.font(10)
    with pdf.table(col_widths=(95, 45, 50), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        header = table.row()
        for title in ("Invoice", "Applied", "Refunded"):
            header.cell(title)
        for application in record.applications:
            row = table.row()
            row.cell(w.clean(record.invoice_numbers.get(application.invoice_id, str(application.invoice_id))))
            row.cell(w.money(application.amount, payment.currency))
            row.cell(w.money(application.amount_refunded, payment.currency))
    pdf.ln(4)
    w.pair("Amount paid", w.money(payment.amount, payment.currency), bold=True)
    if payment.balance and record.estimate_number:
        w.pair(f"Deposit on estimate {w.clean(record.estimate_number)}", w.money(payment.balance, payment.currency))
    elif payment.balance:
        w.pair("Unapplied", w.money(payment.balance, payment.currency))
    if payment.amount_refunded:
        w.pair("Refunded", w.money(payment.amount_refunded, payment.currency))
    return bytes(pdf.output())
