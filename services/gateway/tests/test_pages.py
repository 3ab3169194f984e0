from __future__ import annotations

from portal.billing.v1 import account_pb2

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
