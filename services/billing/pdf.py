"""The invoice PDF (fpdf2). DejaVu Sans when installed (so €, £ print); otherwise Helvetica with currency codes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from portal_kit.money import exponent, format_money, from_minor

from services.billing.models import Customer, Invoice, LineItem

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


class _Writer:
    """Small helpers over FPDF that keep text within the chosen font's character set."""

    def __init__(self) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(True, margin=15)
        self.unicode = DEJAVU.exists() and DEJAVU_BOLD.exists()
        if self.unicode:
            self.pdf.add_font("DejaVu", "", str(DEJAVU))
            self.pdf.add_font("DejaVu", "B", str(DEJAVU_BOLD))
            self.family = "DejaVu"
        else:
            self.family = "Helvetica"
        self.pdf.add_page()

    def clean(self, value: str) -> str:
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def money(self, minor: int, currency: str) -> str:
        if self.unicode:
            return format_money(minor, currency)
        places = exponent(currency)
        return f"{'-' if minor < 0 else ''}{abs(from_minor(minor, currency)):,.{places}f} {currency.upper()}"

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def line(self, value: str, size: float = 10, bold: bool = False, align: str = "L", height: float = 5.5) -> None:
        self.font(size, bold)
        self.pdf.cell(0, height, self.clean(value), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pair(self, label: str, value: str, bold: bool = False) -> None:
        """A right-aligned label/value row of the totals block."""
        self.font(10, bold)
        self.pdf.set_x(self.pdf.w - self.pdf.r_margin - 90)
        self.pdf.cell(50, 6, self.clean(label), align="R")
        self.pdf.cell(40, 6, self.clean(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _date(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}, {moment:%Y}"


def _address(customer: Customer) -> list[str]:
    city_line = " ".join(part for part in (customer.city, customer.state, customer.postal_code) if part)
    parts = [customer.attention_to, customer.address1, customer.address2, city_line, customer.country]
    return [part for part in parts if part]


def render_invoice_pdf(invoice: Invoice, items: list[LineItem], customer: Customer, business_name: str) -> bytes:
    w = _Writer()
    pdf = w.pdf
    if business_name:
        w.line(business_name, size=14, bold=True, height=8)
    w.line("Invoice", size=22, bold=True, height=12)
    status = " (VOID)" if invoice.voided else ""
    w.line(f"Number: {invoice.number}{status}")
    w.line(f"Date: {_date(invoice.date)}")
    w.line(f"Due date: {_date(invoice.due_date)}" if invoice.due_date else "Due date: none")
    if invoice.purchase_order:
        w.line(f"Purchase order: {invoice.purchase_order}")
    pdf.ln(4)
    w.line("Bill to", bold=True)
    w.line(customer.name)
    for address_line in _address(customer):
        w.line(address_line)
    pdf.ln(6)

    w.font(10)
    with pdf.table(col_widths=(90, 25, 35, 40), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        header = table.row()
        for title in ("Item", "Quantity", "Unit cost", "Amount"):
            header.cell(title)
        for item in items:
            name = item.name or item.description or ""
            if item.name and item.description:
                name = f"{item.name}\n{item.description}"
            row = table.row()
            row.cell(w.clean(name))
            row.cell(item.quantity)
            row.cell(w.money(item.unit_cost, invoice.currency))
            row.cell(w.money(item.amount, invoice.currency))
    pdf.ln(4)

    w.pair("Subtotal", w.money(invoice.subtotal, invoice.currency))
    w.pair("Discounts", w.money(-invoice.total_discounts, invoice.currency))
    w.pair("Taxes", w.money(invoice.total_taxes, invoice.currency))
    w.pair("Total", w.money(invoice.total, invoice.currency), bold=True)
    w.pair("Balance due", w.money(invoice.balance, invoice.currency), bold=True)
    if invoice.notes:
        pdf.ln(6)
        w.line("Notes", bold=True)
        w.font(10)
        pdf.multi_cell(0, 5, w.clean(invoice.notes), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"
