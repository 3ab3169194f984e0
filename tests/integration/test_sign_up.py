"""Signing up on a public sign-up page over HTTP, as its script does: the saga's outcomes (paid, trial, declined,
double submit), the abuse defences (CSRF, rate limits, 404s, no user enumeration) and a customer's sign_up_url.

Stripe.js's part (confirming the SetupIntent with the card) is done against localstripe as the fake Stripe.js does.
Amounts in JPY (no decimals) and KWD (three)."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import httpx
import invoiced

from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import csrf_of, portal
from tests.integration.sign_up_support import make_plan
from tests.integration.stripe_support import DECLINED_ON_CHARGE, VISA, api, confirmed_setup, connect, wait_until


def _path(stack: Stack, business: Business, url: str) -> str:
    return url.split(stack.portal_url(business.username))[1]


def _form(browser: httpx.Client, path: str, **fields: object) -> dict[str, object]:
    page = browser.get(path)
    assert page.status_code == 200, page.text
    key = page.text.split('name="idempotency_key" value="')[1].split('"')[0]
    return {"csrf_token": csrf_of(page), "idempotency_key": key, "quantity": "1", **fields}


def _card(stack: Stack, browser: httpx.Client, path: str, csrf: object, number: str = VISA) -> str:
    setup = browser.post(f"{path}/card-setup", data={"csrf_token": csrf})
    assert setup.status_code == 200, setup.text
    return confirmed_setup(stack, setup.json()["client_secret"], number)


def _customers(client: invoiced.Client, email: str) -> list[invoiced.Customer]:
    return [c for c in client.Customer.list(per_page=100)[0] if c.email == email]


def test_a_paid_sign_up_makes_the_customer_its_subscription_and_a_paid_first_invoice(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    connect(stack, business)
    make_plan(stack, business, "team", "kwd", 12345)
    page = client.SignUpPage.create(name="Join", plans=["team"], has_quantity=True, thanks_text="Welcome to Acme!")
    path = _path(stack, business, page.url)
    with portal(stack, business) as browser:
        form = _form(browser, path, plan="team", quantity="2", name="Ada Lovelace", email="ada@example.com")
        form["setup_intent"] = _card(stack, browser, path, form["csrf_token"])
        done = browser.post(f"{path}/subscribe", data=form)
        assert done.status_code == 200, done.text
        assert done.json()["redirect"] == f"{path}/thanks"
        thanks = browser.get(done.json()["redirect"])
        assert "Welcome to Acme!" in thanks.text and "Go to My Account" in thanks.text
        assert "guest" in thanks.text  # the customer is signed in, temporarily
        again = browser.post(f"{path}/subscribe", data=form)  # the same form again: the same sign-up
        assert again.status_code == 200 and again.json()["subscription"] == done.json()["subscription"]
    [customer] = _customers(client, "ada@example.com")
    assert customer.name == "Ada Lovelace" and customer.autopay is True
    [subscription] = [s for s in client.Subscription.list()[0] if s.customer == customer.id]
    assert subscription.plan == "team" and subscription.quantity == 2 and subscription.status == "active"
    [invoice] = client.Invoice.list(filter={"customer": customer.id})[0]
    assert invoice.total == 24.69 and invoice.currency == "kwd"
    wait_until(lambda: client.Invoice.retrieve(invoice.id).paid)
    with api(stack, business) as http:
        [card] = http.get(f"/customers/{customer.id}/payment_sources").json()
    assert card["last4"] == "4242"


def test_a_declined_card_leaves_nothing_half_way(stack: Stack, business: Business, client: invoiced.Client) -> None:
    connect(stack, business)
    make_plan(stack, business, "basic", "jpy", 1200)
    page = client.SignUpPage.create(name="Join", plans=["basic"])
    path = _path(stack, business, page.url)
    before = len(client.Customer.list()[0])
    with portal(stack, business) as browser:
        form = _form(browser, path, plan="basic", name="Bob Declined", email="bob@example.com")
        form["setup_intent"] = _card(stack, browser, path, form["csrf_token"], DECLINED_ON_CHARGE)
        refused = browser.post(f"{path}/subscribe", data=form)
        assert refused.status_code == 400 and "declined" in refused.json()["error"].lower()
        assert browser.post(f"{path}/subscribe", data=form).status_code == 400  # the same key stays refused
    assert len(client.Customer.list()[0]) == before and _customers(client, "bob@example.com") == []
    assert client.Subscription.list()[0] == [] and client.Invoice.list()[0] == []


def test_a_double_submit_makes_one_subscription(stack: Stack, business: Business, client: invoiced.Client) -> None:
    connect(stack, business)
    make_plan(stack, business, "basic", "jpy", 1200)
    page = client.SignUpPage.create(name="Join", plans=["basic"])
    path = _path(stack, business, page.url)
    with portal(stack, business) as browser:
        form = _form(browser, path, plan="basic", name="Double Clicker", email="double@example.com")
        form["setup_intent"] = _card(stack, browser, path, form["csrf_token"])
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: browser.post(f"{path}/subscribe", data=form), range(2)))
        assert sorted(a.status_code for a in answers) in ([200, 200], [200, 409]), [a.text for a in answers]
        final = browser.post(f"{path}/subscribe", data=form)
        assert final.status_code == 200
    [customer] = _customers(client, "double@example.com")
    assert len([s for s in client.Subscription.list()[0] if s.customer == customer.id]) == 1
    assert len(client.Invoice.list(filter={"customer": customer.id})[0]) == 1


def test_a_trial_schedules_the_first_invoice_and_keeps_the_card(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    connect(stack, business)
    make_plan(stack, business, "pro", "jpy", 5000)
    page = client.SignUpPage.create(name="Try it", plans=["pro"], trial_period_days=14)
    path = _path(stack, business, page.url)
    with portal(stack, business) as browser:
        form = _form(browser, path, plan="pro", name="Trial Tess", email="tess@example.com")
        form["setup_intent"] = _card(stack, browser, path, form["csrf_token"])
        assert browser.post(f"{path}/subscribe", data=form).status_code == 200
    [customer] = _customers(client, "tess@example.com")
    [subscription] = [s for s in client.Subscription.list()[0] if s.customer == customer.id]
    assert subscription.status == "not_started" and subscription.start_date >= page.created_at + 13 * 86400
    assert client.Invoice.list(filter={"customer": customer.id})[0] == []
    with api(stack, business) as http:
        assert len(http.get(f"/customers/{customer.id}/payment_sources").json()) == 1


def test_the_form_needs_its_csrf_token_and_pages_404_clearly(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    make_plan(stack, business, "free", "jpy", 0)
    page = client.SignUpPage.create(name="Free", plans=["free"])
    path = _path(stack, business, page.url)
    with portal(stack, business) as browser:
        form = _form(browser, path, plan="free", name="No Token", email="notoken@example.com")
        assert browser.post(f"{path}/subscribe", data={**form, "csrf_token": "forged"}).status_code == 403
        missing = browser.get("/pages/" + secrets.token_urlsafe(32))
        assert missing.status_code == 404 and "no longer available" in missing.text
        assert browser.get("/sign_up/" + "A" * 22).status_code == 404
        assert browser.post(f"{path}/subscribe", data=form).status_code == 200  # a free plan needs no card
    assert len(_customers(client, "notoken@example.com")) == 1


def test_an_existing_customers_email_reveals_nothing_and_makes_a_new_customer(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    """No user enumeration: the page answers the same whatever the address, and only a sign_up_url (the
    customer's own link) signs up an existing customer."""
    make_plan(stack, business, "free", "jpy", 0)
    page = client.SignUpPage.create(name="Free", plans=["free"], allow_multiple_subscriptions=False)
    existing = client.Customer.create(name="Known Co", email="known@example.com")
    path = _path(stack, business, page.url)
    with portal(stack, business) as browser:
        for email in ("known@example.com", "stranger@example.com"):
            done = browser.post(f"{path}/subscribe", data=_form(browser, path, plan="free", name="X", email=email))
            assert done.status_code == 200 and set(done.json()) == {"redirect", "subscription"}
    assert len(_customers(client, "known@example.com")) == 2
    assert [s for s in client.Subscription.list()[0] if s.customer == existing.id] == []
    link = client.Customer.retrieve(existing.id).sign_up_url
    link_path = _path(stack, business, link)
    with portal(stack, business) as browser:
        shown = browser.get(link_path)
        assert 'value="Known Co"' in shown.text and 'value="known@example.com"' in shown.text
        done = browser.post(f"{link_path}/subscribe", data=_form(browser, link_path, plan="free", name="ignored",
                                                                 email="ignored@example.com"))  # fmt: skip
        assert done.status_code == 200, done.text
        again = browser.post(f"{link_path}/subscribe", data=_form(browser, link_path, plan="free", name="", email=""))
        assert again.status_code == 400 and "already has a subscription" in again.json()["error"]
    [subscription] = [s for s in client.Subscription.list()[0] if s.customer == existing.id]
    assert subscription.plan == "free"


def test_sign_ups_are_limited_per_ip(stack: Stack, business: Business, client: invoiced.Client) -> None:
    make_plan(stack, business, "free", "jpy", 0)
    page = client.SignUpPage.create(name="Free", plans=["free"])
    path = _path(stack, business, page.url)
    with portal(stack, business) as browser:
        codes = [
            browser.post(
                f"{path}/subscribe", data=_form(browser, path, plan="free", name="N", email=f"n{i}@x.io")
            ).status_code
            for i in range(11)
        ]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    assert len(client.Customer.list()[0]) == 10


def test_card_setups_are_limited_per_ip_and_need_the_csrf_token(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    connect(stack, business)
    make_plan(stack, business, "basic", "jpy", 1200)
    page = client.SignUpPage.create(name="Join", plans=["basic"])
    path = _path(stack, business, page.url)
    with portal(stack, business) as browser:
        form = _form(browser, path)
        assert browser.post(f"{path}/card-setup", data={"csrf_token": "forged"}).status_code == 403
        codes = [browser.post(f"{path}/card-setup", data={"csrf_token": form["csrf_token"]}).status_code
                 for _ in range(11)]  # fmt: skip
        assert codes == [200] * 10 + [429]
        refused = browser.post(f"{path}/subscribe", data={**form, "plan": "basic", "quantity": "2", "name": "Q",
                                                          "email": "q@example.com"})  # fmt: skip
        assert refused.status_code == 400 and refused.json()["param"] == "quantity"  # the page has no quantity
        no_card = browser.post(f"{path}/subscribe", data={**form, "plan": "basic", "name": "Q", "email": "q@x.io"})
        assert no_card.status_code == 400 and no_card.json()["param"] == "card"
    assert client.Customer.list()[0] == []
