"""A customer opens an estimate from its email in a real browser (Debian's Chromium), approves it, pays the deposit
with a new card (localstripe's Stripe.js stand-in; the webhook settles it), and the business's invoice of the
estimate is reduced by the deposit. KWD: three decimals."""

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
from tests.integration.stripe_support import VISA, api, connect, wait_until
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.integration.test_browser_payments import _type_card


@pytest.fixture
def browser(business: Business) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def test_approve_then_pay_the_deposit_from_the_estimate_link_and_the_invoice_is_reduced_by_it(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser, tmp_path: Path
) -> None:
    connect(stack, business)
    customer = client.Customer.create(name="Deposit Payer", email=f"deposit-{business.username}@example.com")
    estimate = client.Estimate.create(customer=customer.id, currency="kwd", deposit=100.125,
                                      items=[{"name": "Garden design", "quantity": 2, "unit_cost": 150.125}])  # fmt: skip
    estimate.send()
    [message] = smtp_sink.wait_for(lambda m: estimate.url in (m.text or ""), timeout=30)
    link = re.search(r'<a href="([^"]+)"[^>]*>View Estimate</a>', message.html or "")
    assert link is not None

    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.goto(html.unescape(link.group(1)))  # a guest session limited to this estimate
    origin = f"http://{business.username}.localhost:{stack.http_port}"
    assert page.url == f"{origin}/account/estimates/{estimate.id}"
    assert "100.125 KWD" in page.locator("#deposit").inner_text()
    assert page.locator("#pay-deposit").count() == 0  # approve first
    page.goto(f"{origin}/account/estimates/{estimate.id}/deposit")
    assert "Approve this estimate before you pay its deposit." in page.get_by_role("alert").inner_text()
    assert page.locator("#pay-form").count() == 0
    page.goto(f"{origin}/account/estimates/{estimate.id}")

    page.get_by_label("Your initials").fill("DP")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("#approval")
    page.get_by_role("link", name="Pay deposit").click()
    page.wait_for_url(f"{origin}/account/estimates/{estimate.id}/deposit")
    assert page.locator("#pay-total").inner_text() == "100.125 KWD"
    assert page.locator("input.amount").count() == 0  # the amount is the deposit, not the customer's choice
    _type_card(page, VISA)
    page.screenshot(path=str(tmp_path / "deposit.png"), full_page=True)
    page.locator("#pay-button").click()
    page.wait_for_url(f"{origin}/account/estimates/{estimate.id}?deposit=1", timeout=30_000)
    wait_until(lambda: client.Estimate.retrieve(estimate.id).deposit_paid)
    page.reload()
    assert "Deposit of 100.125 KWD paid" in page.locator("#deposit").inner_text()
    assert page.locator("#pay-deposit").count() == 0

    with api(stack, business) as http:
        [payment] = http.get("/payments", params={"customer": customer.id}).json()
        assert (payment["status"], payment["amount"], payment["currency"], payment["balance"]) == (
            "succeeded", 100.125, "kwd", 0
        )  # fmt: skip
        assert payment["applied_to"] == [{"id": 1, "type": "estimate", "estimate": estimate.id, "amount": 100.125,
                                          "estimate_number": estimate.number}]  # fmt: skip
        made = http.post(f"/estimates/{estimate.id}/invoice")
        assert made.status_code == 200, made.text
        invoice = made.json()
        assert (invoice["total"], invoice["amount_paid"], invoice["balance"]) == (300.25, 100.125, 200.125)
        applied = http.get(f"/payments/{payment['id']}").json()
    assert [(a["type"], a["invoice"], a["amount"]) for a in applied["applied_to"]] == [
        ("invoice", invoice["id"], 100.125)
    ]
    assert applied["balance"] == 0
    page.close()
