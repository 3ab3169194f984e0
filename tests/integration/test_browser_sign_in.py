"""Signing in as a person does it, in Debian's Chromium: the emailed button, and the code typed on another device."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import invoiced
import pytest
from playwright.sync_api import Browser, sync_playwright

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import code_of, sign_in_email
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser(business: Business) -> Iterator[Browser]:
    """Function-scoped and after `business`: a sync Playwright session keeps an event loop in this thread."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def test_sign_in_with_the_emailed_button(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser, tmp_path: Path
) -> None:
    email = f"person-{business.username}@example.com"
    client.Customer.create(name="Clicky Co", email=email)
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"http://{business.username}.localhost:{stack.http_port}/")
    started = time.time() - 1
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url("**/sign-in/check")
    assert page.get_by_role("heading", name="Check your email").is_visible()

    message = sign_in_email(smtp_sink, email, after=started)
    button = re.search(r'<a href="([^"]+)"[^>]*>Sign in</a>', message.html or "")
    assert button, message.html
    page.goto(html.unescape(button.group(1)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"http://{business.username}.localhost:{stack.http_port}/")
    assert page.get_by_role("heading", name="Clicky Co").is_visible()
    page.screenshot(path=str(tmp_path / "account.png"), full_page=True)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["portal_session"]["httpOnly"] is True and cookies["portal_session"]["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("portal_session") == -1

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"http://{business.username}.localhost:{stack.http_port}/")
    assert page.get_by_label("Email address").is_visible()


def test_sign_in_with_the_code_on_the_first_device(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink, browser: Browser
) -> None:
    email = f"coder-{business.username}@example.com"
    client.Customer.create(name="Code Co", email=email)
    laptop = browser.new_context().new_page()
    laptop.set_default_timeout(15_000)
    laptop.goto(f"http://{business.username}.localhost:{stack.http_port}/")
    started = time.time() - 1
    laptop.get_by_label("Email address").fill(email)
    laptop.get_by_role("button", name="Email me a sign-in link").click()
    laptop.wait_for_url("**/sign-in/check")

    message = sign_in_email(smtp_sink, email, after=started)
    phone = browser.new_context().new_page()
    phone.set_content(message.html or "")
    shown = re.findall(r"\b\d{6}\b", phone.locator("body").inner_text())  # what a person reads on the phone
    assert len(set(shown)) == 1, shown
    code = shown[0]
    assert code == code_of(message)  # the text part carries the same code

    laptop.get_by_label("Sign-in code").fill(code)
    laptop.get_by_role("button", name="Sign in").click()
    laptop.wait_for_url(f"http://{business.username}.localhost:{stack.http_port}/")
    assert laptop.get_by_role("heading", name="Code Co").is_visible()
