"""A person in a real browser (Debian's Chromium driven by Playwright) approves an estimate from its email: types
initials, accepts the business's terms, presses Approve, downloads the approval certificate and finds the invoice
that the approval created (the business's setting)."""

from __future__ import annotations

import base64
import html
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import invoiced
import pytest
from playwright.sync_api import Browser, sync_playwright

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS

TERMS = "Work starts within two weeks of approval."


@pytest.fixture
def browser(business: Business) -> Iterator[Browser]:
    """Function-scoped and after `business`: a sync Playwright session keeps an event loop in this thread."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: ./portal test installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def test_approve_an_estimate_with_initials_download_the_certificate_and_see_the_invoice(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser, tmp_path: Path
) -> None:
    settings = httpx.patch(f"{client.api_url}/estimate_settings", auth=(business.api_key, ""), timeout=30,
                           json={"approval_creates_invoice": True, "terms": TERMS})  # fmt: skip
    assert settings.status_code == 200
    customer = client.Customer.create(name="Browser Approver", email=f"approver-{business.username}@example.com")
    estimate = client.Estimate.create(
        customer=customer.id, currency="kwd", items=[{"name": "Garden design", "quantity": 2, "unit_cost": 150.125}]
    )
    estimate.send()
    [message] = smtp_sink.wait_for(lambda m: estimate.url in m.text, timeout=30)
    link = re.search(r'<a href="([^"]+)"[^>]*>View Estimate</a>', message.html or "")
    assert link is not None, "the email has no View Estimate button"

    page = browser.new_page(user_agent="EstimateJourney/1.0 (Chromium)")
    page.set_default_timeout(15_000)
    page.goto(html.unescape(link.group(1)))
    origin = f"http://{business.username}.localhost:{stack.http_port}"
    assert page.url == f"{origin}/account/estimates/{estimate.id}"
    assert page.get_by_role("heading", name=f"Estimate {estimate.number}").is_visible()
    assert page.locator("#total").inner_text() == "300.250 KWD"
    assert page.get_by_text(TERMS).is_visible()

    page.get_by_label("Your initials").fill("BA")
    page.get_by_role("button", name="Approve").click()  # the terms box is required: the browser stops the form
    assert page.url == f"{origin}/account/estimates/{estimate.id}"
    assert client.Estimate.retrieve(estimate.id).approval is None
    page.get_by_label("I accept these terms").check()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("#approval")
    assert page.locator("#status").inner_text().lower() == "invoiced"
    assert "BA" in page.locator("#approval").inner_text()
    page.screenshot(path=str(tmp_path / "approved.png"), full_page=True)

    certificate_link = page.get_by_role("link", name="Download approval certificate")
    fetched = page.evaluate(
        """async url => {
            const reply = await fetch(url);
            const bytes = new Uint8Array(await reply.arrayBuffer());
            let text = ""; for (const b of bytes) text += String.fromCharCode(b);
            return [reply.status, reply.headers.get("content-type"), btoa(text)];
        }""",
        certificate_link.get_attribute("href"),
    )
    assert fetched[:2] == [200, "application/pdf"]
    pdf_path = tmp_path / "certificate.pdf"
    pdf_path.write_bytes(base64.b64decode(fetched[2]))
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())  # fmt: skip
    shown = client.Estimate.retrieve(estimate.id)
    for expected in ("Approval certificate", f"{estimate.number} (version 1)", "Initials BA",
                     "User agent EstimateJourney/1.0 (Chromium)", shown.approval["document_sha256"], TERMS):  # fmt: skip
        assert expected in text

    page.get_by_role("link", name="view the invoice").click()
    invoice = client.Invoice.retrieve(shown["invoice"])
    page.wait_for_url(f"{origin}/account/invoices/{invoice.id}")
    assert page.get_by_role("heading", name=f"Invoice {invoice.number}").is_visible()
    assert page.locator("#balance").inner_text() == "300.250 KWD"
    assert invoice.total == 300.25 and invoice.metadata["estimate"] == estimate.number
    page.close()
