from __future__ import annotations

from portal.billing.v1 import account_pb2, invoices_pb2

from services.gateway.portal import pages

DAY = 86_400
NOV_30_2026 = 20_787 * DAY


def row(**changes: object) -> account_pb2.InvoiceRow:
    fields: dict[str, object] = {"id": 41, "number": "INV-0041", "date": NOV_30_2026 + 3_600, "status": "past_due",
                                 "total": 123_450, "balance": 23_450, "currency": "usd", "due_date": NOV_30_2026 + 9 * DAY}  # fmt: skip
    fields.update(changes)
    return account_pb2.InvoiceRow(**fields)  # type: ignore[arg-type]  # protobuf's constructor takes **kwargs


def test_a_row_shows_its_number_dates_status_and_amounts() -> None:
    [html] = pages.invoice_rows([row()])
    assert 'href="/account/invoices/41">INV-0041</a>' in html
    assert "Nov 30, 2026" in html and "Dec 09, 2026" in html
    assert 'status-past_due">past due</span>' in html
    assert "$1,234.50" in html and "$234.50" in html
    assert 'name="invoice" value="41"' in html  # payable: it can be ticked for "Pay selected invoices"


def test_a_paid_row_has_no_pay_box_and_no_due_date_shows_nothing() -> None:
    paid = row(status="paid", balance=0)
    paid.ClearField("due_date")
    [html] = pages.invoice_rows([paid])
    assert 'name="invoice"' not in html
    assert "<td></td>" in html and "Dec 09, 2026" not in html


def test_row_text_is_escaped() -> None:
    [html] = pages.invoice_rows([row(number='<script>alert("x")</script>')])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_same_row_is_rendered_once_and_a_changed_row_anew() -> None:
    first, again = pages.invoice_rows([row(), row()])
    assert again is first
    [paid] = pages.invoice_rows([row(status="paid", balance=0)])
    assert "$0.00" in paid and "status-paid" in paid and 'name="invoice"' not in paid
    [moved] = pages.invoice_rows([row(due_date=NOV_30_2026 + 20 * DAY)])
    assert "Dec 20, 2026" in moved and "Dec 09, 2026" not in moved


def test_dates_are_utc_days() -> None:
    assert pages._date(NOV_30_2026) == "Nov 30, 2026"
    assert pages._date(NOV_30_2026 + DAY - 1) == "Nov 30, 2026"
    assert pages._date(NOV_30_2026 + DAY) == "Dec 01, 2026"
    assert pages._date(0) == "" and pages._date(None) == ""


def invoice(**changes: object) -> invoices_pb2.Invoice:
    fields: dict[str, object] = {"id": 41, "number": "INV-0041", "currency": "usd", "date": NOV_30_2026, "status": "sent",
                                 "subtotal": 60_000, "total": 60_000, "balance": 60_000,
                                 "items": [invoices_pb2.LineItem(name="Consulting", quantity="4", unit_cost=15_000,
                                                                 amount=60_000)]}  # fmt: skip
    fields.update(changes)
    return invoices_pb2.Invoice(**fields)  # type: ignore[arg-type]  # protobuf's constructor takes **kwargs


HOLDER = account_pb2.AccountHolder(id=7, name="Globex", number="CUST-0007", currency="usd")


def test_an_invoice_body_shows_the_invoice_for_its_customer_and_is_escaped() -> None:
    html = pages.invoice_body(invoice(notes="<b>thanks</b>"), HOLDER)
    assert "Invoice INV-0041" in html and "For Globex" in html and "Consulting" in html
    assert "$600.00" in html and "$150.00" in html and "Nov 30, 2026" in html
    assert "<b>thanks</b>" not in html and "&lt;b&gt;thanks&lt;/b&gt;" in html


def test_the_same_invoice_body_is_rendered_once_and_a_changed_one_anew() -> None:
    first = pages.invoice_body(invoice(), HOLDER)
    assert pages.invoice_body(invoice(), HOLDER) is first
    paid = pages.invoice_body(invoice(balance=0, status="paid"), HOLDER)
    assert paid is not first and "status-paid" in paid and "$0.00" in paid
    renamed = pages.invoice_body(invoice(), account_pb2.AccountHolder(id=7, name="Globex Corp", currency="usd"))
    assert "For Globex Corp" in renamed
