"""Bad input gets a 400 with a message a person understands, and nothing is written."""

from __future__ import annotations

import httpx
import pytest

from devtools.stack import Stack
from tests.conftest import Business


@pytest.fixture
def api(stack: Stack, business: Business) -> httpx.Client:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, "")) as client:
        yield client


def count(api: httpx.Client, kind: str) -> int:
    reply = api.get(f"/{kind}")
    assert reply.status_code == 200
    return int(reply.headers["x-total-count"])


def test_bad_customers_are_refused(api: httpx.Client) -> None:
    cases = [
        (b"{not json", None),
        (b"[1, 2]", None),
        (b'{"name": 42}', "name"),
        (b'{"name": "X", "currency": "zzz"}', "currency"),
        (b'{"name": "X", "autopay": "yes"}', "autopay"),
        (b'{"name": "X", "favourite_colour": "red"}', "favourite_colour"),
        (b"{}", "name"),
    ]
    for body, param in cases:
        reply = api.post("/customers", content=body, headers={"content-type": "application/json"})
        assert reply.status_code == 400, body
        error = reply.json()
        assert error["type"] == "invalid_request" and len(error["message"]) > 5, body
        if param:
            assert error.get("param") == param, (body, error)
    assert count(api, "customers") == 0


def test_bad_invoices_are_refused_and_nothing_is_written(api: httpx.Client) -> None:
    customer = api.post("/customers", json={"name": "Buyer"}).json()
    cases = [
        ({"customer": customer["id"], "currency": "xyz", "items": [{"name": "a", "unit_cost": 1}]}, "currency"),
        ({"customer": customer["id"], "items": [{"name": "a", "quantity": -1, "unit_cost": 1}]}, "items[0].quantity"),
        ({"customer": customer["id"], "items": [{"name": "a", "unit_cost": 1.001}]}, "items[0].unit_cost"),
        ({"customer": customer["id"], "items": [{"name": "a", "unit_cost": "ten"}]}, "items[0].unit_cost"),
        ({"customer": customer["id"], "items": "lots"}, "items"),
        ({"customer": "me", "items": []}, "customer"),
        ({"items": [{"name": "a", "unit_cost": 1}]}, "customer"),
        (
            {"customer": customer["id"], "currency": "jpy", "items": [{"name": "a", "unit_cost": 10.5}]},
            "items[0].unit_cost",
        ),
    ]
    for body, param in cases:
        reply = api.post("/invoices", json=body)
        assert reply.status_code == 400, (body, reply.text)
        error = reply.json()
        assert error["param"] == param, (body, error)
        assert error["message"], body
    assert count(api, "invoices") == 0


def test_validation_is_never_422(api: httpx.Client) -> None:
    reply = api.get("/customers", params={"page": "two"})
    assert reply.status_code == 400 and "page" in reply.json()["message"]
    reply = api.get("/customers/not-a-number")
    assert reply.status_code in (400, 404) and "message" in reply.json()


def test_wrong_or_missing_api_key_is_401(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.http_port}/api"
    wrong = httpx.get(base + "/customers", auth=("not-a-real-key", ""))
    assert wrong.status_code == 401
    assert wrong.json()["type"] == "authentication_error"
    missing = httpx.get(base + "/customers")
    assert missing.status_code == 401 and "API key" in missing.json()["message"]
    unknown_route = httpx.get(base + "/nothing-here", auth=("not-a-real-key", ""))
    assert unknown_route.status_code in (401, 404) and "message" in unknown_route.json()


def test_an_invoice_email_to_more_than_50_addresses_is_refused_not_queued(api: httpx.Client) -> None:
    customer = api.post("/customers", json={"name": "Crowd", "email": "crowd@example.com"}).json()
    invoice = api.post("/invoices", json={"customer": customer["id"], "items": [{"name": "a", "unit_cost": 1}]}).json()
    to = [{"name": f"R{i}", "email": f"r{i}@example.com"} for i in range(51)]
    reply = api.post(f"/invoices/{invoice['id']}/emails", json={"to": to})
    assert reply.status_code == 400, reply.text
    assert reply.json()["param"] == "to"
    assert "at most 50 addresses" in reply.json()["message"]
    assert api.get(f"/invoices/{invoice['id']}").json()["sent"] is False


