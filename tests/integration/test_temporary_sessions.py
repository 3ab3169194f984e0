"""Links in the portal's emails start temporary (guest) sessions; per-business settings limit them, on the server."""

from __future__ import annotations

import httpx
import invoiced

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import csrf_of, portal, session_cookie, sign_in


def api(stack: Stack, business: Business) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, ""))


def two_invoices(client: invoiced.Client, email: str) -> tuple[invoiced.Invoice, invoiced.Invoice]:
    customer = client.Customer.create(name="Guest Co", email=email)
    first = client.Invoice.create(customer=customer.id, items=[{"name": "First", "unit_cost": 100}], sent=True)
    second = client.Invoice.create(customer=customer.id, items=[{"name": "Second", "unit_cost": 250.5}], sent=True)
    return first, second


def path_of(url: str, stack: Stack) -> str:
    return url.split(f":{stack.http_port}", 1)[1]


def test_view_invoice_link_starts_a_guest_session_on_the_whole_account_by_default(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    first, second = two_invoices(client, f"guest-{business.username}@example.com")
    with portal(stack, business) as browser:
        landed = browser.get(path_of(first.url, stack))
        assert landed.status_code == 303 and landed.headers["location"] == f"/account/invoices/{first.id}"
        assert landed.headers["referrer-policy"] == "no-referrer"
        cookie = session_cookie(landed)
        assert cookie and "max-age" not in cookie.lower() and "expires" not in cookie.lower()
        page = browser.get(landed.headers["location"])
        assert page.status_code == 200
        assert first.number in page.text and "$100.00" in page.text
        assert "You are viewing as a guest" in page.text
        assert browser.get(f"/account/invoices/{second.id}").status_code == 200
        assert second.number in browser.get("/").text
        assert browser.get("/account/security").status_code == 403
        details = browser.get("/account/details")
        assert details.status_code == 200
        refused = browser.post("/account/details", data={"phone": "555", "csrf_token": csrf_of(details)})
        assert refused.status_code == 403 and "Email me a sign-in link" in refused.text
    assert client.Customer.retrieve(first.customer).phone is None


def test_document_scope_limits_a_guest_to_the_linked_invoice(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    with api(stack, business) as business_api:
        assert business_api.patch("/portal_settings", json={"temporary_scope": "document"}).status_code == 200
        assert business_api.patch("/portal_settings", json={"temporary_scope": "everything"}).status_code == 400
        assert business_api.patch("/portal_settings", json={"idle_timeout_minutes": 1}).status_code == 400
    first, second = two_invoices(client, f"doc-{business.username}@example.com")
    with portal(stack, business) as browser:
        landed = browser.get(path_of(first.url, stack))
        assert browser.get(landed.headers["location"]).status_code == 200
        home = browser.get("/")
        assert home.status_code == 303 and home.headers["location"] == f"/account/invoices/{first.id}"
        assert browser.get(f"/account/invoices/{second.id}").status_code == 403
        assert browser.get(f"/account/invoices/{second.id}/pdf").status_code == 403
        pdf = browser.get(f"/account/invoices/{first.id}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert browser.get("/account/details").status_code == 403


def test_require_sign_in_sends_document_links_through_sign_in_and_back(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    with api(stack, business) as business_api:
        assert business_api.patch("/portal_settings", json={"require_sign_in": True}).json()["require_sign_in"] is True
    email = f"strict-{business.username}@example.com"
    first, _ = two_invoices(client, email)
    link = path_of(first.url, stack)
    with portal(stack, business) as browser:
        landed = browser.get(link)
        assert landed.status_code == 303 and landed.headers["location"].startswith("/?return_to=")
        assert session_cookie(landed) is None
        form = browser.get(landed.headers["location"])
        assert 'name="return_to" value="/invoices/' in form.text
        browser.cookies.clear()
        signed_in = sign_in(browser, smtp_sink, email)
        assert signed_in.status_code == 303
        back = browser.get(link)
        assert back.headers["location"] == f"/account/invoices/{first.id}"
        page = browser.get(back.headers["location"])
        assert page.status_code == 200 and "viewing as a guest" not in page.text


def test_guest_of_one_customer_cannot_open_another_customers_invoice(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    mine, _ = two_invoices(client, f"mine-{business.username}@example.com")
    other_customer = client.Customer.create(name="Someone Else")
    theirs = client.Invoice.create(customer=other_customer.id, items=[{"name": "Theirs", "unit_cost": 9}], sent=True)
    with portal(stack, business) as browser:
        browser.get(path_of(mine.url, stack))
        own = browser.get(f"/account/invoices/{mine.id}")
        assert own.status_code == 200 and mine.number in own.text  # the guest session works
        foreign = browser.get(f"/account/invoices/{theirs.id}")
        assert foreign.status_code == 404
        for page in (foreign, browser.get("/")):
            for secret in (theirs.number, "Theirs", "Someone Else", "$9.00"):
                assert secret not in page.text, secret


def test_business_can_end_all_sessions_of_a_customer(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    email = f"ended-{business.username}@example.com"
    first, _ = two_invoices(client, email)
    with portal(stack, business) as browser, api(stack, business) as business_api:
        sign_in(browser, smtp_sink, email)
        assert "Guest Co" in browser.get("/").text
        ended = business_api.post(f"/customers/{first.customer}/sign_out", json={})
        assert ended.status_code == 200 and ended.json()["ended"] >= 1
        assert "Email me a sign-in link" in browser.get("/").text
