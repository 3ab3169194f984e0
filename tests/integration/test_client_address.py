"""The address recorded for a sign-in, on the running stack: X-Forwarded-For counts only from a trusted proxy.

The test stack's gateway trusts 127.0.0.2 (tests/conftest.py: PORTAL_TRUSTED_PROXIES), which stands in for an
ingress; 127.0.0.1 is an ordinary client. Both reach the same gateway over loopback, as the local run does, so
uvicorn's own proxy-header handling (it trusts 127.0.0.1 by default) would show here if it were on.
"""

from __future__ import annotations

import re
import time

import httpx
import invoiced
from joserfc import jwt
from joserfc.jwk import OctKey

from devtools.stack import Stack
from tests.conftest import Business

TRUSTED_PROXY = "127.0.0.2"
CLIENT = "127.0.0.1"
ADDRESS_CELL = re.compile(r"<td>([0-9a-f.:]+)</td>")


def sso_token(business: Business, customer_id: int) -> str:
    now = int(time.time())
    claims = {"sub": customer_id, "iat": now, "exp": now + 600}
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(business.sso_key), algorithms=["HS256"])


def recorded_address(
    stack: Stack, business: Business, client: invoiced.Client, source: str, forwarded: list[str]
) -> str:
    """Signs in from `source` with these X-Forwarded-For headers; returns the address on the Security page."""
    customer = client.Customer.create(name="Proxy Co")
    transport = httpx.HTTPTransport(local_address=source)
    headers = [("Host", f"{business.username}.localhost:{stack.http_port}")]
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}", transport=transport, timeout=30) as browser:
        signed_in = browser.get(
            f"/login/{sso_token(business, customer.id)}",
            headers=[*headers, *(("X-Forwarded-For", value) for value in forwarded)],
        )
        assert signed_in.status_code == 303, signed_in.text[:300]
        page = browser.get("/account/security", headers=headers)
    assert page.status_code == 200
    addresses = ADDRESS_CELL.findall(page.text)
    assert len(addresses) == 1, addresses
    return addresses[0]


def test_a_forged_header_from_an_ordinary_client_is_ignored(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    assert recorded_address(stack, business, client, CLIENT, ["203.0.113.9"]) == CLIENT
    assert recorded_address(stack, business, client, CLIENT, ["203.0.113.9, 127.0.0.2"]) == CLIENT


def test_behind_the_trusted_proxy_the_real_client_address_counts(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    assert recorded_address(stack, business, client, TRUSTED_PROXY, ["198.51.100.7"]) == "198.51.100.7"
    # The client's own made-up prefix is skipped: the proxy's entry (the rightmost untrusted one) wins.
    assert recorded_address(stack, business, client, TRUSTED_PROXY, ["6.6.6.6, 198.51.100.8"]) == "198.51.100.8"
    assert recorded_address(stack, business, client, TRUSTED_PROXY, ["6.6.6.6", "198.51.100.9"]) == "198.51.100.9"
    # Without a header, the proxy itself.
    assert recorded_address(stack, business, client, TRUSTED_PROXY, []) == TRUSTED_PROXY
