"""Every document URL honours the business's require_sign_in setting, the PDF link included."""

from __future__ import annotations

import httpx
import invoiced

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import portal, session_cookie, sign_in


def api(stack: Stack, business: Business) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, ""))


def path_of(url: str, stack: Stack) -> str:
    return url.split(f":{stack.http_port}", 1)[1]


def test_the_pdf_link_is_the_credential_when_no_sign_in_is_required(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    customer = client.Customer.create(name="Open Co")
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Work", "unit_cost": 10}], sent=True)
    with portal(stack, business) as browser:
        pdf = browser.get(path_of(invoice.pdf_url, stack))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert session_cookie(pdf) is None  # fetching the document starts no session
        assert browser.get(path_of(invoice.pdf_url, stack).replace("/invoices/", "/invoices/x")).status_code == 404


def test_require_sign_in_covers_the_pdf_link(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    with api(stack, business) as business_api:
        assert business_api.patch("/portal_settings", json={"require_sign_in": True}).status_code == 200
    email = f"pdf-{business.username}@example.com"
    customer = client.Customer.create(name="Strict Co", email=email)
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Work", "unit_cost": 10}], sent=True)
    stranger_email = f"stranger-{business.username}@example.com"
    client.Customer.create(name="Stranger Co", email=stranger_email)
    pdf_link = path_of(invoice.pdf_url, stack)
    with portal(stack, business) as browser:
        refused = browser.get(pdf_link)
        assert refused.status_code == 303
        assert refused.headers["location"] == "/?return_to=" + pdf_link
        assert b"%PDF" not in refused.content and session_cookie(refused) is None
        assert sign_in(browser, smtp_sink, stranger_email).status_code == 303
        assert browser.get(pdf_link).status_code == 303  # another customer's sign-in does not open it
    with portal(stack, business) as browser:
        assert sign_in(browser, smtp_sink, email).status_code == 303
        pdf = browser.get(pdf_link)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
