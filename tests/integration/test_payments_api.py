"""/api/payments and /api/events driven by the real `invoiced` client (and raw HTTP where exact numbers matter)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import invoiced
import pytest

from devtools.stack import Stack
from tests.conftest import Business, client_for
from tests.integration.test_invoiced_client import pdf_text


@pytest.fixture
def api(stack: Stack, business: Business) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, ""), timeout=60
    ) as client:
        yield client


def exact(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return json.loads(response.text, parse_float=Decimal)


def test_an_offline_check_pays_invoices_and_a_void_gives_the_balances_back(
    client: invoiced.Client, api: httpx.Client, business: Business, stack: Stack
) -> None:
    customer = client.Customer.create(name="Globex", currency="usd")
    first = client.Invoice.create(customer=customer.id, items=[{"name": "Audit", "quantity": 1, "unit_cost": 100}])
    second = client.Invoice.create(customer=customer.id, items=[{"name": "Setup", "quantity": 1, "unit_cost": 50.5}])
    payment = client.Payment.create(
        customer=customer.id, amount=120.25, method="check", reference="1042",
        applied_to=[{"type": "invoice", "invoice": first.id, "amount": 100},
                    {"type": "invoice", "invoice": second.id, "amount": 20.25}],
    )  # fmt: skip
    assert (payment.object, payment.status, payment.method, payment.voided) == ("payment", "succeeded", "check", False)
    assert [a["invoice"] for a in payment.applied_to] == [first.id, second.id]

    paid = exact(api.get(f"/invoices/{first.id}"))
    assert (paid["status"], paid["paid"], paid["balance"], paid["amount_paid"]) == ("paid", True, 0, Decimal("100"))
    partly = exact(api.get(f"/invoices/{second.id}"))
    assert (partly["paid"], partly["balance"], partly["amount_paid"]) == (False, Decimal("30.25"), Decimal("20.25"))
    assert partly["payment_url"] == partly["url"] + "/payment"

    fetched = client.Payment.retrieve(payment.id)
    fetched.notes = "Deposited on Monday"
    fetched.save()
    assert client.Payment.retrieve(payment.id).notes == "Deposited on Monday"
    listed, meta = client.Payment.list(filter={"customer": customer.id})
    assert [p.id for p in listed] == [payment.id] and meta.total_count == 1
    assert client.Payment.list(start_date=payment.date + 1)[1].total_count == 0
    assert client.Payment.list(end_date=payment.date)[1].total_count == 1

    receipt = httpx.get(payment.pdf_url.replace(f"{business.username}.localhost", "127.0.0.1"),
                        headers={"Host": f"{business.username}.localhost:{stack.http_port}"})  # fmt: skip
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
    text = pdf_text(receipt.content)
    assert business.display_name in text and "$120.25" in text
    assert first.number in text and second.number in text and "1042" in text
    forged = httpx.get(f"http://127.0.0.1:{stack.http_port}/receipts/{payment.id}.forged/pdf",
                       headers={"Host": f"{business.username}.localhost:{stack.http_port}"})  # fmt: skip
    assert forged.status_code == 404
    by_api = api.get(f"/payments/{payment.id}", headers={"Accept": "application/pdf"})
    assert by_api.headers["content-type"] == "application/pdf" and "$120.25" in pdf_text(by_api.content)

    fetched.delete()
    voided = exact(api.get(f"/payments/{payment.id}"))
    assert (voided["voided"], voided["status"]) == (True, "voided")
    assert exact(api.get(f"/invoices/{first.id}"))["balance"] == Decimal("100")
    assert exact(api.get(f"/invoices/{first.id}"))["status"] == "not_sent"


def test_zero_and_three_decimal_currencies_stay_exact(api: httpx.Client) -> None:
    for currency, unit, paid, rest, too_fine in (
        ("jpy", 15000, Decimal("12345"), Decimal("2655"), Decimal("1.5")),
        ("kwd", Decimal("12.345"), Decimal("10.001"), Decimal("2.344"), Decimal("0.0001")),
    ):
        customer = exact(api.post("/customers", json={"name": f"{currency} Co", "currency": currency}))
        body = {"customer": customer["id"], "items": [{"name": "Work", "quantity": 1, "unit_cost": unit}]}
        invoice = exact(api.post("/invoices", content=_json(body)))
        payment = exact(api.post("/payments", content=_json({
            "customer": customer["id"], "amount": paid, "method": "wire_transfer",
            "applied_to": [{"type": "invoice", "invoice": invoice["id"], "amount": paid}],
        })))  # fmt: skip
        assert (payment["currency"], payment["amount"]) == (currency, paid)
        assert exact(api.get(f"/invoices/{invoice['id']}"))["balance"] == rest
        refused = api.post("/payments", content=_json({"customer": customer["id"], "amount": too_fine}))
        assert refused.status_code == 400 and refused.json()["param"] == "amount"


def _json(value: Any) -> str:
    """JSON with Decimals written as exact numbers."""
    return json.dumps(value, default=lambda d: f"__{d}__").replace('"__', "").replace('__"', "")


def test_overpaying_and_bad_applications_are_refused_with_nothing_written(
    client: invoiced.Client, api: httpx.Client
) -> None:
    customer = client.Customer.create(name="Careful Co")
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Work", "quantity": 1, "unit_cost": 10}])
    cases = [
        ({"amount": 11, "applied_to": [{"invoice": invoice.id, "amount": 11}]}, "applied_to[0].amount"),
        ({"amount": 5, "applied_to": [{"invoice": invoice.id, "amount": 6}]}, "applied_to"),
        ({"amount": 5, "method": "credit_card"}, "method"),
        (
            {"amount": 5, "applied_to": [{"type": "credit_note", "invoice": invoice.id, "amount": 5}]},
            "applied_to[0].type",
        ),
        ({"amount": -5}, "amount"),
    ]
    for extra, param in cases:
        refused = api.post("/payments", json={"customer": customer.id, **extra})
        assert refused.status_code == 400 and refused.json()["param"] == param, refused.text
    assert api.get("/payments", params={"filter[customer]": customer.id}).headers["x-total-count"] == "0"
    assert exact(api.get(f"/invoices/{invoice.id}"))["balance"] == 10


def test_a_retry_without_a_key_records_twice_and_with_a_key_replays(api: httpx.Client) -> None:
    customer = exact(api.post("/customers", json={"name": "Retry Co"}))
    body = {"customer": customer["id"], "amount": 25, "method": "cash"}
    exact(api.post("/payments", json=body))
    exact(api.post("/payments", json=body))
    keyed = {"Idempotency-Key": "payment-retry-0001"}
    first = api.post("/payments", json=body, headers=keyed)
    again = api.post("/payments", json=body, headers=keyed)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert api.get("/payments", params={"filter[customer]": customer["id"]}).headers["x-total-count"] == "3"


def test_the_event_log_lists_newest_first_with_previous_values(
    client: invoiced.Client, stack: Stack, other_business: Business
) -> None:
    customer = client.Customer.create(name="Logged Co")
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Work", "quantity": 1, "unit_cost": 40}])
    invoice.purchase_order = "PO-9"
    invoice.save()
    payment = client.Payment.create(customer=customer.id, amount=40, method="check",
                          applied_to=[{"type": "invoice", "invoice": invoice.id, "amount": 40}])  # fmt: skip

    events, meta = client.Event.list(related_to=f"invoice,{invoice.id}")
    assert [e.type for e in events] == ["invoice.paid", "invoice.updated", "invoice.updated", "invoice.created"]
    assert meta.total_count == 4
    paid = events[0]
    assert paid.data["object"]["status"] == "paid" and paid.data["object"]["url"] is None
    assert paid.data["previous"]["balance"] == 40 and paid.data["previous"]["paid"] is False
    assert events[2].data["previous"]["purchase_order"] is None
    assert paid.user["type"] == "api"
    about_customer = [e.type for e in client.Event.list(related_to=f"customer,{customer.id}")[0]]
    assert about_customer[-1] == "customer.created" and "payment.created" in about_customer
    assert client.Event.retrieve(paid.id).type == "invoice.paid"
    assert client.Event.list(filter={"type": "payment.created"})[1].total_count == 1

    stranger = client_for(stack, other_business)
    with pytest.raises(invoiced.errors.InvalidRequestError):
        stranger.Event.retrieve(paid.id)
    assert stranger.Event.list()[1].total_count == 0
    with pytest.raises(invoiced.errors.InvalidRequestError):
        stranger.Payment.retrieve(payment.id)
    assert stranger.Payment.list()[1].total_count == 0
