"""The customer's Payments page, receipts, statements and receipt emails, through the gateway with every service."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx
import invoiced
import pytest

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import portal
from tests.integration.test_invoiced_client import pdf_text


@pytest.fixture
def api(stack: Stack, business: Business) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, ""), timeout=60
    ) as client:
        yield client


def exact(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return json.loads(response.text, parse_float=Decimal)


@contextmanager
def signed_in(stack: Stack, business: Business, api: httpx.Client, customer_id: int) -> Iterator[httpx.Client]:
    link = exact(api.post(f"/customers/{customer_id}/sign_in_link", json={"ttl": 600}))
    with portal(stack, business) as browser:
        reply = browser.get(link["url"].split(f":{stack.http_port}", 1)[1])
        assert reply.status_code == 303, reply.text[:300]
        yield browser


def local(url: str, stack: Stack) -> str:
    return url.split(f":{stack.http_port}", 1)[1]


def test_payments_page_receipts_and_statement_in_three_currencies(
    stack: Stack, business: Business, api: httpx.Client, other_business: Business
) -> None:
    customer = exact(api.post("/customers", json={"name": "Statement Co", "email": "ap@statement.example"}))
    invoices = {}
    for currency, price in (("usd", "250.50"), ("jpy", "15000"), ("kwd", "12.345")):
        body = f'{{"customer": {customer["id"]}, "currency": "{currency}", "items": [{{"name": "Work", "unit_cost": {price}}}]}}'
        invoices[currency] = exact(api.post("/invoices", content=body))
    paid_part = exact(api.post("/payments", content=(
        f'{{"customer": {customer["id"]}, "amount": 10.001, "method": "check", "reference": "77",'
        f' "applied_to": [{{"type": "invoice", "invoice": {invoices["kwd"]["id"]}, "amount": 10.001}}]}}'
    )))  # fmt: skip
    paid_yen = exact(api.post("/payments", json={
        "customer": customer["id"], "amount": 15000, "method": "wire_transfer",
        "applied_to": [{"type": "invoice", "invoice": invoices["jpy"]["id"], "amount": 15000}],
    }))  # fmt: skip

    with signed_in(stack, business, api, customer["id"]) as browser:
        home = browser.get("/")
        assert 'href="/account/statement"' in home.text and 'href="/account/payments"' in home.text
        page = browser.get("/account/payments")
        assert page.status_code == 200
        for expected in ("10.001 KWD", "¥15,000", invoices["kwd"]["number"],
                         invoices["jpy"]["number"], f'/account/payments/{paid_yen["id"]}'):  # fmt: skip
            assert expected in page.text, expected
        receipt = browser.get(f"/account/payments/{paid_part['id']}")
        assert receipt.status_code == 200 and "10.001 KWD" in receipt.text and invoices["kwd"]["number"] in receipt.text
        pdf = browser.get(f"/account/payments/{paid_part['id']}/pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        text = pdf_text(pdf.content)
        assert business.display_name in text and "10.001 KWD" in text and invoices["kwd"]["number"] in text

        statement = browser.get("/account/statement")
        assert statement.status_code == 200
        assert invoices["usd"]["number"] in statement.text and invoices["kwd"]["number"] in statement.text
        assert invoices["jpy"]["number"] not in re.sub(r"Payments received.*", "", statement.text, flags=re.S)
        for expected in ("$250.50", "2.344 KWD"):
            assert expected in statement.text, expected
        statement_pdf = browser.get("/account/statement/pdf")
        text = pdf_text(statement_pdf.content)
        for expected in (business.display_name, "Statement Co", invoices["usd"]["number"], invoices["kwd"]["number"],
                         "$250.50", "2.344 KWD", "¥15,000", "Total due (USD)"):  # fmt: skip
            assert expected in text, expected
        empty = browser.get("/account/statement", params={"start": "2001-01-01", "end": "2001-12-31"})
        assert "No open invoices in this period." in empty.text
        assert browser.get("/account/statement", params={"start": "soon"}).status_code == 400

    by_link = exact(api.get(f"/customers/{customer['id']}"))["statement_pdf_url"]
    assert by_link.startswith(f"http://{business.username}.localhost:{stack.http_port}/statements/")
    with portal(stack, business) as anonymous:
        linked = anonymous.get(local(by_link, stack))
        assert linked.status_code == 200 and invoices["usd"]["number"] in pdf_text(linked.content)
        forged = local(by_link, stack).replace("/pdf", "x/pdf")
        assert anonymous.get(forged).status_code == 404
        assert anonymous.get("/account/payments").status_code in (200, 303, 401)
        assert "10.001 KWD" not in anonymous.get("/account/payments").text
    with portal(stack, other_business) as elsewhere:  # another business's portal does not open this link
        assert elsewhere.get(local(by_link, stack)).status_code == 404


def test_a_customer_sees_only_its_own_payments(stack: Stack, business: Business, api: httpx.Client) -> None:
    mine = exact(api.post("/customers", json={"name": "Mine Co"}))
    theirs = exact(api.post("/customers", json={"name": "Theirs Co"}))
    invoice = exact(api.post("/invoices", json={"customer": theirs["id"], "items": [{"name": "X", "unit_cost": 5}]}))
    payment = exact(api.post("/payments", json={
        "customer": theirs["id"], "amount": 5, "method": "cash",
        "applied_to": [{"type": "invoice", "invoice": invoice["id"], "amount": 5}],
    }))  # fmt: skip
    with signed_in(stack, business, api, mine["id"]) as browser:
        assert "No payments yet." in browser.get("/account/payments").text
        assert browser.get(f"/account/payments/{payment['id']}").status_code == 404
        assert browser.get(f"/account/payments/{payment['id']}/pdf").status_code == 404


def test_the_business_emails_a_receipt_with_its_pdf(
    client: invoiced.Client, business: Business, smtp_sink: SmtpSink
) -> None:
    customer = client.Customer.create(name="Mailed Co", email="ap@mailed.example")
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Work", "quantity": 1, "unit_cost": 99.95}])
    payment = client.Payment.create(customer=customer.id, amount=99.95, method="check",
                                    applied_to=[{"type": "invoice", "invoice": invoice.id, "amount": 99.95}])  # fmt: skip
    emails = payment.send()
    assert [e.email for e in emails] == ["ap@mailed.example"]
    [message] = smtp_sink.wait_for(
        lambda m: "ap@mailed.example" in m.to and m.subject.startswith("Receipt for your payment"), timeout=30
    )
    assert message.subject == f"Receipt for your payment of $99.95 to {business.display_name}"
    [attachment] = message.attachments
    text = pdf_text(attachment.content)
    assert "$99.95" in text and invoice.number in text and business.display_name in text
