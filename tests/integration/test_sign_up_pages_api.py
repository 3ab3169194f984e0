"""/api/sign_up_pages through the real `invoiced` client, and customers' sign_up_url."""

from __future__ import annotations

import httpx
import invoiced
import pytest

from devtools.stack import Stack
from tests.conftest import Business, client_for
from tests.integration.portal_client import portal
from tests.integration.sign_up_support import make_plan


def test_sign_up_pages_are_created_read_updated_listed_and_deleted(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    make_plan(stack, business, "starter", "jpy", 1200)
    make_plan(stack, business, "office", "kwd", 12345)
    page = client.SignUpPage.create(
        name="Join Acme", plans=["starter", "office"], trial_period_days=14, has_quantity=True,
        billing_address=True, thanks_text="Welcome aboard!", tos_url="https://acme.example/tos",
    )  # fmt: skip
    assert page.object == "sign_up_page" and page.name == "Join Acme" and page.type == "recurring"
    assert [p["id"] for p in page.plans] == ["starter", "office"]
    assert page.plans[0]["object"] == "plan" and page.plans[0]["amount"] == 1200
    assert page.plans[1]["amount"] == pytest.approx(12.345) and page.plans[1]["currency"] == "kwd"
    assert page.url.startswith(stack.portal_url(business.username) + "/pages/")
    token = page.url.rsplit("/", 1)[1]
    assert len(token) >= 30 and str(page.id) not in token
    assert page.is_default is True and page.trial_period_days == 14 and page.billing_address is True

    fetched = client.SignUpPage.retrieve(page.id)
    assert fetched.url == page.url and fetched.thanks_text == "Welcome aboard!"
    fetched.name = "Join Acme today"
    fetched.plans = ["office"]
    fetched.save()
    again = client.SignUpPage.retrieve(page.id)
    assert again.name == "Join Acme today" and [p["id"] for p in again.plans] == ["office"]
    assert again.has_quantity is True and again.url == page.url

    second = client.SignUpPage.create(name="Second", plans=["starter"])
    assert second.is_default is False
    listed, meta = client.SignUpPage.list()
    assert [p.id for p in listed] == [page.id, second.id] and meta.total_count == 2
    assert [p["id"] for p in listed[1].plans] == ["starter"]

    path = second.url.split(stack.portal_url(business.username))[1]
    with portal(stack, business) as browser:
        assert browser.get(path).status_code == 200
        assert second.delete() is True
        with pytest.raises(invoiced.errors.InvalidRequestError):
            client.SignUpPage.retrieve(second.id)
        gone = browser.get(path)
        assert gone.status_code == 404 and "no longer available" in gone.text


def test_bad_sign_up_pages_are_400s_naming_the_field(stack: Stack, business: Business) -> None:
    make_plan(stack, business, "basic", "usd", 1000)
    with httpx.Client(base_url=f"http://localhost:{stack.http_port}/api", auth=(business.api_key, "")) as api:
        cases = [
            ({"plans": ["basic"]}, "name"),
            ({"name": "X", "plans": ["nope"]}, "plans[0]"),
            ({"name": "X", "plans": []}, "plans"),
            ({"name": "X", "plans": ["basic"], "trial_period_days": -1}, "trial_period_days"),
            ({"name": "X", "plans": ["basic"], "type": "weekly"}, "type"),
            ({"name": "X", "plans": ["basic"], "custom_fields": [{"name": "x"}]}, "custom_fields"),
            ({"name": "X", "plans": ["basic"], "colour": "red"}, "colour"),
        ]
        for body, param in cases:
            refused = api.post("/sign_up_pages", json=body)
            assert refused.status_code == 400, (body, refused.text)
            assert refused.json()["param"] == param, (body, refused.json())
        assert api.get("/sign_up_pages").json() == []
        assert api.get("/sign_up_pages/12345").status_code == 404


def test_other_businesses_see_none_of_a_businesss_pages(
    stack: Stack, business: Business, other_business: Business, client: invoiced.Client
) -> None:
    make_plan(stack, business, "basic", "usd", 1000)
    page = client.SignUpPage.create(name="Mine", plans=["basic"])
    other = client_for(stack, other_business)
    with pytest.raises(invoiced.errors.InvalidRequestError):
        other.SignUpPage.retrieve(page.id)
    assert other.SignUpPage.list()[0] == []
    path = page.url.split(stack.portal_url(business.username))[1]
    with portal(stack, business) as browser:
        assert browser.get(path).status_code == 200
    with portal(stack, other_business) as browser:
        assert browser.get(path).status_code == 404


def test_customers_get_a_sign_up_url_once_the_business_has_a_default_page(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    customer = client.Customer.create(name="Globex", email="ap@globex.example")
    assert customer.sign_up_url is None and customer.sign_up_page is None
    make_plan(stack, business, "basic", "usd", 1000)
    page = client.SignUpPage.create(name="Join", plans=["basic"])
    fetched = client.Customer.retrieve(customer.id)
    assert fetched.sign_up_page == page.id
    prefix = stack.portal_url(business.username) + "/sign_up/"
    assert fetched.sign_up_url.startswith(prefix)
    token = fetched.sign_up_url[len(prefix) :]
    assert str(customer.id) not in token and len(token) >= 20
    listed, _ = client.Customer.list()
    assert [c.sign_up_url for c in listed] == [fetched.sign_up_url]
    other = client.Customer.create(name="Initech")
    assert other.sign_up_url.startswith(prefix) and other.sign_up_url != fetched.sign_up_url
    page.delete()
    assert client.Customer.retrieve(customer.id).sign_up_url is None
