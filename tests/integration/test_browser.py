"""A person in a real browser (Debian's Chromium driven by Playwright) follows the "View Invoice" link.

The link starts a guest (temporary) session and lands on the invoice's own page; the token leaves the address bar.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import invoiced
import pytest
from playwright.sync_api import Browser, sync_playwright

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]  # fmt: skip


@pytest.fixture
def browser(business: Business) -> Iterator[Browser]:
    """Function-scoped and after `business`: a sync Playwright session keeps an event loop in this thread."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: ./portal test installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def test_view_invoice_link_from_the_email_lands_on_the_invoice(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser, tmp_path: Path
) -> None:
    customer = client.Customer.create(name="Browser Buyer", email=f"buyer-{business.username}@example.com")
    invoice = client.Invoice.create(
        customer=customer.id,
        items=[{"name": "Annual licence", "quantity": 2, "unit_cost": 1234.5}],
        payment_terms="NET 30",
    )
    invoice.send()
    [message] = smtp_sink.wait_for(lambda m: invoice.url in m.text, timeout=30)

    link = re.search(r'<a href="([^"]+)"[^>]*>View Invoice</a>', message.html or "")
    assert link is not None, "the email has no View Invoice button"
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(html.unescape(link.group(1)))
    assert page.url == f"http://{business.username}.localhost:{stack.http_port}/account/invoices/{invoice.id}"
    assert page.get_by_text("You are viewing as a guest").is_visible()
    assert page.get_by_role("heading", name=f"Invoice {invoice.number}").is_visible()
    assert page.locator("#balance").inner_text() == "$2,469.00"
    assert business.display_name in page.title()
    page.screenshot(path=str(tmp_path / "invoice.png"), full_page=True)

    download = page.get_by_role("link", name="Download PDF")
    assert download.get_attribute("href") == f"/account/invoices/{invoice.id}/pdf"
    fetched = page.evaluate(
        """async url => {
            const reply = await fetch(url);
            const head = new Uint8Array(await reply.arrayBuffer()).slice(0, 4);
            return [reply.status, reply.headers.get("content-type"), String.fromCharCode(...head)];
        }""",
        download.get_attribute("href"),
    )
    assert fetched == [200, "application/pdf", "%PDF"]

    page.get_by_role("link", name="Go to my account").click()
    page.wait_for_url(f"http://{business.username}.localhost:{stack.http_port}/")
    assert page.get_by_role("link", name=invoice.number).is_visible()
    page.close()
