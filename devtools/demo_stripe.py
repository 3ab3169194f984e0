"""Connects a business to localstripe through the business API, and registers its webhook with localstripe.

localstripe is one shared Stripe account: every registered webhook receives every event, signed with its own
secret; billing ignores events about objects that are not the business's own.
"""

from __future__ import annotations

import secrets

import httpx

PUBLISHABLE_KEY = "pk_test_localstripe"


def connect_business(api_url: str, api_key: str, stripe_url: str, gateway_url: str, username: str) -> str:
    """Returns the webhook signing secret (also stored, encrypted, by billing)."""
    webhook_secret = "whsec_" + secrets.token_hex(24)
    body = {"secret_key": "sk_test_" + secrets.token_hex(12), "publishable_key": PUBLISHABLE_KEY,
            "webhook_secret": webhook_secret}  # fmt: skip
    httpx.post(f"{api_url}/stripe_account", json=body, auth=(api_key, ""), timeout=30).raise_for_status()
    webhook = {"url": f"{gateway_url}/webhooks/stripe/{username}", "secret": webhook_secret}
    httpx.post(f"{stripe_url}/_config/webhooks/{username}", data=webhook, timeout=30).raise_for_status()
    return webhook_secret
