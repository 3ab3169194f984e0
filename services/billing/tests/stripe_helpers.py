"""Test helpers for card payments: a connected business, Stripe.js's steps done by hand against localstripe, and
webhooks signed as Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx
from portal.billing.v1 import card_payments_pb2 as pb
from portal.billing.v1.card_payments_pb2_grpc import StripeAccountServiceStub, WalletServiceStub

from devtools.localservers import StripeServer

VISA = "4242424242424242"
DECLINED_ON_CHARGE = "4000000000000341"
THREE_D_SECURE = "4000002500003155"
PUBLISHABLE = "pk_test_portal"


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(16)


async def connect(stub: StripeAccountServiceStub, webhook_secret: str) -> pb.PaymentSettings:
    request = pb.ConnectStripeRequest(
        secret_key="sk_test_" + secrets.token_hex(12),
        publishable_key=PUBLISHABLE,
        webhook_secret=webhook_secret,
        portal_url="http://cards.localhost:8000",
        business_name="Cards Co",
    )
    return await stub.ConnectStripe(request)


async def confirm_setup(stripe: StripeServer, client_secret: str, number: str, exp_year: int = 2034) -> str:
    """What Stripe.js's confirmCardSetup does in the browser: the card goes to Stripe, never to us."""
    seti = client_secret.split("_secret_")[0]
    body = {
        "key": PUBLISHABLE,
        "use_stripe_sdk": True,
        "client_secret": client_secret,
        "payment_method_data": {
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": exp_year, "cvc": "123"},
        },
    }
    async with httpx.AsyncClient() as client:
        reply = await client.post(f"{stripe.url}/v1/setup_intents/{seti}/confirm", content=json.dumps(body))
        reply.raise_for_status()
        if reply.json()["status"] == "requires_action":  # the 3-D Secure modal's "Complete authentication"
            again = {"key": PUBLISHABLE, "use_stripe_sdk": True, "client_secret": client_secret}
            reply = await client.post(f"{stripe.url}/v1/setup_intents/{seti}/confirm", content=json.dumps(again))
            reply.raise_for_status()
    return seti


async def add_card(
    wallet: WalletServiceStub, stripe: StripeServer, number: str = VISA, default: bool = True
) -> pb.PaymentSource:
    setup = await wallet.StartCardSetup(pb.StartCardSetupRequest())
    seti = await confirm_setup(stripe, setup.client_secret, number)
    return await wallet.FinishCardSetup(pb.FinishCardSetupRequest(setup_intent=seti, make_default=default))


async def authenticate(stripe: StripeServer, client_secret: str, success: bool) -> None:
    """What Stripe.js's confirmCardPayment does for a card that asks for 3-D Secure."""
    pi = client_secret.split("_secret_")[0]
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{stripe.url}/v1/payment_intents/{pi}/_authenticate?success={'true' if success else 'false'}",
            content=json.dumps({"key": PUBLISHABLE, "client_secret": client_secret}),
        )
        reply.raise_for_status()


async def stripe_object(stripe: StripeServer, path: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"{stripe.url}/v1/{path}", auth=("sk_test_reader", ""))
        reply.raise_for_status()
        return dict(reply.json())


def signed(
    secret: str, event_type: str, obj: dict[str, Any], event_id: str | None = None, at: int | None = None
) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, made exactly as Stripe (and localstripe) make them."""
    at = at or int(time.time())
    event = {"id": event_id or "evt_" + secrets.token_hex(12), "object": "event", "type": event_type,
             "created": at, "data": {"object": obj}}  # fmt: skip
    payload = json.dumps(event).encode()
    signature = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={at},v1={signature}"


def allocation(invoice_id: int, amount: int) -> pb.Allocation:
    return pb.Allocation(invoice_id=invoice_id, amount=amount)


def request_key() -> str:
    return secrets.token_urlsafe(18)
