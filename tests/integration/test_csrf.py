"""Every state-changing route of the portal refuses cross-site requests, and a refused request changes nothing.

The routes come from the gateway app itself, so a new form is covered by default: the test fails until the new
route gets a scenario below (how to reach it, and how to see that a refused request did nothing).

Each scenario is tried four ways (no token, a forged token, a foreign Origin, a cross-site fetch); each must be a
403 with no cookie set. Then the scenario checks that nothing changed, and that the same request from our own page
still works, so that the 403s cannot come from anything but the CSRF check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import invoiced
import pytest

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from tests.conftest import Business
from tests.integration.portal_client import (
    code_of,
    csrf_of,
    link_path,
    portal,
    session_cookie,
    sign_in,
    sign_in_email,
)
from tests.integration.stripe_support import (
    DECLINED_ON_CHARGE,
    VISA,
    add_card,
    api,
    confirmed_setup,
    connect,
    pay_form,
)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def flattened(routes: Iterable[Any]) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, including those of included routers (FastAPI 0.163 includes them lazily)."""
    for route in routes:
        if isinstance(getattr(route, "path", None), str) and getattr(route, "methods", None):
            yield route.path, set(route.methods)
        elif callable(getattr(route, "effective_candidates", None)):
            yield from flattened(route.effective_candidates())


def portal_routes() -> list[str]:
    """The portal's (not the API's) routes that change state, read from the gateway app."""
    app = create_app(GatewaySettings.load())
    # Stripe's webhooks are not forms: a signature made with the business's secret authenticates them
    # (tests/integration/test_card_payments.py refuses forged, altered and replayed ones).
    found = {
        path
        for path, methods in flattened(app.routes)
        if methods & STATE_CHANGING and not path.startswith(("/api", "/webhooks/"))
    }
    assert "/api/customers" in {path for path, _ in flattened(app.routes)}, "the route walk misses included routers"
    return sorted(found)


ATTACKS: dict[str, Callable[[str], tuple[dict[str, str], dict[str, str]]]] = {
    # name: given the page's real token -> (form fields to replace, extra headers)
    "missing token": lambda token: ({"csrf_token": ""}, {}),
    "forged token": lambda token: ({"csrf_token": "0" * len(token)}, {}),
    "foreign origin": lambda token: ({}, {"Origin": "https://evil.example"}),
    "cross-site fetch": lambda token: ({}, {"Sec-Fetch-Site": "cross-site"}),
}


@dataclass
class Attempt:
    """One form post: who posts it, where, and the fields our own page would send."""

    browser: httpx.Client
    path: str
    data: dict[str, str]
    unchanged: Callable[[], None]  # asserts that the refused posts did nothing
    works: Callable[[httpx.Response], None]  # asserts that the genuine post (already sent) did its job