def test_an_invoice_with_items_keeps_its_currency(api: httpx.Client) -> None:
    """PATCH {"currency": "jpy"} must not turn $1,234.56 into ¥123,456: billing refuses, the gateway says why."""
    customer = api.post("/customers", json={"name": "Buyer"}).json()
    invoice = api.post(
        "/invoices", json={"customer": customer["id"], "items": [{"name": "Work", "unit_cost": 1234.56}]}
    ).json()
    reply = api.patch(f"/invoices/{invoice['id']}", json={"currency": "jpy"})
    assert reply.status_code == 400, reply.text
    error = reply.json()
    assert error["param"] == "currency" and "USD" in error["message"] and "line items" in error["message"]
    unchanged = api.get(f"/invoices/{invoice['id']}").json()
    assert (unchanged["currency"], unchanged["total"]) == ("usd", 1234.56)


HUGE = "1e1000000"


def hostile_requests(customer_id: int) -> list[tuple[str, str, bytes, str | None]]:
    """(method, path, body, param) of requests that froze the gateway or became 500s."""
    link = f"/customers/{customer_id}/sign_in_link"
    item = '{"customer": %d, "items": [{"name": "x", "quantity": %s, "unit_cost": %s}]%s}'
    return [
        ("POST", link, b'{"ttl": 1e999999999}', "ttl"),
        ("POST", link, b'{"ttl": -1e1000000}', "ttl"),
        ("POST", link, b'{"ttl": ' + b"9" * 5000 + b"}", "ttl"),
        ("POST", link, b'{"ttl": NaN}', "ttl"),
        ("POST", link, b'{"ttl": -Infinity}', "ttl"),
        ("POST", "/invoices", (item % (customer_id, HUGE, "1", "")).encode(), "items[0].quantity"),
        ("POST", "/invoices", (item % (customer_id, "1", HUGE, "")).encode(), "items[0].unit_cost"),
        ("POST", "/invoices", (item % (customer_id, "1", "1", ', "date": ' + HUGE)).encode(), "date"),
        ("POST", "/invoices", (item % (customer_id, "1", "1e40", "")).encode(), "items[0].unit_cost"),
        (
            "POST",
            "/invoices",
            (item % (customer_id, "0." + "0" * 100_000 + "1", "1", "")).encode(),
            "items[0].quantity",
        ),
        ("POST", "/customers", b'{"name": "x", "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", None),
        ("POST", "/customers", b'{"name": "x", "metadata": ' + b"[" * 40 + b"]" * 40 + b"}", "metadata"),
        ("POST", "/customers", b'{"name": "\\ud800"}', "name"),
        ("POST", "/customers", b'{"name": "\xff\xfe"}', None),
        ("GET", "/invoices?per_page=" + "9" * 5000, b"", "per_page"),
    ]


def test_absurd_input_is_a_400_naming_the_field(api: httpx.Client) -> None:
    customer = api.post("/customers", json={"name": "Buyer"}).json()
    for method, path, body, param in hostile_requests(customer["id"]):
        reply = api.request(method, path, content=body, headers={"content-type": "application/json"}, timeout=10)
        assert reply.status_code == 400, (path, body[:60], reply.text)
        error = reply.json()
        assert error["type"] == "invalid_request" and error["message"], error
        assert error.get("param") == param, (body[:60], error)
    assert count(api, "invoices") == 0
    assert count(api, "customers") == 1


def test_a_body_over_the_limit_is_a_413_with_the_error_json(api: httpx.Client) -> None:
    reply = api.post("/customers", content=b'{"name": "' + b"a" * 2_000_000 + b'"}')
    assert reply.status_code == 413
    assert reply.json()["type"] == "invalid_request" and "larger than" in reply.json()["message"]
    assert count(api, "customers") == 0
