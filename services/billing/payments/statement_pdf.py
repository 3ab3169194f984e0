"""The statement PDF (fpdf2, like invoices and receipts)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.delivery import RenderedPdf
from services.billing.payments.receipt_pdf import method_name
from services.billing.payments.statements import Period, Statement, build_statement, statement_filename
from services.billing.pdf import _address, _date, _Writer


def render_statement_pdf(statement: Statement, business_name: str) -> bytes:
    w = _Writer()
    pdf = w.pdf
    customer = statement.customer
    last_day = statement.period.end - timedelta(seconds=1)
    if business_name:
        w.line(business_name, size=14, bold=True, height=8)
    w.line("Statement", size=22, bold=True, height=12)
    w.line(f"Period: {_date(statement.period.start)} to {_date(last_day)}")
    w.line(f"Issued: {_date(statement.generated_at)}")
    pdf.ln(4)
    w.line("Statement for", bold=True)
    w.line(f"{customer.name} ({customer.number})")
    for address_line in _address(customer):
        w.line(address_line)
    pdf.ln(6)
    w.line("Open invoices", size=12, bold=True, height=7)
    if statement.invoices:
        w.font(9)
        widths = (30, 28, 28, 34, 34, 36)
        with pdf.table(col_widths=widths, text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
            header = table.row()
            for title in ("Invoice", "Date", "Due", "Total", "Paid", "Balance"):
                header.cell(title)
            for invoice in statement.invoices:
                row = table.row()
                row.cell(invoice.number)
                row.cell(_date(invoice.date))
                row.cell(_date(invoice.due_date) if invoice.due_date else "")
                row.cell(w.money(invoice.total, invoice.currency))
                row.cell(w.money(invoice.amount_paid, invoice.currency))
                row.cell(w.money(invoice.balance, invoice.currency))
    else:
        w.line("No open invoices in this period.")
    pdf.ln(4)
    w.line("Payments received", size=12, bold=True, height=7)
    if statement.payments:
        w.font(9)
        with pdf.table(col_widths=(30, 30, 90, 40), text_align=("LEFT", "LEFT", "LEFT", "RIGHT")) as table:
            header = table.row()
            for title in ("Date", "Method", "Invoices", "Amount"):
                header.cell(title)
            for record in statement.payments:
                payment = record.payment
                row = table.row()
                row.cell(_date(payment.date))
                row.cell(method_name(payment.method))
                row.cell(", ".join(record.invoice_numbers.get(a.invoice_id, "") for a in record.applications))
                row.cell(w.money(payment.amount - payment.amount_refunded, payment.currency))
    else:
        w.line("No payments received in this period.")
    pdf.ln(4)
    for total in statement.totals:
        w.pair(f"Total due ({total.currency.upper()})", w.money(total.balance, total.currency), bold=True)
    return bytes(pdf.output())


async def statement_pdf(session: AsyncSession, customer_id: int, within: Period, business_name: str) -> RenderedPdf:
    statement = await build_statement(session, customer_id, within)
    content = await asyncio.to_thread(render_statement_pdf, statement, business_name.strip())
    return RenderedPdf(content, statement_filename(statement))
