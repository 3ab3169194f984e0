"""Every comment setting and limit is enforced on the server: a form posted anyway is refused and stores nothing."""

from __future__ import annotations

import httpx
import invoiced

from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import csrf_of, portal, session_cookie


def _api(stack: Stack, business: Business) -> httpx.Client:
    return httpx.Client(base_url=f"http://localhost:{stack.http_port}/api", auth=(business.api_key, ""), timeout=30)


def _guest_on_invoice(stack: Stack, business: Business, client: invoiced.Client, name: str) -> tuple[
        httpx.Client, invoiced.Invoice]:  # fmt: skip
    customer = client.Customer.create(name=name)
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Work", "unit_cost": 10}], sent=True)
    browser = portal(stack, business)
    landed = browser.get(invoice.url.split(f":{stack.http_port}", 1)[1])
    assert landed.status_code == 303 and session_cookie(landed)
    return browser, invoice


def _post(browser: httpx.Client, invoice: invoiced.Invoice, body: str) -> httpx.Response:
    page = browser.get(f"/account/invoices/{invoice.id}")
    return browser.post(f"/account/invoices/{invoice.id}/comments", data={"csrf_token": csrf_of(page), "body": body})


def _notes(client: invoiced.Client, invoice: invoiced.Invoice) -> list[str]:
    return [n.notes for n in client.Note.list(filter={"invoice": invoice.id})[0]]


def test_settings_refuse_comments_posted_anyway(stack: Stack, business: Business, client: invoiced.Client) -> None:
    browser, invoice = _guest_on_invoice(stack, business, client, "Settings Guest")
    with _api(stack, business) as api:
        assert api.get("/comment_settings").json() == {
            "id": "comment_settings", "object": "comment_settings", "comments_enabled": True,
            "guests_may_comment": True, "notification_email": None}  # fmt: skip
        assert api.patch("/comment_settings", json={"guests_may_comment": False}).status_code == 200
        page = browser.get(f"/account/invoices/{invoice.id}")
        assert "Sign in to comment" in page.text and 'name="body"' not in page.text  # no form for a guest
        refused = _post(browser, invoice, "Posted anyway by a guest")
        assert refused.status_code == 403 and "Sign in to comment" in refused.text
        assert _notes(client, invoice) == []

        assert api.patch("/comment_settings", json={"guests_may_comment": True, "comments_enabled": False}).json()[
            "comments_enabled"] is False  # fmt: skip
        refused = _post(browser, invoice, "Posted anyway with comments off")
        assert refused.status_code == 403 and "does not take comments" in refused.text
        assert _notes(client, invoice) == []

        assert api.patch("/comment_settings", json={"comments_enabled": True}).status_code == 200
        assert _post(browser, invoice, "Now it is taken").status_code == 303
        assert _notes(client, invoice) == ["Now it is taken"]

        bad = api.patch("/comment_settings", json={"notification_email": "not an address"})
        assert bad.status_code == 400 and bad.json()["param"] == "notification_email"
        unknown = api.patch("/comment_settings", json={"comments": False})
        assert unknown.status_code == 400


def test_limits_and_plain_text_are_enforced(stack: Stack, business: Business, client: invoiced.Client) -> None:
    browser, invoice = _guest_on_invoice(stack, business, client, "Limits Guest")
    too_long = _post(browser, invoice, "x" * 2001)
    assert too_long.status_code == 400 and "at most 2000 characters" in too_long.text
    assert "x" * 2001 in too_long.text  # the text is kept in the form
    assert _post(browser, invoice, " \n ").status_code == 400
    for n in range(5):
        assert _post(browser, invoice, f"comment {n}").status_code == 303
    flood = _post(browser, invoice, "sixth in a minute")
    assert flood.status_code == 429 and "at most 5 comments a minute" in flood.text
    assert _notes(client, invoice) == [f"comment {n}" for n in range(5)]


def test_a_guest_scoped_to_one_invoice_cannot_comment_on_another(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    with _api(stack, business) as api:
        assert api.patch("/portal_settings", json={"temporary_scope": "document"}).status_code == 200
    browser, invoice = _guest_on_invoice(stack, business, client, "Scoped Guest")
    second = client.Invoice.create(customer=invoice.customer, items=[{"name": "More", "unit_cost": 5}], sent=True)
    page = browser.get(f"/account/invoices/{invoice.id}")
    posted = browser.post(f"/account/invoices/{second.id}/comments", data={"csrf_token": csrf_of(page), "body": "hi"})
    assert posted.status_code == 403  # the full sign-in page: this guest sees one invoice only
    assert _notes(client, second) == []


def test_the_business_api_is_scoped_and_checks_what_it_is_given(
    stack: Stack, business: Business, other_business: Business, client: invoiced.Client
) -> None:
    browser, invoice = _guest_on_invoice(stack, business, client, "API Guest")
    with _api(stack, business) as api:
        before = api.post("/notes", json={"invoice_id": invoice.id, "notes": "Hello?"})
        assert before.status_code == 400 and "not commented" in before.json()["message"]
        assert api.post(f"/invoices/{invoice.id}/resolve").status_code == 400
        assert api.post("/notes", json={"customer_id": invoice.customer, "notes": "x"}).status_code == 400
        assert api.get("/notes").status_code == 400
        assert _post(browser, invoice, "A question").status_code == 303
        thread = api.get(f"/invoices/{invoice.id}/comment_thread").json()
        assert (thread["status"], thread["customer"], len(thread["notes"])) == ("open", invoice.customer, 1)
    with _api(stack, other_business) as other:
        assert other.get(f"/invoices/{invoice.id}/notes").status_code == 404
        assert other.post("/notes", json={"invoice_id": invoice.id, "notes": "Not mine"}).status_code == 404
        assert other.post(f"/invoices/{invoice.id}/resolve").status_code == 404
    assert _notes(client, invoice) == ["A question"]


def test_an_estimate_page_has_its_own_thread(stack: Stack, business: Business, client: invoiced.Client) -> None:
    customer = client.Customer.create(name="Estimate Guest")
    estimate = client.Estimate.create(customer=customer.id, items=[{"name": "Plan", "unit_cost": 10}], sent=True)
    browser = portal(stack, business)
    landed = browser.get(estimate.url.split(f":{stack.http_port}", 1)[1])
    assert landed.status_code == 303 and session_cookie(landed)
    page = browser.get(f"/account/estimates/{estimate.id}")
    assert page.status_code == 200 and "No comments yet" in page.text
    posted = browser.post(f"/account/estimates/{estimate.id}/comments",
                          data={"csrf_token": csrf_of(page), "body": "Can the plan start in May?"})  # fmt: skip
    assert posted.status_code == 303 and posted.headers["location"] == f"/account/estimates/{estimate.id}#comments"
    with _api(stack, business) as api:
        reply = api.post("/notes", json={"estimate_id": estimate.id, "notes": "Yes, May works."})
        assert reply.status_code == 201 and reply.json()["estimate"] == estimate.id
        notes = api.get(f"/estimates/{estimate.id}/notes").json()
        assert [(n["user"]["type"], n["notes"]) for n in notes] == [
            ("customer", "Can the plan start in May?"), ("business", "Yes, May works.")]  # fmt: skip
    shown = browser.get(f"/account/estimates/{estimate.id}").text
    assert "Yes, May works." in shown and "Waiting for a reply" in shown
    assert _notes(client, client.Invoice.create(customer=customer.id, items=[{"name": "x", "unit_cost": 1}])) == []
