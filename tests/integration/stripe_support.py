"""Card payments in the integration tests: a business connected to the stack's localstripe (webhooks registered),
a signed-in customer, and Stripe.js's steps done over HTTP exactly as the fake Stripe.js does them."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from devtools import demo_stripe
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import csrf_of

T = TypeVar("T")
VISA = "4242424242424242"
DECLINED_ON_CHARGE = "4000000000000341"
THREE_D_SECURE = "4000002500003155"


def api(stack: Stack, business: Business) -> httpx.Client:
    return httpx.Client(base_url=f"http://localhost:{stack.http_port}/api", auth=(business.api_key, ""), timeout=30)


def connect(stack: Stack, business: Business) -> str:
    """Connects the business to localstripe; returns its webhook signing secret."""
    assert stack.stripe is not None
    return demo_stripe.connect_business(
        f"http://localhost:{stack.http_port}/api", business.api_key, stack.stripe.url,
        f"http://127.0.0.1:{stack.http_port}", business.username,
    )  # fmt: skip


def wait_until(check: Callable[[], T | None], timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.1)


def confirmed_setup(stack: Stack, client_secret: str, number: str) -> str:
    """What Stripe.js's confirmCardSetup does: the card goes to (local)stripe; returns the SetupIntent id."""
    assert stack.stripe is not None
    seti = client_secret.split("_secret_")[0]
    body = {"key": "pk_test_localstripe", "use_stripe_sdk": True, "client_secret": client_secret,
            "payment_method_data": {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034,
                                                             "cvc": "123"}}}  # fmt: skip
    httpx.post(f"{stack.stripe.url}/v1/setup_intents/{seti}/confirm", content=json.dumps(body)).raise_for_status()
    return seti


def add_card(stack: Stack, portal: httpx.Client, number: str = VISA, default: bool = True) -> httpx.Response:
    """Payment methods page → SetupIntent → (Stripe.js) confirm at localstripe → saved."""
    assert stack.stripe is not None
    page = portal.get("/account/payment-methods")
    assert page.status_code == 200, page.text
    csrf = csrf_of(page)
    setup = portal.post("/account/payment-methods/setup", data={"csrf_token": csrf})
    assert setup.status_code == 200, setup.text
    client_secret = setup.json()["client_secret"]
    seti = client_secret.split("_secret_")[0]
    body = {"key": setup.json()["publishable_key"], "use_stripe_sdk": True, "client_secret": client_secret,
            "payment_method_data": {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034,
                                                             "cvc": "123"}}}  # fmt: skip
    confirmed = httpx.post(f"{stack.stripe.url}/v1/setup_intents/{seti}/confirm", content=json.dumps(body))
    confirmed.raise_for_status()
    form = {"csrf_token": csrf, "setup_intent": seti}
    if default:
        form["make_default"] = "on"
    return portal.post("/account/payment-methods", data=form)


def pay_form(portal: httpx.Client, invoice_ids: list[int]) -> tuple[str, str]:
    """The pay page's CSRF token and request key."""
    page = portal.get("/account/pay", params=[("invoice", str(i)) for i in invoice_ids])
    assert page.status_code == 200, page.text
    key = page.text.split('name="request_key" value="')[1].split('"')[0]
    return csrf_of(page), key


def pay(
    portal: httpx.Client, csrf: str, key: str, currency: str, lines: list[tuple[int, str]], card: str
) -> httpx.Response:
    data = {"csrf_token": csrf, "request_key": key, "currency": currency, "card": card,
            "invoice": [str(invoice_id) for invoice_id, _ in lines], "amount": [amount for _, amount in lines]}  # fmt: skip
    return portal.post("/account/pay", data=data)


def signed(secret: str, event: dict[str, Any], at: int | None = None) -> tuple[bytes, dict[str, str]]:
    at = at or int(time.time())
    payload = json.dumps(event).encode()
    signature = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={at},v1={signature}", "Content-Type": "application/json"}


def event(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": "evt_" + secrets.token_hex(12), "object": "event", "type": event_type, "created": int(time.time()),
            "data": {"object": obj}}  # fmt: skip