class Scenarios:
    def __init__(self, stack: Stack, business: Business, client: invoiced.Client, sink: SmtpSink) -> None:
        self.stack = stack
        self.business = business
        self.client = client
        self.sink = sink
        self.opened: list[httpx.Client] = []

    def browser(self) -> httpx.Client:
        opened = portal(self.stack, self.business)
        self.opened.append(opened)
        return opened

    def close(self) -> None:
        for browser in self.opened:
            browser.close()

    def customer(self, name: str) -> tuple[str, invoiced.Customer]:
        email = f"{name.lower()}-{self.business.username}@example.com"
        return email, self.client.Customer.create(name=name, email=email)

    def emails_to(self, address: str, after: float) -> list[str]:
        return [m.id for m in self.sink.messages() if address in m.to and m.received_at.timestamp() >= after]

    def exactly_one_email_since(self, address: str, after: float) -> None:
        """The genuine request's email is the marker: it travels the same ordered path as any email the refused
        requests would have caused, so once it is here, theirs would be too."""
        self.sink.wait_for(lambda m: address in m.to and m.received_at.timestamp() >= after, timeout=30)
        assert len(self.emails_to(address, after)) == 1, "a refused request sent an email"

    def signed_in(self, name: str) -> tuple[httpx.Client, str]:
        email, _ = self.customer(name)
        browser = self.browser()
        assert sign_in(browser, self.sink, email).status_code == 303
        return browser, email

    def still_signed_in(self, browser: httpx.Client, name: str) -> None:
        home = browser.get("/")
        assert home.status_code == 200 and name in home.text and "Email me a sign-in link" not in home.text

    def signed_out(self, browser: httpx.Client) -> None:
        assert "Email me a sign-in link" in browser.get("/").text

    # One per route: how our own page posts it.

    def sign_in(self) -> Attempt:
        email, _ = self.customer("Asker")
        browser = self.browser()
        started = time.time() - 1
        csrf_of(browser.get("/"))  # the home page sets the pre-session cookie the token is bound to

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and response.headers["location"] == "/sign-in/check"
            self.exactly_one_email_since(email, started)

        return Attempt(browser, "/sign-in", {"email": email}, lambda: None, works)

    def sign_in_code(self) -> Attempt:
        email, _ = self.customer("Coder")
        browser = self.browser()
        started = time.time() - 1
        home = browser.get("/")
        browser.post("/sign-in", data={"email": email, "csrf_token": csrf_of(home)})
        code = code_of(sign_in_email(self.sink, email, after=started))

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and session_cookie(response)  # the code was not used up
            self.still_signed_in(browser, "Coder")

        return Attempt(browser, "/sign-in/code", {"code": code}, lambda: self.signed_out(browser), works)

    def sign_in_token(self) -> Attempt:
        email, _ = self.customer("Linker")
        browser = self.browser()
        started = time.time() - 1
        home = browser.get("/")
        browser.post("/sign-in", data={"email": email, "csrf_token": csrf_of(home)})
        path = link_path(sign_in_email(self.sink, email, after=started))
        browser.get(path)

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and session_cookie(response)  # the link was not used up
            self.still_signed_in(browser, "Linker")

        return Attempt(browser, path, {}, lambda: self.signed_out(browser), works)

    def choose_account(self) -> Attempt:
        email = f"chooser-{self.business.username}@example.com"
        first = self.client.Customer.create(name="First Pick", email=email)
        second = self.client.Customer.create(name="Second Pick")
        second.contacts().create(name="Chooser", email=email)
        browser = self.browser()
        assert sign_in(browser, self.sink, email).headers["location"].startswith("/choose-account")
        chooser = browser.get("/choose-account")
        browser.post("/choose-account", data={"customer_id": str(first.id), "csrf_token": csrf_of(chooser)})

        def unchanged() -> None:
            home = browser.get("/").text
            assert "First Pick" in home and "Second Pick" not in home

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and "Second Pick" in browser.get("/").text

        unchanged()
        return Attempt(browser, "/choose-account", {"customer_id": str(second.id), "next": "/"}, unchanged, works)

    def sign_out(self) -> Attempt:
        browser, _ = self.signed_in("Leaver")

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303
            self.signed_out(browser)

        return Attempt(browser, "/sign-out", {}, lambda: self.still_signed_in(browser, "Leaver"), works)

    def sign_out_everywhere(self) -> Attempt:
        laptop, email = self.signed_in("Roamer")
        phone = self.browser()
        assert sign_in(phone, self.sink, email).status_code == 303

        def unchanged() -> None:
            self.still_signed_in(laptop, "Roamer")
            self.still_signed_in(phone, "Roamer")

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303
            self.signed_out(laptop)
            self.signed_out(phone)

        laptop.get("/account/security")
        return Attempt(laptop, "/sign-out/everywhere", {}, unchanged, works)

    def account_details(self) -> Attempt:
        email, customer = self.customer("Mover")
        browser = self.browser()
        assert sign_in(browser, self.sink, email).status_code == 303
        browser.get("/account/details")

        def unchanged() -> None:
            assert self.client.Customer.retrieve(customer.id).city is None

        def works(response: httpx.Response) -> None:
            assert response.status_code == 200
            assert self.client.Customer.retrieve(customer.id).city == "Lisbon"

        return Attempt(browser, "/account/details", {"city": "Lisbon"}, unchanged, works)

    def account_full_sign_in(self) -> Attempt:
        email, customer = self.customer("Guest")
        invoice = self.client.Invoice.create(customer=customer.id, items=[{"name": "Work", "unit_cost": 10}], sent=True)
        browser = self.browser()
        landed = browser.get(invoice.url.split(f":{self.stack.http_port}", 1)[1])
        assert landed.status_code == 303 and session_cookie(landed)
        browser.get("/account/details")
        started = time.time() - 1

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and response.headers["location"] == "/sign-in/check"
            self.exactly_one_email_since(email, started)

        return Attempt(browser, "/account/full-sign-in", {}, lambda: None, works)

    def _estimate_page(self, name: str) -> tuple[httpx.Client, invoiced.Estimate]:
        """A signed-in customer on the page of an estimate sent to it."""
        browser, email = self.signed_in(name)
        [customer] = self.client.Customer.list(filter={"email": email})[0]
        estimate = self.client.Estimate.create(
            customer=customer.id, items=[{"name": "Work", "unit_cost": 10}], sent=True
        )
        assert browser.get(f"/account/estimates/{estimate.id}").status_code == 200
        return browser, estimate

    def estimate_approval(self) -> Attempt:
        browser, estimate = self._estimate_page("Approver")

        def unchanged() -> None:
            assert self.client.Estimate.retrieve(estimate.id).approval is None

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303
            assert self.client.Estimate.retrieve(estimate.id).approved == "AP"

        data = {"version": "1", "initials": "AP"}
        return Attempt(browser, f"/account/estimates/{estimate.id}/approve", data, unchanged, works)

    def estimate_comment(self) -> Attempt:
        browser, estimate = self._estimate_page("Commenter2")

        def notes() -> list[str]:
            listed = self.stack_api().get(f"/estimates/{estimate.id}/notes")
            assert listed.status_code == 200, listed.text
            return [n["notes"] for n in listed.json()]

        def unchanged() -> None:
            assert notes() == []

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303
            assert notes() == ["Can we start in May?"]

        data = {"body": "Can we start in May?"}
        return Attempt(browser, f"/account/estimates/{estimate.id}/comments", data, unchanged, works)

    def stack_api(self) -> httpx.Client:
        return httpx.Client(base_url=f"http://localhost:{self.stack.http_port}/api", auth=(self.business.api_key, ""))

    def estimate_decline(self) -> Attempt:
        browser, estimate = self._estimate_page("Decliner")

        def unchanged() -> None:
            assert self.client.Estimate.retrieve(estimate.id).decision is None

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303
            assert self.client.Estimate.retrieve(estimate.id).decision["reason"] == "Too dear"

        data = {"version": "1", "kind": "declined", "reason": "Too dear"}
        return Attempt(browser, f"/account/estimates/{estimate.id}/decline", data, unchanged, works)

    def invoice_comment(self) -> Attempt:
        _, customer = self.customer("Commenter")
        invoice = self.client.Invoice.create(customer=customer.id, items=[{"name": "Work", "unit_cost": 10}], sent=True)
        browser = self.browser()
        landed = browser.get(invoice.url.split(f":{self.stack.http_port}", 1)[1])
        assert landed.status_code == 303 and session_cookie(landed)

        def notes() -> list[str]:
            return [n.notes for n in self.client.Note.list(filter={"invoice": invoice.id})[0]]

        def unchanged() -> None:
            assert notes() == []

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303
            assert notes() == ["Is this right?"]

        return Attempt(
            browser, f"/account/invoices/{invoice.id}/comments", {"body": "Is this right?"}, unchanged, works
        )

    # Card payments (localstripe plays Stripe and Stripe.js)

    def _card_holder(self, name: str) -> tuple[httpx.Client, invoiced.Customer]:
        connect(self.stack, self.business)
        email, customer = self.customer(name)
        browser = self.browser()
        assert sign_in(browser, self.sink, email).status_code == 303
        return browser, customer

    def _sources(self, customer: invoiced.Customer) -> list[dict[str, Any]]:
        with api(self.stack, self.business) as http:
            return list(http.get(f"/customers/{customer.id}/payment_sources").json())

    def card_setup(self) -> Attempt:
        browser, _ = self._card_holder("Setter")

        def works(response: httpx.Response) -> None:
            assert response.status_code == 200 and response.json()["client_secret"].startswith("seti_")

        return Attempt(browser, "/account/payment-methods/setup", {}, lambda: None, works)

    def card_add(self) -> Attempt:
        browser, customer = self._card_holder("Adder")
        setup = browser.post("/account/payment-methods/setup", data={"csrf_token": csrf_of(browser.get("/"))})
        seti = confirmed_setup(self.stack, setup.json()["client_secret"], VISA)

        def works(response: httpx.Response) -> None:
            assert response.status_code == 200 and [s["last4"] for s in self._sources(customer)] == ["4242"]

        return Attempt(browser, "/account/payment-methods", {"setup_intent": seti},
                       lambda: self._no_cards(customer), works)  # fmt: skip

    def _no_cards(self, customer: invoiced.Customer) -> None:
        assert self._sources(customer) == []

    def _two_cards(self, name: str) -> tuple[httpx.Client, invoiced.Customer, list[dict[str, Any]]]:
        browser, customer = self._card_holder(name)
        add_card(self.stack, browser)
        add_card(self.stack, browser, "5555555555554444", default=False)
        return browser, customer, self._sources(customer)

    def card_default(self) -> Attempt:
        browser, customer, (first, second) = self._two_cards("Defaulter")

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and [s["default"] for s in self._sources(customer)] == [False, True]

        def unchanged() -> None:
            assert [s["default"] for s in self._sources(customer)] == [True, False]

        return Attempt(browser, f"/account/payment-methods/{second['id']}/default", {}, unchanged, works)

    def card_remove(self) -> Attempt:
        browser, customer, (first, _) = self._two_cards("Remover")

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and len(self._sources(customer)) == 1

        def unchanged() -> None:
            assert len(self._sources(customer)) == 2

        return Attempt(browser, f"/account/payment-methods/{first['id']}/remove", {}, unchanged, works)

    def autopay(self) -> Attempt:
        browser, customer = self._card_holder("Autopayer")
        add_card(self.stack, browser)
        [card] = self._sources(customer)

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and self.client.Customer.retrieve(customer.id).autopay is True

        def unchanged() -> None:
            assert self.client.Customer.retrieve(customer.id).autopay is False

        return Attempt(browser, "/account/autopay", {"enabled": "on", "card_id": str(card["id"])}, unchanged, works)

    def pay(self) -> Attempt:
        browser, customer = self._card_holder("Payer")
        add_card(self.stack, browser)
        [card] = self._sources(customer)
        invoice = self.client.Invoice.create(customer=customer.id, currency="jpy", sent=True,
                                             items=[{"name": "Work", "unit_cost": 1000}])  # fmt: skip
        _, key = pay_form(browser, [invoice.id])
        data = {"request_key": key, "currency": "jpy", "card": str(card["id"]), "invoice": str(invoice.id),
                "amount": "1000"}  # fmt: skip

        def works(response: httpx.Response) -> None:
            assert response.status_code == 200 and response.json()["status"] == "pending"

        def unchanged() -> None:
            assert self.client.Invoice.retrieve(invoice.id).status != "pending"

        return Attempt(browser, "/account/pay", data, unchanged, works)

    def update_card_link(self) -> Attempt:
        browser, customer = self._card_holder("Declined")
        add_card(self.stack, browser, DECLINED_ON_CHARGE)
        [card] = self._sources(customer)
        browser.post("/account/autopay", data={"csrf_token": csrf_of(browser.get("/")), "enabled": "on",
                                               "card_id": str(card["id"])})  # fmt: skip
        invoice = self.client.Invoice.create(customer=customer.id, currency="jpy", sent=True, autopay=True,
                                             items=[{"name": "Work", "unit_cost": 900}])  # fmt: skip
        started = time.time() - 1
        with api(self.stack, self.business) as http:
            http.post(f"/invoices/{invoice.id}/pay")
        [email] = self.sink.wait_for(
            lambda m: customer.email in m.to and "AutoPay" in m.subject and m.received_at.timestamp() >= started,
            timeout=30,
        )
        path = "/update-card/" + email.text.split("/update-card/", 1)[1].split()[0]
        guest = self.browser()
        guest.get(path)

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and response.headers["location"] == "/account/payment-methods"

        return Attempt(guest, path, {}, lambda: self.signed_out(guest), works)

    # Sign-up pages (public: no session; the form's key is the page's)

    def _sign_up_page(self, amount: int, customer: invoiced.Customer | None = None) -> tuple[httpx.Client, str, str]:
        """A fresh visitor on a sign-up page (or on a customer's sign_up_url): (browser, path, the form's key)."""
        connect(self.stack, self.business)
        plan_id = f"plan-{amount}"
        if plan_id not in [p.id for p in self.client.Plan.list()[0]]:
            self.client.Plan.create(id=plan_id, name="Plan", currency="jpy", amount=amount, interval="month")
        page = self.client.SignUpPage.create(name="Join", plans=[plan_id])
        url = self.client.Customer.retrieve(customer.id).sign_up_url if customer else page.url
        path = url.split(self.stack.portal_url(self.business.username))[1]
        browser = self.browser()
        shown = browser.get(path)
        assert shown.status_code == 200, shown.text
        return browser, path, shown.text.split('name="idempotency_key" value="')[1].split('"')[0]

    def _card_setup_on(self, customer: invoiced.Customer | None) -> Attempt:
        browser, path, _ = self._sign_up_page(1200, customer)

        def works(response: httpx.Response) -> None:
            assert response.status_code == 200 and response.json()["client_secret"].startswith("seti_")

        return Attempt(browser, f"{path}/card-setup", {}, lambda: None, works)

    def page_card_setup(self) -> Attempt:
        return self._card_setup_on(None)

    def customer_card_setup(self) -> Attempt:
        return self._card_setup_on(self.customer("Returning")[1])

    def page_subscribe(self) -> Attempt:
        browser, path, key = self._sign_up_page(0)
        email = f"joiner-{self.business.username}@example.com"

        def subscribers() -> list[Any]:
            return [c for c in self.client.Customer.list()[0] if c.email == email]

        def unchanged() -> None:
            assert subscribers() == []

        def works(response: httpx.Response) -> None:
            assert response.status_code == 200 and len(subscribers()) == 1

        data = {"plan": "plan-0", "name": "Joiner", "email": email, "idempotency_key": key}
        return Attempt(browser, f"{path}/subscribe", data, unchanged, works)

    def customer_subscribe(self) -> Attempt:
        _, customer = self.customer("Subscriber")
        browser, path, key = self._sign_up_page(0, customer)

        def subscriptions() -> list[Any]:
            return [s for s in self.client.Subscription.list()[0] if s.customer == customer.id]

        def unchanged() -> None:
            assert subscriptions() == []

        def works(response: httpx.Response) -> None:
            assert response.status_code == 200 and len(subscriptions()) == 1

        return Attempt(browser, f"{path}/subscribe", {"plan": "plan-0", "idempotency_key": key}, unchanged, works)

    def _subscriber(self, name: str, **settings: object) -> tuple[httpx.Client, int]:
        """A signed-in customer with a USD 10.00 × 2 monthly subscription; the business's subscription settings."""
        email, customer = self.customer(name)
        with self.stack_api() as http:
            if settings:
                assert http.patch("/subscription_settings", json=settings).status_code == 200
            plan = {"id": "csrf-plan", "name": "Csrf Plan", "currency": "usd", "amount": 10, "interval": "month"}
            http.post("/plans", json=plan)
            created = http.post("/subscriptions", json={"customer": customer.id, "plan": "csrf-plan", "quantity": 2})
            assert created.status_code == 201, created.text
        browser = self.browser()
        assert sign_in(browser, self.sink, email).status_code == 303
        return browser, int(created.json()["id"])

    def _subscription(self, subscription_id: int) -> dict[str, Any]:
        with self.stack_api() as http:
            return dict(http.get(f"/subscriptions/{subscription_id}").json())

    def _subscription_attempt(
        self, name: str, action: str, data: dict[str, str], done: Callable[[dict[str, Any]], bool], **settings: object
    ) -> Attempt:
        browser, subscription_id = self._subscriber(name, **settings)
        before = self._subscription(subscription_id)

        def unchanged() -> None:
            now = self._subscription(subscription_id)
            assert (now["quantity"], now["status"], now["cancel_at_period_end"]) == (
                before["quantity"], before["status"], before["cancel_at_period_end"])  # fmt: skip

        def works(response: httpx.Response) -> None:
            assert response.status_code == 303 and done(self._subscription(subscription_id))

        return Attempt(browser, f"/account/subscriptions/{subscription_id}/{action}", data, unchanged, works)

    def subscription_preview(self) -> Attempt:
        """Changes nothing even when genuine: the attacks must not reach it (it takes a row lock)."""
        browser, subscription_id = self._subscriber("Previewer")

        def unchanged() -> None:
            assert self._subscription(subscription_id)["quantity"] == 2

        def works(response: httpx.Response) -> None:
            assert response.status_code == 200 and "Confirm the change" in response.text
            unchanged()

        return Attempt(browser, f"/account/subscriptions/{subscription_id}/preview", {"quantity": "3"}, unchanged,
                       works)  # fmt: skip

    def subscription_change(self) -> Attempt:
        return self._subscription_attempt("Changer", "change", {"quantity": "3"}, lambda s: s["quantity"] == 3)

    def subscription_cancel(self) -> Attempt:
        return self._subscription_attempt("Canceler", "cancel", {"when": "period_end"},
                                          lambda s: s["cancel_at_period_end"] is True)  # fmt: skip

    def subscription_pause(self) -> Attempt:
        return self._subscription_attempt("Pauser", "pause", {"paused": "1"}, lambda s: s["status"] == "paused",
                                          allow_pause=True)  # fmt: skip


