"""A customer comments on an invoice in a real browser; the business works the needs-attention queue by API.

From the invoice email's "View Invoice" link (a guest session), the customer comments; billing flags the invoice
through the comment-flag event; the business lists needs-attention invoices, reads and replies with the real
`invoiced` client (Note), resolves with httpx (the client has no call for it); the customer gets both emails and
sees the reply and "Resolved"; a new comment flags the invoice again.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import invoiced
import pytest
from playwright.sync_api import Browser, sync_playwright

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS

MARKUP = '<b>Is the PO</b> <a href="https://evil.test/pay">number</a> right? <script>alert(1)</script>'


@pytest.fixture
def browser(business: Business) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def api(stack: Stack, business: Business) -> httpx.Client:
    return httpx.Client(base_url=f"http://localhost:{stack.http_port}/api", auth=(business.api_key, ""), timeout=30)


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the condition did not become true in time"
        time.sleep(0.05)


def needing_attention(client: invoiced.Client) -> list[int]:
    invoices, _ = client.Invoice.list(filter={"needs_attention": 1})
    return [i.id for i in invoices]


def test_comment_from_the_email_link_then_reply_and_resolve_by_api(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser, tmp_path: Path
) -> None:
    ops = f"ops-{business.username}@example.com"
    with api(stack, business) as business_api:
        settings = business_api.patch("/comment_settings", json={"notification_email": ops})
        assert settings.status_code == 200 and settings.json()["notification_email"] == ops
    buyer = f"buyer-{business.username}@example.com"
    customer = client.Customer.create(name="Comment Buyer", email=buyer)
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Consulting", "unit_cost": 900}])
    other = client.Invoice.create(customer=customer.id, items=[{"name": "Other", "unit_cost": 5}])
    invoice.send()
    [sent] = smtp_sink.wait_for(lambda m: invoice.url in m.text, timeout=30)
    link = re.search(r'<a href="([^"]+)"[^>]*>View Invoice</a>', sent.html or "")
    assert link is not None

    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(html.unescape(link.group(1)))
    assert page.get_by_text("You are viewing as a guest").is_visible()
    assert page.get_by_text("No comments yet").is_visible()
    page.get_by_label("Add a comment").fill(MARKUP)
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(rf"/account/invoices/{invoice.id}\?posted=1#comments$"))
    body = page.locator(".comment-body")
    assert body.inner_text() == MARKUP  # shown as typed: text, never markup
    assert page.locator(".comment-body a, .comment-body b, .comment-body script").count() == 0
    assert page.locator("#thread-status").inner_text() == "Waiting for a reply"

    # The business: the flag, its email, the thread through the real client (Note), a reply.
    eventually(lambda: needing_attention(client) == [invoice.id])
    assert client.Invoice.retrieve(invoice.id).needs_attention is True
    assert client.Invoice.retrieve(other.id).needs_attention is False
    [alert] = smtp_sink.wait_for(lambda m: ops in m.to, timeout=30)
    assert alert.subject == f"Invoice {invoice.number} needs attention: Comment Buyer commented"
    assert MARKUP in alert.text and '<a href="https://evil.test/pay">' not in (alert.html or "")
    notes, _ = client.Note.list(filter={"invoice": invoice.id})
    assert [(n.notes, n.user["type"], n.customer, n.invoice) for n in notes] == [
        (MARKUP, "customer", customer.id, invoice.id)]  # fmt: skip
    reply = client.Note.create(invoice_id=invoice.id, notes="Yes: PO 4411 is on it now.")
    assert (reply.object, reply.user["type"], reply.user["name"]) == ("note", "business", business.display_name)
    [replied] = smtp_sink.wait_for(lambda m: buyer in m.to and "replied" in m.subject, timeout=30)
    assert replied.subject == f"{business.display_name} replied to your comment on invoice {invoice.number}"
    assert "Yes: PO 4411 is on it now." in replied.text and invoice.url in replied.text

    with api(stack, business) as business_api:
        resolved = business_api.post(f"/invoices/{invoice.id}/resolve")
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["status"] == "resolved"
        assert [n["user"]["type"] for n in resolved.json()["notes"]] == ["customer", "business"]
    eventually(lambda: needing_attention(client) == [])
    assert client.Invoice.retrieve(invoice.id).needs_attention is False
    [closed] = smtp_sink.wait_for(lambda m: buyer in m.to and "resolved" in m.subject, timeout=30)
    assert closed.subject == f"{business.display_name} resolved your comment on invoice {invoice.number}"

    # The customer sees the reply and the resolved status; a new comment flags the invoice again.
    page.reload()
    assert page.locator(".comment-business .comment-body").inner_text() == "Yes: PO 4411 is on it now."
    assert page.locator("#thread-status").inner_text() == "Resolved"
    page.screenshot(path=str(tmp_path / "thread.png"), full_page=True)
    page.get_by_label("Add a comment").fill("One more question: can I pay in two parts?")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comments$"))
    assert page.locator("#thread-status").inner_text() == "Waiting for a reply"
    eventually(lambda: needing_attention(client) == [invoice.id])
    page.close()
