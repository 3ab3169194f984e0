"""The real `invoiced` client from PyPI against the gateway, with every service, PostgreSQL, the broker and SMTP."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import httpx
import invoiced
import pytest

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        Path(handle.name).write_bytes(data)
        return subprocess.run(
            ["pdftotext", "-layout", handle.name, "-"], check=True, capture_output=True, text=True
        ).stdout


def test_customer_and_invoice_round_trip_and_email(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    customer = client.Customer.create(name="Globex", email="ap@globex.example", currency="usd")
    assert customer.object == "customer"
    assert isinstance(customer.id, int) and customer.id < 2**53
    contact = customer.contacts().create(name="Hank", email="hank@globex.example", primary=True)
    assert contact.customer == customer.id

    invoice = client.Invoice.create(
        customer=customer.id,
        items=[
            {"name": "Widgets", "quantity": 3, "unit_cost": 19.99},
            {"name": "Setup", "quantity": 1.5, "unit_cost": 10.01},
        ],
        taxes=[{"amount": 1.05}],
    )
    # 3 × 19.99 = 59.97; 1.5 × 10.01 = 15.015 → 15.02 (half up); + 1.05 tax
    raw = httpx.get(f"{client.api_url}/invoices/{invoice.id}", auth=(business.api_key, ""))
    amounts = json.loads(raw.text, parse_float=Decimal)  # the numbers exactly as sent, no float in between
    assert (amounts["subtotal"], amounts["total"], amounts["balance"]) == (
        Decimal("74.99"), Decimal("76.04"), Decimal("76.04")
    )  # fmt: skip
    assert re.fullmatch(r"INV-\d{4}", invoice.number)
    assert invoice.url.startswith(f"http://{business.username}.localhost:{stack.http_port}/invoices/")
    assert invoice.pdf_url == invoice.url + "/pdf"

    fetched = client.Invoice.retrieve(invoice.id, {"expand": "customer"})
    assert fetched.customer["name"] == "Globex"

    fetched = client.Invoice.retrieve(invoice.id)
    fetched.purchase_order = "PO-77"
    fetched.save()
    assert client.Invoice.retrieve(invoice.id).purchase_order == "PO-77"

    emails = invoice.send()
    recipients = sorted(e.email for e in emails)
    assert recipients == ["ap@globex.example", "hank@globex.example"]
    assert client.Invoice.retrieve(invoice.id).status == "sent"

    [message] = smtp_sink.wait_for(lambda m: invoice.url in m.text, timeout=30)
    assert sorted(message.to) == recipients
    assert invoice.url in message.text
    assert invoice.url in (message.html or "")
    [attachment] = message.attachments
    assert attachment.content_type == "application/pdf"
    text = pdf_text(attachment.content)
    assert invoice.number in text
    assert "76.04" in text

    page = httpx.get(invoice.url.replace(f"{business.username}.localhost", "127.0.0.1"), follow_redirects=True,
                     headers={"Host": f"{business.username}.localhost:{stack.http_port}"})  # fmt: skip
    assert page.status_code == 200
    assert invoice.number in page.text and "$76.04" in page.text


def test_lists_page_with_link_and_total_count_headers(client: invoiced.Client) -> None:
    for index in range(5):
        client.Customer.create(name=f"Customer {index}")
    first, meta = client.Customer.list(per_page=2)
    assert meta.total_count == 5
    assert len(first) == 2
    assert set(meta.links) == {"self", "first", "next", "last"}
    assert "page=3" in meta.links["last"]
    last, meta = client.Customer.list(per_page=2, page=3)
    assert [c.name for c in last] == ["Customer 4"]
    assert "previous" in meta.links and "next" not in meta.links
    everyone = (
        [c.name for c in first] + [c.name for c in client.Customer.list(per_page=2, page=2)[0]] + [c.name for c in last]
    )
    assert everyone == [f"Customer {i}" for i in range(5)]


def test_filters_and_invoice_numbers_are_per_business(client: invoiced.Client) -> None:
    a = client.Customer.create(name="A", metadata={"region": "emea"})
    b = client.Customer.create(name="B", metadata={"region": "apac"})
    emea, meta = client.Customer.list(metadata={"region": "emea"})
    assert [c.id for c in emea] == [a.id] and meta.total_count == 1
    first = client.Invoice.create(customer=a.id, items=[{"name": "x", "unit_cost": 1}])
    second = client.Invoice.create(customer=b.id, items=[{"name": "y", "unit_cost": 2}])
    assert (first.number, second.number) == ("INV-0001", "INV-0002")
    only_b, meta = client.Invoice.list(filter={"customer": b.id})
    assert [i.id for i in only_b] == [second.id]
    assert second.id != first.id + 1


def test_void_and_delete(client: invoiced.Client) -> None:
    customer = client.Customer.create(name="Voidable")
    sent = client.Invoice.create(customer=customer.id, items=[{"name": "x", "unit_cost": 10}], sent=True)
    assert sent.void() is True
    assert sent.status == "voided" and sent.balance == 0
    assert client.Invoice.retrieve(sent.id).status == "voided"
    draft = client.Invoice.create(customer=customer.id, draft=True, items=[{"name": "y", "unit_cost": 5}])
    assert draft.delete() is True
    with pytest.raises(invoiced.errors.InvalidRequestError) as missing:
        client.Invoice.retrieve(draft.id)
    assert missing.value.status_code == 404


def test_idempotency_key_replays_the_first_response(client: invoiced.Client) -> None:
    first = client.Customer.create(name="Once", idempotency_key="create-once-123")
    again = client.Customer.create(name="Once", idempotency_key="create-once-123")
    assert again.id == first.id
    _, meta = client.Customer.list(filter={"name": "Once"})
    assert meta.total_count == 1
