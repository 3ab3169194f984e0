"""How many gateway→backend calls each portal page makes, counted on a gateway running in the test's process
against the stack's real backends. The numbers are pinned: a page that grows a call fails here.

Before the typed clients and the account RPCs (measured with this same counter on the earlier code):
account home 3 (GetSession, GetCustomer, ListInvoices), invoice page 3 (GetSession, GetInvoice, GetCustomer),
invoice link 3 without a session (GetInvoiceByLink, GetPortalSettings, StartTemporarySession), 2 to 5 with one
(GetSession, SwitchAccount, ...), PDF link 1 (RenderInvoicePdf, with no sign-in check at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import invoiced
import pytest
from fastapi.testclient import TestClient
from portal_kit.service_auth import SERVICE_NAME_ENV, token_env

from devtools.stack import Stack
from services.gateway.app import create_app
from services.gateway.backends import Backends
from services.gateway.settings import GatewaySettings
from tests.conftest import Business


class CallCounter:
    """Wraps every stub method of the gateway's backends and records the name of each call made."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def install(self, backends: Backends) -> None:
        for stubs in (backends.auth_stubs, backends.billing_stubs, backends.subscriptions_stubs,
                      backends.comments_stubs):  # fmt: skip
            for stub in vars(stubs).values():
                for name, method in list(vars(stub).items()):
                    if callable(method):
                        setattr(stub, name, self._counting(name, method))

    def _counting(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return call

    def during(self, action: Callable[[], Any]) -> list[str]:
        self.calls.clear()
        action()
        return sorted(self.calls)


@pytest.fixture
def gateway(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, CallCounter]]:
    credential = stack.credential("gateway")  # the backends answer only the portal's own services
    monkeypatch.setenv(SERVICE_NAME_ENV, credential.caller)
    monkeypatch.setenv(token_env(credential.caller), credential.token)
    settings = GatewaySettings.load(
        base_domain="localhost", public_scheme="http",
        auth_addr=f"127.0.0.1:{stack.grpc_ports['auth']}", billing_addr=f"127.0.0.1:{stack.grpc_ports['billing']}",
        subscriptions_addr=f"127.0.0.1:{stack.grpc_ports['subscriptions']}",
        comments_addr=f"127.0.0.1:{stack.grpc_ports['comments']}",
    )  # fmt: skip
    app = create_app(settings)
    counter = CallCounter()
    with TestClient(app, follow_redirects=False) as client:
        counter.install(app.state.backends)
        yield client, counter


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_calls_per_portal_page(
    stack: Stack, gateway: tuple[TestClient, CallCounter], business: Business, client: invoiced.Client
) -> None:
    browser, counter = gateway
    browser.base_url = f"http://{business.username}.localhost"  # type: ignore[assignment]
    customer = client.Customer.create(name="Counted Co", email="counted@example.com")
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Work", "quantity": 1, "unit_cost": 10}])
    link = path_of(invoice.url)
    api = httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, ""))
    sso = api.post(f"/customers/{customer.id}/sign_in_link", json={"ttl": 600}).json()["url"]

    opened = browser.get(path_of(sso))
    assert opened.status_code == 303, opened.text
    browser.get("/")  # the business is now cached by the gateway, as it is for every later page
    browser.get(f"/account/invoices/{invoice.id}")  # and the business's comment settings (30 s)

    home = counter.during(lambda: _ok(browser.get("/")))
    page = counter.during(lambda: _ok(browser.get(f"/account/invoices/{invoice.id}")))
    pdf_link = counter.during(lambda: _ok(browser.get(f"{link}/pdf")))
    link_signed_in = counter.during(lambda: _redirected(browser.get(link)))
    browser.cookies.clear()
    link_open = counter.during(lambda: _redirected(browser.get(link)))
    print(f"\ncalls per page: home={home} invoice={page} link={link_open} link_signed_in={link_signed_in} "
          f"pdf_link={pdf_link}")  # fmt: skip
    assert home == ["GetAccountPage", "GetSession"]
    assert page == ["GetAccountInvoice", "GetSession"]  # no comments yet: no comments call
    assert link_open == ["OpenDocumentLink"]
    assert link_signed_in == ["OpenDocumentLink"]
    assert pdf_link == ["OpenDocumentLink", "RenderInvoicePdf"]


def _ok(response: Any) -> None:
    assert response.status_code == 200, response.text


def _redirected(response: Any) -> None:
    assert response.status_code == 303, response.text


def test_invoice_writes_through_the_api_make_one_billing_call(
    gateway: tuple[TestClient, CallCounter], business: Business, client: invoiced.Client
) -> None:
    """Billing resolves the currency the amounts are in: the gateway no longer looks up the customer or invoice."""
    api, counter = gateway
    api.base_url = "http://localhost/api"  # type: ignore[assignment]
    api.auth = (business.api_key, "")
    customer = client.Customer.create(name="Yen Co", email="yen@example.com", currency="jpy")

    created: dict[str, Any] = {}

    def create() -> None:
        response = api.post("/invoices", json={"customer": customer.id, "items": [{"unit_cost": 1500}]})
        assert response.status_code == 201, response.text
        created.update(response.json())

    # This gateway reads no revocations, so it caches no API key: auth checks it on every request.
    assert counter.during(create) == ["AuthenticateApiKey", "CreateInvoice"]
    assert created["currency"] == "jpy" and created["total"] == 1500

    def update() -> None:
        response = api.patch(f"/invoices/{created['id']}", json={"items": [{"unit_cost": 2000}]})
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 2000

    assert counter.during(update) == ["AuthenticateApiKey", "UpdateInvoice"]
