"""The "new invoice" email: subject, plain text and HTML bodies. Everything user-given is escaped in HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from portal_kit.money import format_money

from services.billing.models import Customer, Invoice

TEMPLATE = "new_invoice_email"
BUTTON_STYLE = (
    "display:inline-block;padding:12px 24px;background:#2563eb;color:#ffffff;"
    "text-decoration:none;border-radius:6px;font-weight:bold"
)


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    text: str
    html: str


def default_subject(invoice: Invoice, business_name: str) -> str:
    return f"Invoice {invoice.number} from {business_name}"


def long_date(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment:%Y}"


def compose(
    invoice: Invoice,
    customer: Customer,
    business_name: str,
    link: str,
    subject: str | None = None,
    message: str | None = None,
) -> ComposedEmail:
    subject = subject or default_subject(invoice, business_name)
    intro = message or f"Here is invoice {invoice.number} from {business_name}."
    facts = [
        ("Invoice", invoice.number),
        ("Total", format_money(invoice.total, invoice.currency)),
        ("Balance due", format_money(invoice.balance, invoice.currency)),
    ]
    if invoice.due_date is not None:
        facts.append(("Due date", long_date(invoice.due_date)))

    text_lines = [f"Hello {customer.name},", "", intro, ""]
    text_lines += [f"{label}: {value}" for label, value in facts]
    text_lines += ["", f"View Invoice: {link}", "", business_name]

    rows = "".join(
        f'<tr><td style="padding:4px 16px 4px 0;color:#555">{escape(label)}</td>'
        f'<td style="padding:4px 0"><strong>{escape(value)}</strong></td></tr>'
        for label, value in facts
    )
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in intro.splitlines() if line.strip())
    html = (
        '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#222">'
        f"<p>Hello {escape(customer.name)},</p>{paragraphs}"
        f'<table style="border-collapse:collapse;margin:16px 0">{rows}</table>'
        f'<p><a href="{escape(link, quote=True)}" style="{BUTTON_STYLE}">View Invoice</a></p>'
        f"<p>{escape(business_name)}</p></body></html>"
    )
    return ComposedEmail(subject, "\n".join(text_lines), html)
