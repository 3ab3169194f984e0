"""Estimates through the real `invoiced` client (Estimate) and the portal over HTTP, with every service running:
the API's shapes, the "View Estimate" email, guest links, refusals (stale version, expiry, tampered forms, scope)."""

from __future__ import annotations

import html
import json
import re
import time
from decimal import Decimal

import httpx
import invoiced
import pytest

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import csrf_of, portal, session_cookie
from tests.integration.test_invoiced_client import pdf_text


def _path(url: str, stack: Stack) -> str:
    return url.split(f":{stack.http_port}", 1)[1]


def _guest(stack: Stack, business: Business, estimate: invoiced.Estimate) -> httpx.Client:
    """A browser that opened the estimate's emailed link (a guest session on that estimate)."""
    browser = portal(stack, business)
    landed = browser.get(_path(estimate.url, stack))
    assert landed.status_code == 303 and landed.headers["location"] == f"/account/estimates/{estimate.id}"
    assert session_cookie(landed)
    return browser


def _api(business: Business, client: invoiced.Client, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(method, f"{client.api_url}{path}", auth=(business.api_key, ""), timeout=30, **kwargs)  # type: ignore[arg-type]  # httpx keyword arguments


def test_estimate_round_trip_email_and_invoice_through_the_invoiced_client(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    customer = client.Customer.create(name="Estimate Buyer", email=f"buyer-{business.username}@example.com")
    estimate = client.Estimate.create(
        customer=customer.id,
        currency="jpy",
        items=[{"name": "Kitchen refit", "quantity": 3, "unit_cost": 12345}],
        deposit=5000,
        expiration_date=int(time.time()) + 30 * 86400,
    )
    assert estimate.object == "estimate" and re.fullmatch(r"EST-\d{4}", estimate.number)
    assert (estimate.total, estimate.deposit, estimate.status, estimate.version) == (37035, 5000, "not_sent", 1)
    assert estimate.approved is None and estimate.approval is None and estimate["invoice"] is None
    assert estimate.url.startswith(f"http://{business.username}.localhost:{stack.http_port}/estimates/")
    assert len(estimate.url.rsplit("/", 1)[1]) >= 32 and estimate.pdf_url == estimate.url + "/pdf"

    fetched = client.Estimate.retrieve(estimate.id)
    fetched.purchase_order = "PO-9"
    fetched.save()
    assert client.Estimate.retrieve(estimate.id).version == 2  # the PO is on the document: a new version
    listed, meta = client.Estimate.list(filter={"customer": customer.id})
    assert [e.id for e in listed] == [estimate.id] and meta.total_count == 1
    with pytest.raises(invoiced.errors.InvalidRequestError, match="not approved"):
        estimate.invoice()

    [email] = estimate.send()
    assert email.email == customer.email and client.Estimate.retrieve(estimate.id).status == "sent"
    [message] = smtp_sink.wait_for(lambda m: estimate.url in m.text, timeout=30)
    link = re.search(r'<a href="([^"]+)"[^>]*>View Estimate</a>', message.html or "")
    assert link is not None and html.unescape(link.group(1)) == estimate.url
    [attachment] = message.attachments
    assert attachment.content_type == "application/pdf" and attachment.filename == f"{estimate.number}.pdf"
    text = pdf_text(attachment.content)
    assert estimate.number in text and "Kitchen refit" in text and "¥37,035" in text

    raw = _api(business, client, "GET", f"/estimates/{estimate.id}", headers={"Accept": "application/pdf"})
    assert raw.status_code == 200 and raw.content.startswith(b"%PDF")
    by_link = portal(stack, business).get(_path(estimate.pdf_url, stack))
    assert by_link.status_code == 200 and by_link.content.startswith(b"%PDF")
    assert _api(business, client, "GET", f"/estimates/{estimate.id}/approval_certificate").status_code == 400

    guest = _guest(stack, business, client.Estimate.retrieve(estimate.id))
    page = guest.get(f"/account/estimates/{estimate.id}")
    assert page.status_code == 200 and "¥37,035" in page.text and 'name="version" value="2"' in page.text
    approved = guest.post(f"/account/estimates/{estimate.id}/approve",
                          data={"csrf_token": csrf_of(page), "version": "2", "initials": "KT"})  # fmt: skip
    assert approved.status_code == 303
    shown = client.Estimate.retrieve(estimate.id)
    assert shown.status == "approved" and shown.approved == "KT"
    assert shown.approval["version"] == 2 and shown.approval["document_sha256"] == shown.document_sha256
    assert shown.approval["approved_by"] == f"guest:{customer.id}/estimate:{estimate.id}"
    certificate = _api(business, client, "GET", f"/estimates/{estimate.id}/approval_certificate")
    assert certificate.status_code == 200 and "KT" in pdf_text(certificate.content)

    invoice = shown.invoice()
    assert invoice.object == "invoice" and invoice.total == 37035 and invoice.currency == "jpy"
    assert invoice.metadata["estimate"] == estimate.number
    assert client.Estimate.retrieve(estimate.id)["invoice"] == invoice.id
    with pytest.raises(invoiced.errors.InvalidRequestError, match="already been invoiced"):
        shown.invoice()


def test_kwd_amounts_are_exact_and_delete_and_void_follow_the_rules(
    client: invoiced.Client, business: Business
) -> None:
    customer = client.Customer.create(name="Dinar Co", currency="kwd")
    estimate = client.Estimate.create(
        customer=customer.id, items=[{"name": "Audit", "quantity": 3, "unit_cost": 1.005}]
    )
    raw = json.loads(_api(business, client, "GET", f"/estimates/{estimate.id}").text, parse_float=Decimal)
    assert (raw["currency"], raw["total"], raw["items"][0]["unit_cost"]) == ("kwd", Decimal("3.015"), Decimal("1.005"))
    finer = _api(business, client, "POST", "/estimates",
                 json={"customer": customer.id, "items": [{"name": "x", "unit_cost": 0.0005}]})  # fmt: skip
    assert finer.status_code == 400 and "unit_cost" in finer.json()["param"]
    assert estimate.delete() is True
    sent = client.Estimate.create(customer=customer.id, items=[{"name": "y", "unit_cost": 2}], sent=True)
    with pytest.raises(invoiced.errors.InvalidRequestError, match="void it instead"):
        sent.delete()
    assert sent.void() is True and sent.status == "voided"
    assert portal_status(client, sent.id) == "voided"


def portal_status(client: invoiced.Client, estimate_id: int) -> str:
    return str(client.Estimate.retrieve(estimate_id).status)


def test_a_stale_tab_is_refused_with_the_new_version_and_an_edit_voids_the_approval(
    client: invoiced.Client, business: Business, stack: Stack
) -> None:
    customer = client.Customer.create(name="Stale Tab")
    estimate = client.Estimate.create(customer=customer.id, items=[{"name": "Fence", "unit_cost": 100}], sent=True)
    guest = _guest(stack, business, estimate)
    old_tab = guest.get(f"/account/estimates/{estimate.id}")
    changed = client.Estimate.retrieve(estimate.id)
    changed.items = [{"name": "Fence", "unit_cost": 150}]
    changed.save()

    refused = guest.post(f"/account/estimates/{estimate.id}/approve",
                         data={"csrf_token": csrf_of(old_tab), "version": "1", "initials": "ST"})  # fmt: skip
    assert refused.status_code == 409
    assert "now version 2, total $150.00" in html.unescape(refused.text)
    assert 'name="version" value="2"' in refused.text  # the page now shows the new version to approve
    assert client.Estimate.retrieve(estimate.id).status == "viewed"

    approved = guest.post(f"/account/estimates/{estimate.id}/approve",
                          data={"csrf_token": csrf_of(refused), "version": "2", "initials": "ST"})  # fmt: skip
    assert approved.status_code == 303 and client.Estimate.retrieve(estimate.id).status == "approved"
    edited = client.Estimate.retrieve(estimate.id)
    edited.notes = "Includes the gate."
    edited.save()
    after = client.Estimate.retrieve(estimate.id)
    assert (after.status, after.version, after.approval, after.approved) == ("viewed", 3, None, None)


def test_an_expired_estimate_cannot_be_approved(client: invoiced.Client, business: Business, stack: Stack) -> None:
    customer = client.Customer.create(name="Too Late")
    estimate = client.Estimate.create(customer=customer.id, items=[{"name": "Paint", "unit_cost": 40}], sent=True,
                                      expiration_date=int(time.time()) - 3600)  # fmt: skip
    guest = _guest(stack, business, estimate)
    page = guest.get(f"/account/estimates/{estimate.id}")
    assert "has expired" in page.text and "/approve" not in page.text
    forced = guest.post(f"/account/estimates/{estimate.id}/approve",
                        data={"csrf_token": csrf_of(page), "version": "1", "initials": "TL"})  # fmt: skip
    assert forced.status_code == 409 and "expired on" in forced.text
    assert client.Estimate.retrieve(estimate.id).status == "expired"


def test_settings_are_enforced_on_the_server_against_a_tampered_form(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    settings = _api(business, client, "PATCH", "/estimate_settings",
                    json={"terms": "Payment within 30 days of completion.", "approval_creates_invoice": True,
                          "notify_email": f"sales-{business.username}@example.com"})  # fmt: skip
    assert settings.status_code == 200 and settings.json()["approval_creates_invoice"] is True
    customer = client.Customer.create(name="Tamperer")
    estimate = client.Estimate.create(customer=customer.id, items=[{"name": "Deck", "unit_cost": 800}], sent=True)
    guest = _guest(stack, business, estimate)
    page = guest.get(f"/account/estimates/{estimate.id}")
    assert "Payment within 30 days of completion." in page.text and 'name="accept_terms"' in page.text

    tampered = guest.post(
        f"/account/estimates/{estimate.id}/approve",
        data={"csrf_token": csrf_of(page), "version": "1", "initials": "TT"},
    )  # no accept_terms
    assert tampered.status_code == 400 and "accept the terms" in tampered.text
    no_initials = guest.post(f"/account/estimates/{estimate.id}/approve",
                             data={"csrf_token": csrf_of(page), "version": "1", "accept_terms": "yes"})  # fmt: skip
    assert no_initials.status_code == 400 and "initials" in no_initials.text
    assert client.Estimate.retrieve(estimate.id).approval is None

    accepted = guest.post(f"/account/estimates/{estimate.id}/approve",
                          data={"csrf_token": csrf_of(page), "version": "1", "initials": "TT", "accept_terms": "yes"})  # fmt: skip
    assert accepted.status_code == 303
    shown = client.Estimate.retrieve(estimate.id)
    assert shown.status == "invoiced" and shown.approval["terms_accepted"] is True
    invoice = client.Invoice.retrieve(shown["invoice"])
    assert invoice.total == 800 and invoice.customer == customer.id
    [told] = smtp_sink.wait_for(lambda m: f"sales-{business.username}@example.com" in m.to, timeout=30)
    assert told.subject == f"Tamperer approved estimate {estimate.number}" and invoice.number in told.text
    assert [a.filename for a in told.attachments] == [f"{estimate.number}-approval-v1.pdf"]


def test_declining_with_a_reason_reaches_the_business(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    _api(
        business,
        client,
        "PATCH",
        "/estimate_settings",
        json={"notify_email": f"quotes-{business.username}@example.com"},
    )
    customer = client.Customer.create(name="Decliner")
    estimate = client.Estimate.create(customer=customer.id, items=[{"name": "Roof", "unit_cost": 5000}], sent=True)
    guest = _guest(stack, business, estimate)
    page = guest.get(f"/account/estimates/{estimate.id}")
    declined = guest.post(f"/account/estimates/{estimate.id}/decline",
                          data={"csrf_token": csrf_of(page), "version": "1", "kind": "changes_requested",
                                "reason": "Can you do it in slate?"})  # fmt: skip
    assert declined.status_code == 303
    shown = client.Estimate.retrieve(estimate.id)
    assert shown.status == "changes_requested"
    assert shown.decision["reason"] == "Can you do it in slate?" and shown.decision["version"] == 1
    [told] = smtp_sink.wait_for(lambda m: f"quotes-{business.username}@example.com" in m.to, timeout=30)
    assert "asked for changes to" in told.subject and "Can you do it in slate?" in told.text


def test_guests_stay_in_their_scope_and_businesses_apart(
    client: invoiced.Client, other_business: Business, business: Business, stack: Stack
) -> None:
    customer = client.Customer.create(name="Scoped")
    first = client.Estimate.create(customer=customer.id, items=[{"name": "A", "unit_cost": 1}], sent=True)
    second = client.Estimate.create(customer=customer.id, items=[{"name": "B", "unit_cost": 2}], sent=True)
    scope = _api(business, client, "PATCH", "/portal_settings", json={"temporary_scope": "document"})
    assert scope.status_code == 200
    guest = _guest(stack, business, first)
    listing = guest.get("/account/estimates")
    assert listing.status_code == 303 and listing.headers["location"] == f"/account/estimates/{first.id}"
    other = guest.get(f"/account/estimates/{second.id}")
    assert other.status_code == 403 and "B" not in re.findall(r"<td>(\w)</td>", other.text)
    assert guest.get(f"/account/estimates/{second.id}/pdf").status_code == 403
    assert guest.get(f"/account/estimates/{second.id}/certificate").status_code == 403
    page = guest.get(f"/account/estimates/{first.id}")
    forced = guest.post(f"/account/estimates/{second.id}/approve",
                        data={"csrf_token": csrf_of(page), "version": "1", "initials": "XX"})  # fmt: skip
    assert forced.status_code == 403 and client.Estimate.retrieve(second.id).approval is None
    foreign = httpx.get(f"{client.api_url}/estimates/{first.id}", auth=(other_business.api_key, ""), timeout=30)
    assert foreign.status_code == 404
    elsewhere = portal(stack, other_business).get(_path(first.url, stack))
    assert elsewhere.status_code == 404


def test_the_business_reads_estimate_events_through_the_api(
    client: invoiced.Client, business: Business, stack: Stack
) -> None:
    customer = client.Customer.create(name="Evented")
    estimate = client.Estimate.create(customer=customer.id, items=[{"name": "Survey", "unit_cost": 75}], sent=True)
    guest = _guest(stack, business, estimate)
    page = guest.get(f"/account/estimates/{estimate.id}")
    guest.post(f"/account/estimates/{estimate.id}/decline",
               data={"csrf_token": csrf_of(page), "version": "1", "kind": "declined", "reason": "Not now"})  # fmt: skip
    listed = _api(business, client, "GET", "/events", params={"related_to": f"estimate,{estimate.id}"})
    assert listed.status_code == 200
    events = listed.json()
    assert [e["type"] for e in events] == ["estimate.declined", "estimate.viewed", "estimate.created"]
    declined = events[0]
    assert declined["data"]["object"]["object"] == "estimate" and declined["data"]["object"]["status"] == "declined"
    assert declined["data"]["object"]["decision"]["reason"] == "Not now"
    assert declined["data"]["object"]["url"] is None and estimate.url.rsplit("/", 1)[1] not in listed.text
    assert declined["user"]["customer"] == customer.id
