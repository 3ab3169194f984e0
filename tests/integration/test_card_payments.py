"""Card payments through the whole portal: the business API, the customer's pages, localstripe and its webhooks
delivered to the gateway. Money in JPY (no decimals) and KWD (three)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import invoiced
import pytest

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import csrf_of, portal, sign_in
from tests.integration.stripe_support import (
    DECLINED_ON_CHARGE,
    add_card,
    api,
    connect,
    event,
    pay,
    pay_form,
    signed,
    wait_until,
)


def _customer(client: invoiced.Client, business: Business, currency: str) -> invoiced.Customer:
    return client.Customer.create(name="Card Payer", email=f"payer-{business.username}@example.com", currency=currency)


def _open_invoice(
    client: invoiced.Client, customer_id: int, unit_cost: object, currency: str, **fields: object
) -> invoiced.Invoice:
    return client.Invoice.create(customer=customer_id, currency=currency, sent=True,
                                 items=[{"name": "Service", "quantity": 1, "unit_cost": unit_cost}], **fields)  # fmt: skip


@contextmanager
def _signed_in(stack: Stack, business: Business, smtp_sink: SmtpSink, email: str) -> Iterator[httpx.Client]:
    with portal(stack, business) as browser:
        signed_in = sign_in(browser, smtp_sink, email)
        assert signed_in.status_code == 303, signed_in.text
        yield browser


def test_the_business_connects_stripe_and_never_sees_the_secret_again(stack: Stack, business: Business) -> None:
    connect(stack, business)
    with api(stack, business) as http:
        settings = http.get("/payment_settings").json()
        assert settings["stripe_connected"] is True and settings["publishable_key"].startswith("pk_")
        assert "sk_test" not in str(settings) and "whsec" not in str(settings)
        changed = http.patch("/payment_settings", json={"partial_payments": False, "minimum_payments": {"kwd": 1.5},
                                                         "autopay_retry_days": [2, 5]})  # fmt: skip
        assert changed.status_code == 200, changed.text
        assert changed.json()["minimum_payments"] == {"kwd": 1.5} and changed.json()["autopay_retry_days"] == [2, 5]
        assert http.patch("/payment_settings", json={"minimum_payments": {"kwd": 1.0005}}).status_code == 400
        assert http.patch("/payment_settings", json={"accepted_methods": ["ach"]}).status_code == 400
        refused = http.post("/stripe_account", json={"secret_key": "not-a-key", "publishable_key": "pk_test_1234",
                                                       "webhook_secret": "whsec_1234"})  # fmt: skip
        assert refused.status_code == 400


def test_two_invoices_paid_in_one_payment_are_paid_when_stripes_webhook_arrives(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    connect(stack, business)
    customer = _customer(client, business, "jpy")
    first = _open_invoice(client, customer.id, 12000, "jpy")
    second = _open_invoice(client, customer.id, 3456, "jpy")
    with _signed_in(stack, business, smtp_sink, customer.email) as browser:
        assert add_card(stack, browser).status_code == 200
        csrf, key = pay_form(browser, [first.id, second.id])
        started = pay(
            browser,
            csrf,
            key,
            "jpy",
            [(first.id, "12000"), (second.id, "3456")],
            card=_card(stack, business, customer.id),
        )
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "pending"
        again = pay(
            browser,
            csrf,
            key,
            "jpy",
            [(first.id, "12000"), (second.id, "3456")],
            card=_card(stack, business, customer.id),
        )
        assert again.json()["payment"] == started.json()["payment"]  # a double click replays, never charges twice

        def paid() -> bool:
            return all(client.Invoice.retrieve(i.id).paid for i in (first, second))

        wait_until(paid)  # localstripe's webhook → gateway → billing
        status = browser.get(f"/account/payments/{started.json()['payment']}/status").json()
        assert status["status"] == "succeeded"


def _card(stack: Stack, business: Business, customer_id: int) -> str:
    with api(stack, business) as http:
        return str(http.get(f"/customers/{customer_id}/payment_sources").json()[0]["id"])


def test_a_declined_card_changes_nothing_and_the_form_shows_stripes_message(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    connect(stack, business)
    customer = _customer(client, business, "kwd")
    invoice = _open_invoice(client, customer.id, 12.345, "kwd")
    with _signed_in(stack, business, smtp_sink, customer.email) as browser:
        add_card(stack, browser, DECLINED_ON_CHARGE)
        csrf, key = pay_form(browser, [invoice.id])
        declined = pay(browser, csrf, key, "kwd", [(invoice.id, "12.345")], card=_card(stack, business, customer.id))
    assert declined.json()["status"] == "failed" and "declined" in declined.json()["error"]
    after = client.Invoice.retrieve(invoice.id)
    assert after.balance == 12.345 and not after.paid


def test_tampered_payment_forms_are_refused_by_the_server(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    connect(stack, business)
    customer = _customer(client, business, "kwd")
    invoice = _open_invoice(client, customer.id, 40, "kwd")
    with api(stack, business) as http:
        http.patch("/payment_settings", json={"partial_payments": False, "minimum_payments": {"kwd": 5}})
    with _signed_in(stack, business, smtp_sink, customer.email) as browser:
        add_card(stack, browser)
        card = _card(stack, business, customer.id)
        csrf, key = pay_form(browser, [invoice.id])
        for amount in ("10.000", "40.001", "0.0001"):  # partial when not allowed; above the balance; finer than fils
            refused = pay(browser, csrf, key + amount.replace(".", ""), "kwd", [(invoice.id, amount)], card=card)
            assert refused.status_code == 400, (amount, refused.text)
        with api(stack, business) as http:
            http.patch("/payment_settings", json={"partial_payments": True})
        below = pay(browser, csrf, key + "below", "kwd", [(invoice.id, "4.999")], card=card)
        assert below.status_code == 400 and "minimum" in below.json()["error"].lower()
        with api(stack, business) as http:
            http.patch("/payment_settings", json={"accepted_methods": []})
        no_cards = pay(browser, csrf, key + "nocards", "kwd", [(invoice.id, "40")], card=card)
        assert no_cards.status_code == 400
        other = client.Customer.create(name="Someone Else")
        theirs = _open_invoice(client, other.id, 3, "kwd")
        assert pay(browser, csrf, key + "theirs", "kwd", [(theirs.id, "3")], card=card).status_code in (400, 404)
    assert client.Invoice.retrieve(invoice.id).balance == 40


def test_forged_and_duplicated_webhooks_at_the_gateway(stack: Stack, business: Business) -> None:
    secret = connect(stack, business)
    url = f"http://127.0.0.1:{stack.http_port}/webhooks/stripe/{business.username}"
    obj = {"id": "pi_unknown", "object": "payment_intent", "amount": 100, "currency": "jpy", "metadata": {}}
    forged_payload, forged_headers = signed("whsec_forged" + "0" * 20, event("payment_intent.succeeded", obj))
    assert httpx.post(url, content=forged_payload, headers=forged_headers).status_code == 400
    payload, headers = signed(secret, event("payment_intent.succeeded", obj))
    assert httpx.post(url, content=payload.replace(b"100", b"999"), headers=headers).status_code == 400
    assert httpx.post(url, content=payload, headers={}).status_code == 400
    first = httpx.post(url, content=payload, headers=headers)
    assert first.status_code == 200 and first.json()["outcome"] == "ignored"  # not one of ours
    assert httpx.post(url, content=payload, headers=headers).json()["outcome"] == "duplicate"


def test_charges_refunds_and_payment_sources_through_the_api(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    connect(stack, business)
    customer = _customer(client, business, "jpy")
    invoice = _open_invoice(client, customer.id, 9000, "jpy")
    with _signed_in(stack, business, smtp_sink, customer.email) as browser:
        add_card(stack, browser)
    with api(stack, business) as http:
        [source] = http.get(f"/customers/{customer.id}/payment_sources").json()
        assert (source["last4"], source["default"], source["object"]) == ("4242", True, "card")
        charge = http.post("/charges", json={"customer": customer.id, "currency": "jpy", "amount": 9000,
                                             "payment_source_type": "card", "payment_source_id": source["id"],
                                             "applied_to": [{"type": "invoice", "invoice": invoice.id, "amount": 9000}]})  # fmt: skip
        assert charge.status_code == 201, charge.text
        payment_id = charge.json()["id"]
        wait_until(lambda: client.Invoice.retrieve(invoice.id).paid)
        refund = http.post(f"/charges/{payment_id}/refunds", json={"amount": 4000})
        assert refund.status_code == 201, refund.text
        assert refund.json()["charge"]["amount_refunded"] == 4000
        assert client.Invoice.retrieve(invoice.id).balance == 4000
        assert http.post(f"/charges/{payment_id}/refunds", json={"amount": 5001}).status_code == 400
        assert http.delete(f"/customers/{customer.id}/payment_sources/{source['id']}").status_code == 204
        assert http.get(f"/customers/{customer.id}/payment_sources").json() == []
        events = http.get("/events", params={"related_to": f"customer,{customer.id}"}).json()
        sources = [e for e in events if e["type"].startswith("payment_source.")]
        assert [e["type"] for e in sources] == ["payment_source.deleted", "payment_source.created"]  # newest first
        assert sources[1]["data"]["object"]["last4"] == "4242"
        assert refund.json()["amount_refunded"] == 4000 and refund.json()["pdf_url"]


def test_autopay_invoice_charged_now_by_the_business(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    connect(stack, business)
    customer = _customer(client, business, "jpy")
    with _signed_in(stack, business, smtp_sink, customer.email) as browser:
        add_card(stack, browser)
        page = browser.get("/account/payment-methods")
        card = _card(stack, business, customer.id)
        saved = browser.post("/account/autopay", data={"csrf_token": csrf_of(page), "enabled": "on", "card_id": card})
        assert saved.status_code == 303
    invoice = _open_invoice(client, customer.id, 2500, "jpy", autopay=True, payment_terms="NET 30",
                            due_date=2_000_000_000)  # fmt: skip
    with api(stack, business) as http:
        charged = http.post(f"/invoices/{invoice.id}/pay")
        assert charged.status_code == 200, charged.text
        assert http.post(f"/invoices/{invoice.id}/pay").status_code == 400  # already being charged
    wait_until(lambda: client.Invoice.retrieve(invoice.id).paid)


@pytest.mark.parametrize("path", ["/account/payment-methods/setup", "/account/pay", "/account/autopay"])
def test_payment_forms_are_csrf_checked(stack: Stack, business: Business, path: str) -> None:
    with portal(stack, business) as browser:
        browser.get("/")
        assert browser.post(path, data={"csrf_token": "forged"}).status_code == 403


def test_a_failed_autopay_charge_emails_a_link_that_opens_only_the_payment_methods_page(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    connect(stack, business)
    customer = _customer(client, business, "jpy")
    with _signed_in(stack, business, smtp_sink, customer.email) as browser:
        add_card(stack, browser, DECLINED_ON_CHARGE)
        page = browser.get("/account/payment-methods")
        card = _card(stack, business, customer.id)
        browser.post("/account/autopay", data={"csrf_token": csrf_of(page), "enabled": "on", "card_id": card})
    invoice = _open_invoice(client, customer.id, 2500, "jpy", autopay=True)
    with api(stack, business) as http:
        failed = http.post(f"/invoices/{invoice.id}/pay")
    assert failed.json()["charge"]["status"] == "failed"
    [email] = smtp_sink.wait_for(lambda m: customer.email in m.to and "AutoPay" in m.subject, timeout=30)
    assert invoice.number in email.subject and "declined" in email.text
    link = re.search(r"https?://[^/\s]+(/update-card/[A-Za-z0-9_\-]+)", email.text)
    assert link, email.text
    with portal(stack, business) as guest:
        opened = guest.get(link.group(1))  # a mail scanner opening it changes nothing
        assert opened.status_code == 200 and "Continue" in opened.text
        landed = guest.post(link.group(1), data={"csrf_token": csrf_of(opened)})
        assert landed.status_code == 303 and landed.headers["location"] == "/account/payment-methods"
        assert guest.get("/account/payment-methods").status_code == 200
        assert add_card(stack, guest).status_code == 200  # the guest replaces the card
        assert guest.get(f"/account/invoices/{invoice.id}").status_code == 403  # nothing else
        again = guest.post(link.group(1), data={"csrf_token": csrf_of(opened)})
        assert again.status_code == 404  # single use
    with api(stack, business) as http:
        assert [s["last4"] for s in http.get(f"/customers/{customer.id}/payment_sources").json()] == ["0341", "4242"]


def test_the_invoices_payment_url_opens_its_payment_form(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    connect(stack, business)
    customer = _customer(client, business, "kwd")
    invoice = _open_invoice(client, customer.id, 7.5, "kwd")
    path = "/" + invoice.payment_url.split("/", 3)[3]
    with portal(stack, business) as guest:
        link = guest.get(path)
        assert link.status_code == 303 and link.headers["location"].endswith("?pay=1")
        opened = guest.get(link.headers["location"])
        assert opened.status_code == 303 and opened.headers["location"] == f"/account/pay?invoice={invoice.id}"
        form = guest.get(opened.headers["location"])
    assert form.status_code == 200 and 'id="pay-form"' in form.text
    assert 'value="7.500"' in form.text  # prefilled to the balance, in fils
