"""A person in a real browser (Debian's Chromium driven by Playwright) manages a subscription from the "Manage
Subscription" button of the subscription's invoice email in the dev mailbox: lands on that subscription as a guest,
follows the link to update the payment method (a guest is asked to sign in for that), previews a quantity change,
steps up to a full sign-in from the preview (the business requires it for changes that cost more), comes back to
the subscription and confirms the change."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import invoiced
import pytest
from playwright.sync_api import Browser, sync_playwright
from portal_kit.db import Database
from portal_kit.settings import DEV_SECRET_KEY

from devtools.localservers import PostgresLike
from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from services.subscriptions.schedule.clock import SystemClock
from services.subscriptions.schedule.invoicing import GrpcInvoicing
from services.subscriptions.schedule.runner import Scheduler
from tests.conftest import Business
from tests.integration.portal_client import sign_in_email
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS

MANAGE_BUTTON = re.compile(r'<a href="([^"]+)"[^>]*>\s*Manage Subscription\s*</a>')
SIGN_IN_BUTTON = re.compile(r'<a href="([^"]+/sign-in/[^"]+)"')


async def _billing_run(stack: Stack, postgres: PostgresLike) -> None:
    """One pass of the scheduler now (the stack's own passes come every minute; either bills a period once)."""
    db = Database(postgres.url("portal_subscriptions"))
    invoicing = GrpcInvoicing(f"127.0.0.1:{stack.grpc_ports['billing']}", credential=stack.credential("subscriptions"))
    try:
        await Scheduler(db, invoicing, SystemClock(), DEV_SECRET_KEY.encode()).run_once()
    finally:
        await invoicing.close()
        await db.dispose()


@pytest.fixture
def browser(business: Business) -> Iterator[Browser]:
    """Function-scoped and after `business`: a sync Playwright session keeps an event loop in this thread."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: ./portal test installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def test_from_the_manage_subscription_email_to_a_previewed_quantity_change_with_the_step_up(
    client: invoiced.Client,
    business: Business,
    stack: Stack,
    postgres: PostgresLike,
    smtp_sink: SmtpSink,
    browser: Browser,
    tmp_path: Path,
) -> None:
    api = httpx.Client(base_url=client.api_url, auth=(business.api_key, ""), timeout=30)
    assert api.patch("/subscription_settings", json={"max_quantity": 10}).status_code == 200
    email = f"journey-{business.username}@example.com"
    customer = client.Customer.create(name="Journey Co", email=email)
    # An invoice sent through the API: billing learns the business's name and portal address for its own emails.
    client.Invoice.create(customer=customer.id, items=[{"name": "Setup", "unit_cost": 1}]).send()
    plan = {"id": "team", "name": "Team", "currency": "usd", "amount": 12.5, "interval": "month"}
    assert api.post("/plans", json=plan).status_code == 201
    started = int(time.time()) - 3600
    created = api.post("/subscriptions", json={"customer": customer.id, "plan": "team", "quantity": 2,
                                               "start_date": started})  # fmt: skip
    assert created.status_code == 201, created.text
    subscription = created.json()

    # The billing run invoices the first period (due an hour ago); the email carries the Manage Subscription button.
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's event loop
        thread.submit(asyncio.run, _billing_run(stack, postgres)).result()
    [message] = smtp_sink.wait_for(lambda m: email in m.to and subscription["url"] in (m.html or ""), timeout=60)[-1:]
    button = MANAGE_BUTTON.search(message.html or "")
    assert button is not None, "the email has no Manage Subscription button"

    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(html.unescape(button.group(1)))
    origin = f"http://{business.username}.localhost:{stack.http_port}"
    landing = f"{origin}/account/subscriptions/{subscription['id']}"
    assert page.url == landing
    assert page.get_by_role("heading", name="Team").is_visible()
    assert page.locator("#quantity").inner_text() == "2"
    assert page.locator("#amount").inner_text() == "$25.00"

    page.get_by_role("link", name="Update payment method").click()
    page.wait_for_url(f"{origin}/account/payment-methods")
    assert page.get_by_role("heading", name="Sign in for full access").is_visible()  # a guest may not change cards
    page.go_back()
    page.wait_for_url(landing)

    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Preview the change").click()
    page.wait_for_selector("#after")
    assert "Team × 3" in page.locator("#after").inner_text() and "$37.50" in page.locator("#after").inner_text()
    assert page.locator(
        "table#proration"
    ).is_visible()  # the first period is billed: a credit and a charge for the rest
    assert page.locator("#step-up").is_visible()  # it costs more: a guest must sign in to confirm
    page.screenshot(path=str(tmp_path / "preview-as-guest.png"), full_page=True)
    asked = time.time() - 1
    page.locator("#email-sign-in").click()  # the preview's own button comes back to this subscription
    page.wait_for_url(f"{origin}/sign-in/check")

    emailed = sign_in_email(smtp_sink, email, after=asked)
    link = SIGN_IN_BUTTON.search(emailed.html or "")
    assert link is not None, "the sign-in email has no link"
    page.goto(html.unescape(link.group(1)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(landing)  # back on the subscription, fully signed in

    page.get_by_role("link", name="Update payment method").click()
    page.wait_for_url(f"{origin}/account/payment-methods")
    assert page.get_by_role("heading", name="Payment methods").is_visible()
    page.go_back()
    page.wait_for_url(landing)

    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Preview the change").click()
    page.wait_for_selector("#after")
    assert page.locator("#step-up").count() == 0
    next_total = page.locator("#next-total").inner_text()
    page.get_by_role("button", name="Confirm the change").click()
    page.wait_for_url(f"{landing}?done=changed")
    assert page.locator("#notice").inner_text() == "Your subscription was changed."
    assert page.locator("#quantity").inner_text() == "3"
    assert page.locator("#amount").inner_text() == "$37.50"
    assert next_total in page.locator("#next-bill").inner_text()
    page.screenshot(path=str(tmp_path / "changed.png"), full_page=True)
    assert api.get(f"/subscriptions/{subscription['id']}").json()["quantity"] == 3
    page.close()
