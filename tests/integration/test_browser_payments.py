"""A customer pays in a real browser (Debian's Chromium): localstripe's Stripe.js stand-in collects the card, the
portal never sees it; 3-D Secure is its modal; the payment is settled by localstripe's webhook."""

from __future__ import annotations

import html
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import invoiced
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import sign_in_email
from tests.integration.stripe_support import DECLINED_ON_CHARGE, THREE_D_SECURE, VISA, api, connect, wait_until
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser(business: Business) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _sign_in(page: Page, stack: Stack, business: Business, smtp_sink: SmtpSink, email: str) -> str:
    origin = f"http://{business.username}.localhost:{stack.http_port}"
    page.goto(origin + "/")
    started = time.time() - 1
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url("**/sign-in/check")
    message = sign_in_email(smtp_sink, email, after=started)
    button = re.search(r'<a href="([^"]+)"[^>]*>Sign in</a>', message.html or "")
    assert button, message.html
    page.goto(html.unescape(button.group(1)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(origin + "/")
    return origin


def _type_card(page: Page, number: str) -> None:
    """localstripe's card element: plain inputs named by their placeholders."""
    element = page.locator("#card-element")
    element.get_by_placeholder("number").fill(number)
    element.get_by_placeholder("exp_month").fill("12")
    element.get_by_placeholder("exp_year").fill("34")
    element.get_by_placeholder("cvc").fill("123")
    element.get_by_placeholder("postal_code").fill("42424")


def _customer_with_invoices(
    client: invoiced.Client, business: Business, *costs: int
) -> tuple[invoiced.Customer, list[invoiced.Invoice]]:
    customer = client.Customer.create(
        name="Browser Payer", email=f"pay-{business.username}@example.com", currency="jpy"
    )
    invoices = [
        client.Invoice.create(
            customer=customer.id,
            currency="jpy",
            sent=True,
            items=[{"name": f"Plan {cost}", "quantity": 1, "unit_cost": cost}],
        )  # fmt: skip
        for cost in costs
    ]
    return customer, invoices


def test_add_a_card_then_pay_two_invoices_at_once(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser, tmp_path: Path
) -> None:
    connect(stack, business)
    customer, (first, second) = _customer_with_invoices(client, business, 12000, 3500)
    page = browser.new_page()
    page.set_default_timeout(20_000)
    origin = _sign_in(page, stack, business, smtp_sink, customer.email)

    page.goto(origin + "/account/payment-methods")
    _type_card(page, VISA)
    page.get_by_role("button", name="Save card").click()
    page.wait_for_selector("#saved-cards")
    assert "•••• 4242" in page.locator("#saved-cards").inner_text()
    assert "Default" in page.locator("#saved-cards").inner_text()

    page.goto(origin + "/")
    page.get_by_label(f"Pay {first.number}").check()
    page.get_by_label(f"Pay {second.number}").check()
    page.get_by_role("button", name="Pay selected invoices").click()
    page.wait_for_url("**/account/pay?**")
    assert page.locator("#pay-total").inner_text() == "¥15,500"
    page.screenshot(path=str(tmp_path / "pay.png"), full_page=True)
    page.locator("#pay-button").click()
    page.wait_for_url(origin + "/?paid=1", timeout=30_000)
    rows = page.locator("table.items tbody").inner_text()
    assert rows.count("Paid") >= 2, rows
    assert client.Invoice.retrieve(first.id).paid and client.Invoice.retrieve(second.id).paid

    # The receipt: the payment's pdf_url (the ledger's receipt link), downloaded in the customer's browser.
    with api(stack, business) as http:
        [payment] = http.get("/payments", params={"customer": customer.id}).json()
    assert payment["amount"] == 15500 and payment["status"] == "succeeded"
    downloaded = page.evaluate(
        """url => fetch(url).then(async r => ({type: r.headers.get("content-type"),
                                               bytes: Array.from(new Uint8Array(await r.arrayBuffer()))}))""",
        payment["pdf_url"],
    )  # the browser's own fetch: Chromium resolves *.localhost, Playwright's request context does not
    assert downloaded["type"] == "application/pdf"
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(bytes(downloaded["bytes"]))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for expected in (business.display_name, first.number, second.number, "15,500"):
        assert expected in text, (expected, text)


def test_a_three_d_secure_card_pays_after_the_challenge(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser
) -> None:
    connect(stack, business)
    customer, (invoice,) = _customer_with_invoices(client, business, 7000)
    page = browser.new_page()
    page.set_default_timeout(20_000)
    origin = _sign_in(page, stack, business, smtp_sink, customer.email)
    page.goto(f"{origin}/account/invoices/{invoice.id}")
    page.get_by_role("link", name="Pay", exact=True).click()
    _type_card(page, THREE_D_SECURE)
    page.locator("#pay-button").click()
    page.get_by_role("button", name="Complete authentication").click()  # the SetupIntent's challenge
    page.get_by_role("button", name="Complete authentication").click()  # the payment's challenge
    page.wait_for_url(f"{origin}/account/invoices/{invoice.id}?paid=1", timeout=30_000)
    wait_until(lambda: client.Invoice.retrieve(invoice.id).paid)


def test_a_declined_card_shows_stripes_message_and_nothing_changes(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser
) -> None:
    connect(stack, business)
    customer, (invoice,) = _customer_with_invoices(client, business, 5000)
    page = browser.new_page()
    page.set_default_timeout(20_000)
    origin = _sign_in(page, stack, business, smtp_sink, customer.email)
    page.goto(f"{origin}/account/pay?invoice={invoice.id}")
    _type_card(page, DECLINED_ON_CHARGE)
    page.locator("#pay-button").click()
    page.wait_for_selector("#pay-error:not([hidden])")
    assert "declined" in page.locator("#pay-error").inner_text().lower()
    after = client.Invoice.retrieve(invoice.id)
    assert (after.balance, after.paid) == (5000, False)