SCENARIOS: dict[str, Callable[[Scenarios], Attempt]] = {
    "/sign-in": Scenarios.sign_in,
    "/sign-in/code": Scenarios.sign_in_code,
    "/sign-in/{token}": Scenarios.sign_in_token,
    "/choose-account": Scenarios.choose_account,
    "/sign-out": Scenarios.sign_out,
    "/sign-out/everywhere": Scenarios.sign_out_everywhere,
    "/account/details": Scenarios.account_details,
    "/account/full-sign-in": Scenarios.account_full_sign_in,
    "/account/estimates/{estimate_id}/approve": Scenarios.estimate_approval,
    "/account/estimates/{estimate_id}/decline": Scenarios.estimate_decline,
    "/account/invoices/{invoice_id}/comments": Scenarios.invoice_comment,
    "/account/estimates/{estimate_id}/comments": Scenarios.estimate_comment,
    "/account/payment-methods/setup": Scenarios.card_setup,
    "/account/payment-methods": Scenarios.card_add,
    "/account/payment-methods/{card_id}/default": Scenarios.card_default,
    "/account/payment-methods/{card_id}/remove": Scenarios.card_remove,
    "/account/autopay": Scenarios.autopay,
    "/account/pay": Scenarios.pay,
    "/update-card/{token}": Scenarios.update_card_link,
    "/pages/{token}/card-setup": Scenarios.page_card_setup,
    "/pages/{token}/subscribe": Scenarios.page_subscribe,
    "/sign_up/{token}/card-setup": Scenarios.customer_card_setup,
    "/sign_up/{token}/subscribe": Scenarios.customer_subscribe,
    "/account/subscriptions/{subscription_id}/preview": Scenarios.subscription_preview,
    "/account/subscriptions/{subscription_id}/change": Scenarios.subscription_change,
    "/account/subscriptions/{subscription_id}/cancel": Scenarios.subscription_cancel,
    "/account/subscriptions/{subscription_id}/pause": Scenarios.subscription_pause,
}


def test_every_state_changing_portal_route_has_a_scenario() -> None:
    assert set(portal_routes()) <= set(SCENARIOS), "add a CSRF scenario for the new route"
    assert len(portal_routes()) >= len(SCENARIOS)


@pytest.mark.parametrize("route", portal_routes())
def test_cross_site_posts_are_refused_and_change_nothing(
    route: str, stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    if route not in SCENARIOS:
        pytest.fail(f"{route} changes state and has no CSRF scenario: add one to SCENARIOS")
    scenarios = Scenarios(stack, business, client, smtp_sink)
    try:
        attempt = SCENARIOS[route](scenarios)
        token = csrf_of(attempt.browser.get("/"))  # a page of our own, as a real form would carry
        for name, attack in ATTACKS.items():
            fields, headers = attack(token)
            refused = attempt.browser.post(
                attempt.path, data={**attempt.data, "csrf_token": token, **fields}, headers=headers
            )
            assert refused.status_code == 403, f"{name}: {refused.status_code}"
            assert session_cookie(refused) is None and "set-cookie" not in refused.headers, name
            attempt.unchanged()
        genuine = attempt.browser.post(attempt.path, data={**attempt.data, "csrf_token": token})
        attempt.works(genuine)
    finally:
        scenarios.close()
