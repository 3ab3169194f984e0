"""Business B never sees business A's data, and unknown hosts answer 404."""

from __future__ import annotations

import httpx
import invoiced
import pytest

from devtools.stack import Stack
from tests.conftest import Business, client_for


def test_other_business_gets_the_same_404_as_a_missing_id(
    stack: Stack, business: Business, other_business: Business
) -> None:
    mine = client_for(stack, business)
    theirs = client_for(stack, other_business)
    customer = mine.Customer.create(name="Private Co")
    invoice = mine.Invoice.create(customer=customer.id, items=[{"name": "Secret", "unit_cost": 5}])
    base = f"http://127.0.0.1:{stack.http_port}/api"

    def get(path: str) -> httpx.Response:
        return httpx.get(base + path, auth=(other_business.api_key, ""))

    for kind, real_id in (("customers", customer.id), ("invoices", invoice.id)):
        foreign, missing = get(f"/{kind}/{real_id}"), get(f"/{kind}/{real_id + 1 if real_id < 2**53 - 2 else 1}")
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["message"].replace(str(real_id), "ID") == missing.json()["message"].replace(
            str(real_id + 1 if real_id < 2**53 - 2 else 1), "ID"
        )
    with pytest.raises(invoiced.errors.InvalidRequestError):
        theirs.Invoice.retrieve(invoice.id)
    assert theirs.Customer.list()[1].total_count == 0
    assert theirs.Invoice.list()[1].total_count == 0
    with pytest.raises(invoiced.errors.InvalidRequestError):
        theirs.Invoice.create(customer=customer.id, items=[{"name": "steal", "unit_cost": 1}])


def test_invoice_link_works_only_on_its_own_business_host(
    stack: Stack, business: Business, other_business: Business
) -> None:
    mine = client_for(stack, business)
    customer = mine.Customer.create(name="Linked")
    invoice = mine.Invoice.create(customer=customer.id, items=[{"name": "Thing", "unit_cost": 12.5}])
    path = invoice.url.split(f":{stack.http_port}", 1)[1]
    url = f"http://127.0.0.1:{stack.http_port}{path}"
    own = httpx.get(url, headers={"Host": f"{business.username}.localhost"}, follow_redirects=True)
    assert own.status_code == 200 and invoice.number in own.text
    foreign = httpx.get(url, headers={"Host": f"{other_business.username}.localhost"}, follow_redirects=True)
    assert foreign.status_code == 404 and invoice.number not in foreign.text
    forged = httpx.get(url[:-4] + "AAAA", headers={"Host": f"{business.username}.localhost"})
    assert forged.status_code == 404


def test_unknown_subdomain_is_404_and_the_base_domain_has_a_landing_page(stack: Stack) -> None:
    url = f"http://127.0.0.1:{stack.http_port}/"
    unknown = httpx.get(url, headers={"Host": "nobody-here.localhost"})
    assert unknown.status_code == 404
    assert "no billing portal" in unknown.text.lower()
    landing = httpx.get(url, headers={"Host": "localhost"})
    assert landing.status_code == 200 and "Billing Portal" in landing.text


def test_portal_home_is_branded_and_secured(stack: Stack, business: Business) -> None:
    home = httpx.get(f"http://127.0.0.1:{stack.http_port}/", headers={"Host": f"{business.username}.localhost"})
    assert home.status_code == 200
    assert business.display_name in home.text
    assert 'type="email"' in home.text
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert home.headers["x-content-type-options"] == "nosniff"
    css = httpx.get(f"http://127.0.0.1:{stack.http_port}/static/portal.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
