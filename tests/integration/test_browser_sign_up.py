"""Signing up on a sign-up page in a real browser (Debian's Chromium): localstripe's Stripe.js stand-in takes the
card, the portal never sees it; the thank-you page's Go to My Account opens the account, signed in as a guest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import invoiced
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.sign_up_support import make_plan
from tests.integration.stripe_support import DECLINED_ON_CHARGE, VISA, connect, wait_until
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.integration.test_browser_payments import _type_card


@pytest.fixture
def browser(business: Business) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _open(browser: Browser, stack: Stack, business: Business, url: str) -> Page:
    page = browser.new_page()
    origin = f"http://{business.username}.localhost:{stack.http_port}"
    page.goto(origin + url.split(stack.portal_url(business.username))[1])
    return page


def _fill(page: Page, name: str, email: str, number: str) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    _type_card(page, number)


def test_sign_up_with_a_card_then_go_to_my_account(
    client: invoiced.Client, business: Business, stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    connect(stack, business)
    make_plan(stack, business, "basic", "jpy", 1200)
    make_plan(stack, business, "team", "jpy", 3000)
    # The business lets its customers change quantities up to 10 without the full-sign-in step-up.
    settings = {"require_full_sign_in": False, "allow_quantity_change": True, "max_quantity": 10}
    assert client.request("PATCH", "/subscription_settings", settings)["body"]["max_quantity"] == 10
    sign_up_page = client.SignUpPage.create(name="Join Acme", plans=["basic", "team"], has_quantity=True,
                                            thanks_text="Thanks for joining Acme!")  # fmt: skip
    page = _open(browser, stack, business, sign_up_page.url)
    expect(page.get_by_role("heading", name="Join Acme")).to_be_visible()
    page.get_by_label("Team").check()
    page.get_by_label("Quantity").fill("3")
    _fill(page, "Grace Hopper", "grace@example.com", VISA)
    page.screenshot(path=str(tmp_path / "sign-up-page.png"), full_page=True)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#thanks-text")).to_have_text("Thanks for joining Acme!", timeout=20000)
    expect(page.get_by_text("You are viewing as a guest")).to_be_visible()
    page.screenshot(path=str(tmp_path / "thank-you.png"), full_page=True)
    [customer] = [c for c in client.Customer.list()[0] if c.email == "grace@example.com"]
    [subscription] = [s for s in client.Subscription.list()[0] if s.customer == customer.id]
    assert subscription.plan == "team" and subscription.quantity == 3
    [invoice] = client.Invoice.list(filter={"customer": customer.id})[0]
    assert invoice.total == 9000
    wait_until(lambda: client.Invoice.retrieve(invoice.id).paid)
    page.get_by_role("link", name="Go to My Account").click()
    page.wait_for_url("**/account/subscriptions**")

    # See the subscription, change its quantity with a preview, then cancel it at the period's end.
    page.get_by_role("link", name="Team").click()
    page.wait_for_url(f"**/account/subscriptions/{subscription.id}")
    assert page.locator("#quantity").inner_text() == "3"
    page.get_by_label("Quantity").fill("4")
    page.get_by_role("button", name="Preview the change").click()
    page.wait_for_selector("#after")
    assert "Team × 4" in page.locator("#after").inner_text() and "¥12,000" in page.locator("#after").inner_text()
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)
    page.get_by_role("button", name="Confirm the change").click()
    page.wait_for_url(f"**/account/subscriptions/{subscription.id}?done=changed")
    assert page.locator("#quantity").inner_text() == "4"
    assert client.Subscription.retrieve(subscription.id).quantity == 4

    page.get_by_label("Reason (optional)").fill("Moving to another tool")
    page.get_by_role("button", name="Cancel subscription").click()
    page.wait_for_url(f"**/account/subscriptions/{subscription.id}?done=ending")
    expect(page.locator("#ending")).to_be_visible()
    page.screenshot(path=str(tmp_path / "ending.png"), full_page=True)
    ending = client.Subscription.retrieve(subscription.id)
    assert ending.cancel_at_period_end and ending.status == "active"


def test_a_declined_card_shows_stripes_message_and_signs_nobody_up(
    client: invoiced.Client, business: Business, stack: Stack, browser: Browser
) -> None:
    connect(stack, business)
    make_plan(stack, business, "basic", "jpy", 1200)
    sign_up_page = client.SignUpPage.create(name="Join", plans=["basic"])
    page = _open(browser, stack, business, sign_up_page.url)
    _fill(page, "Dee Clined", "dee@example.com", DECLINED_ON_CHARGE)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#sign-up-error")).to_contain_text("declined", timeout=20000)
    expect(page.get_by_role("button", name="Subscribe")).to_be_enabled()
    assert [c for c in client.Customer.list()[0] if c.email == "dee@example.com"] == []
    assert client.Subscription.list()[0] == [] and client.Invoice.list()[0] == []
