"""The estimate PDF and the approval certificate PDF (fpdf2, like invoices)."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf.enums import XPos, YPos

from services.billing.estimates.documents import items_of
from services.billing.estimates.models import Estimate, EstimateApproval
from services.billing.models import Customer
from services.billing.pdf import _address, _date, _Writer


def _when(moment: datetime) -> str:
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def render_estimate_pdf(estimate: Estimate, customer: Customer, business_name: str, status: str) -> bytes:
    w = _Writer()
    pdf = w.pdf
    if business_name:
        w.line(business_name, size=14, bold=True, height=8)
    w.line("Estimate", size=22, bold=True, height=12)
    shown = f" ({status.replace('_', ' ').upper()})" if status in ("voided", "expired", "declined") else ""
    w.line(f"Number: {estimate.number}{shown}")
    w.line(f"Version: {estimate.version}")
    w.line(f"Date: {_date(estimate.date)}")
    w.line(f"Expires: {_date(estimate.expiration_date)}" if estimate.expiration_date else "Expires: never")
    if estimate.purchase_order:
        w.line(f"Purchase order: {estimate.purchase_order}")
    pdf.ln(4)
    w.line("Prepared for", bold=True)
    w.line(customer.name)
    for address_line in _address(customer):
        w.line(address_line)
    pdf.ln(6)
    w.font(10)
    with pdf.table(col_widths=(90, 25, 35, 40), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        header = table.row()
        for title in ("Item", "Quantity", "Unit cost", "Amount"):
            header.cell(title)
        for item in items_of(estimate):
            name = item.name or item.description or ""
            if item.name and item.description:
                name = f"{item.name}\n{item.description}"
            row = table.row()
            row.cell(w.clean(name))
            row.cell(item.quantity)
            row.cell(w.money(item.unit_cost, estimate.currency))
            row.cell(w.money(item.amount, estimate.currency))
    pdf.ln(4)
    w.pair("Subtotal", w.money(estimate.subtotal, estimate.currency))
    w.pair("Discounts", w.money(-estimate.total_discounts, estimate.currency))
    w.pair("Taxes", w.money(estimate.total_taxes, estimate.currency))
    w.pair("Total", w.money(estimate.total, estimate.currency), bold=True)
    if estimate.deposit:
        w.pair("Deposit required", w.money(estimate.deposit, estimate.currency), bold=True)
    if estimate.notes:
        pdf.ln(6)
        w.line("Notes", bold=True)
        w.font(10)
        pdf.multi_cell(0, 5, w.clean(estimate.notes), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def render_certificate_pdf(
    estimate: Estimate, approval: EstimateApproval, customer: Customer, business_name: str
) -> bytes:
    """Who approved which exact version, when, from where, and the fingerprint of the document approved."""
    w = _Writer()
    pdf = w.pdf
    if business_name:
        w.line(business_name, size=14, bold=True, height=8)
    w.line("Approval certificate", size=20, bold=True, height=12)
    if approval.voided_at is not None:
        w.line(f"VOIDED on {_when(approval.voided_at)}: the estimate was changed after this approval.", bold=True)
    pdf.ln(2)
    rows = [
        ("Estimate", f"{estimate.number} (version {approval.version})"),
        ("Customer", customer.name),
        ("Approved at", _when(approval.approved_at)),
        ("Initials", approval.initials),
        ("Approved by", approval.approved_by + (f" ({approval.signed_in_email})" if approval.signed_in_email else "")),
        ("Session", "guest link from the estimate email" if approval.approved_by.startswith("guest:") else "signed in"),
        ("IP address", approval.ip or "unknown"),
        ("User agent", approval.user_agent or "unknown"),
        ("Terms accepted", "yes" if approval.terms_accepted else "no terms were asked"),
        ("Document SHA-256", approval.document_sha256),
    ]
    for label, value in rows:
        w.font(10, bold=True)
        pdf.cell(40, 6, w.clean(label))
        w.font(10)
        pdf.multi_cell(0, 6, w.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if approval.terms:
        pdf.ln(4)
        w.line("Terms accepted", bold=True)
        w.font(9)
        pdf.multi_cell(0, 5, w.clean(approval.terms), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    w.line("Document approved (canonical JSON; its SHA-256 is above)", bold=True)
    w.font(7)
    pdf.multi_cell(0, 3.5, w.clean(approval.document), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
