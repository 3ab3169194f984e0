"""The customer's Subscriptions pages and "Manage Subscription" links against the running stack: the business's
subscription settings (`/api/subscription_settings`) enforced on the server, each by posting the forbidden form
anyway; link scopes; the preview before a change; the full-sign-in step-up for guests."""

from __future__ import annotations

from typing import Any

import httpx
import invoiced

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import csrf_of, link_path, portal, session_cookie, sign_in


def api(stack: Stack, business: Business) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, ""), timeout=30)


def path_of(url: str, stack: Stack) -> str:
    return url.split(f":{stack.http_port}", 1)[1]


def subscribed(
    stack: Stack, business: Business, client: invoiced.Client, email: str, quantity: int = 2, plans: int = 1
) -> tuple[int, list[dict[str, Any]]]:
    """A customer with `plans` subscriptions (to plans basic, …, all USD 10.00 a month), through the API."""
    customer = client.Customer.create(name="Subscriber Co", email=email)
    subscriptions = []
    with api(stack, business) as business_api:
        for plan_id in ("basic", "plus", "pro")[:plans]:
            if business_api.get(f"/plans/{plan_id}").status_code == 404:
                plan = {"id": plan_id, "name": plan_id.title(), "currency": "usd", "amount": 10, "interval": "month"}
                assert business_api.post("/plans", json=plan).status_code == 201
            created = business_api.post("/subscriptions", json={"customer": customer.id, "plan": plan_id,
                                                                "quantity": quantity})  # fmt: skip
            assert created.status_code == 201, created.text
            subscriptions.append(created.json())
    return int(customer.id), subscriptions


def settings(stack: Stack, business: Business, **values: Any) -> dict[str, Any]:
    with api(stack, business) as business_api:
        changed = business_api.patch("/subscription_settings", json=values)
    assert changed.status_code == 200, changed.text
    return dict(changed.json())


def test_subscription_settings_api_defaults_partial_updates_and_refusals(stack: Stack, business: Business) -> None:
    with api(stack, business) as business_api:
        defaults = business_api.get("/subscription_settings").json()
        assert defaults == {
            "id": "subscription_settings", "object": "subscription_settings", "allow_cancel": True,
            "allow_cancel_now": False, "allow_plan_change": False, "switchable_plans": [],
            "allow_quantity_change": True, "min_quantity": 1, "max_quantity": 0, "allow_pause": False,
            "require_full_sign_in": True, "manage_link_scope": "subscription", "past_due_days": 14,
            "past_due_action": "keep",
        }  # fmt: skip
        changed = business_api.patch("/subscription_settings", json={"max_quantity": 9, "past_due_action": "cancel"})
        assert changed.status_code == 200
        assert (changed.json()["max_quantity"], changed.json()["past_due_action"]) == (9, "cancel")
        assert changed.json()["allow_cancel"] is True  # untouched
        for body, param in (
            ({"switchable_plans": ["no-such-plan"]}, "switchable_plans"),
            ({"manage_link_scope": "everything"}, "manage_link_scope"),
            ({"min_quantity": 0}, "min_quantity"),
            ({"past_due_days": 1.5}, "past_due_days"),
            ({"allow_pause": "yes"}, "allow_pause"),
            ({"colour": "red"}, "colour"),
        ):
            refused = business_api.patch("/subscription_settings", json=body)
            assert refused.status_code == 400, body
            assert refused.json()["param"] == param and refused.json()["message"], refused.json()
        assert business_api.get("/subscription_settings").json()["max_quantity"] == 9
    spec = httpx.get(f"http://127.0.0.1:{stack.http_port}/api/openapi.json").json()
    assert {"get", "patch"} <= set(spec["paths"]["/api/subscription_settings"])


def test_a_manage_link_opens_a_guest_session_on_that_subscription_only(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    _, (one, other) = subscribed(stack, business, client, f"manage-{business.username}@example.com", plans=2)
    link = path_of(one["url"], stack)
    assert link.startswith("/subscriptions/")
    with portal(stack, business) as browser:
        landed = browser.get(link)
        assert landed.status_code == 303 and landed.headers["location"] == f"/account/subscriptions/{one['id']}"
        assert landed.headers["referrer-policy"] == "no-referrer" and session_cookie(landed)
        page = browser.get(landed.headers["location"])
        assert page.status_code == 200 and "Basic" in page.text and "$20.00" in page.text
        assert 'href="/account/payment-methods"' in page.text
        assert browser.get(f"/account/subscriptions/{other['id']}").status_code == 403  # outside the link's scope
        assert browser.get("/account/subscriptions").headers["location"] == f"/account/subscriptions/{one['id']}"
        assert browser.get("/").headers["location"] == f"/account/subscriptions/{one['id']}"
        assert browser.get("/account/invoices/1").status_code == 403
        wallet = browser.get("/account/payment-methods")  # the step-up, coming back to the payment methods
        assert wallet.status_code == 403 and 'name="return_to" value="/account/payment-methods"' in wallet.text
    with portal(stack, business) as browser:
        for bad in (link + "x", "/subscriptions/" + "x" * 101, f"/subscriptions/{other['url'].rsplit('/', 1)[1][:-2]}"):
            missing = browser.get(bad)
            assert missing.status_code == 404 and "not valid" in missing.text and session_cookie(missing) is None


def test_account_scope_links_see_every_subscription_of_the_account(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    settings(stack, business, manage_link_scope="account")
    _, (one, other) = subscribed(stack, business, client, f"acct-{business.username}@example.com", plans=2)
    with portal(stack, business) as browser:
        landed = browser.get(path_of(one["url"], stack))
        assert landed.headers["location"] == f"/account/subscriptions/{one['id']}"
        listing = browser.get("/account/subscriptions")
        assert listing.status_code == 200 and f"subscription-{one['id']}" in listing.text
        assert f"subscription-{other['id']}" in listing.text and "Plus" in listing.text
        assert browser.get(f"/account/subscriptions/{other['id']}").status_code == 200


def test_every_setting_is_enforced_on_the_server_when_the_form_is_posted_anyway(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    email = f"forms-{business.username}@example.com"
    _, (sub,) = subscribed(stack, business, client, email, quantity=2)
    settings(stack, business, max_quantity=3)
    with portal(stack, business) as browser:
        assert sign_in(browser, smtp_sink, email).status_code == 303
        page = browser.get(f"/account/subscriptions/{sub['id']}")
        csrf = csrf_of(page)
        assert 'max="3"' in page.text and 'id="cancel"' in page.text and 'id="pause"' not in page.text
        base = f"/account/subscriptions/{sub['id']}"
        for path, form, message in (
            ("/preview", {"quantity": "4"}, "between 1 and 3"),
            ("/change", {"quantity": "4"}, "between 1 and 3"),
            ("/change", {"plan": "basic-gold"}, "change plans"),
            ("/cancel", {"when": "now"}, "end of the current period"),
            ("/pause", {"paused": "1"}, "pause"),
        ):
            refused = browser.post(base + path, data={**form, "csrf_token": csrf})
            assert refused.status_code == 403 and message in refused.text, (path, form)
            assert 'id="refusal"' in refused.text
        settings(stack, business, allow_quantity_change=False, allow_cancel=False)
        for path, form in (("/change", {"quantity": "3"}), ("/cancel", {"when": "period_end"})):
            refused = browser.post(base + path, data={**form, "csrf_token": csrf})
            assert refused.status_code == 403 and "does not let customers" in refused.text
        unchecked = browser.post(base + "/change", data={"quantity": "3"})  # no CSRF token
        assert unchecked.status_code == 403 and "This form has expired" in unchecked.text
        shown = browser.get(base)
        assert 'id="change"' not in shown.text and 'id="cancel"' not in shown.text
    with api(stack, business) as business_api:
        kept = business_api.get(f"/subscriptions/{sub['id']}").json()
    assert (kept["quantity"], kept["status"], kept["cancel_at_period_end"]) == (2, "active", False)


def test_a_signed_in_customer_previews_then_changes_cancels_and_pauses(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    email = f"change-{business.username}@example.com"
    _, (sub,) = subscribed(stack, business, client, email, quantity=2)
    with api(stack, business) as business_api:
        business_api.post("/plans", json={"id": "gold", "name": "Gold", "currency": "usd", "amount": 25,
                                          "interval": "month"})  # fmt: skip
    settings(stack, business, allow_plan_change=True, switchable_plans=["basic", "gold"], allow_pause=True)
    base = f"/account/subscriptions/{sub['id']}"
    with portal(stack, business) as browser:
        assert sign_in(browser, smtp_sink, email).status_code == 303
        listing = browser.get("/account/subscriptions")
        assert listing.status_code == 200 and "Basic" in listing.text and "$20.00" in listing.text
        page = browser.get(base)
        assert '<option value="gold">' in page.text
        preview = browser.post(base + "/preview", data={"plan": "gold", "quantity": "3", "csrf_token": csrf_of(page)})
        assert preview.status_code == 200 and "Confirm the change" in preview.text
        assert (
            "Gold × 3" in preview.text and "$75.00 per period" in preview.text and "Your next invoice" in preview.text
        )
        with api(stack, business) as business_api:
            assert business_api.get(f"/subscriptions/{sub['id']}").json()["quantity"] == 2  # a preview changes nothing
        confirmed = browser.post(
            base + "/change", data={"plan": "gold", "quantity": "3", "csrf_token": csrf_of(preview)}
        )
        assert confirmed.status_code == 303 and confirmed.headers["location"] == base + "?done=changed"
        changed = browser.get(confirmed.headers["location"])
        assert "Your subscription was changed." in changed.text and "Gold" in changed.text and "$75.00" in changed.text
        paused = browser.post(base + "/pause", data={"paused": "1", "csrf_token": csrf_of(changed)})
        assert paused.status_code == 303
        shown = browser.get(paused.headers["location"])
        assert "None while paused" in shown.text and "Resume subscription" in shown.text
        resumed = browser.post(base + "/pause", data={"paused": "0", "csrf_token": csrf_of(shown)})
        ending = browser.post(base + "/cancel", data={"when": "period_end", "reason": "Moving on",
                                                       "csrf_token": csrf_of(browser.get(resumed.headers["location"]))})  # fmt: skip
        assert ending.status_code == 303
        assert "nothing more will be billed" in browser.get(ending.headers["location"]).text
    with api(stack, business) as business_api:
        final = business_api.get(f"/subscriptions/{sub['id']}").json()
    assert (final["plan"], final["quantity"], final["cancel_at_period_end"]) == ("gold", 3, True)


def test_a_guest_needs_the_full_sign_in_step_up_for_what_costs_money_unless_the_business_turns_it_off(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    email = f"stepup-{business.username}@example.com"
    _, (sub,) = subscribed(stack, business, client, email, quantity=2)
    base = f"/account/subscriptions/{sub['id']}"
    with portal(stack, business) as browser:
        page = browser.get(browser.get(path_of(sub["url"], stack)).headers["location"])
        csrf = csrf_of(page)
        preview = browser.post(base + "/preview", data={"quantity": "5", "csrf_token": csrf})
        assert (
            preview.status_code == 200 and 'id="step-up"' in preview.text and 'id="confirm-change"' not in preview.text
        )
        for path, form in (("/change", {"quantity": "5"}), ("/cancel", {"when": "period_end"})):
            stepped = browser.post(base + path, data={**form, "csrf_token": csrf})
            assert stepped.status_code == 403 and "Sign in for full access" in stepped.text
            assert f'name="return_to" value="{base}"' in stepped.text
        cheaper = browser.post(base + "/change", data={"quantity": "1", "csrf_token": csrf})
        assert cheaper.status_code == 303  # costs less: no step-up
        seen = {m.id for m in smtp_sink.messages()}
        asked = browser.post("/account/full-sign-in", data={"return_to": base, "csrf_token": csrf})
        assert asked.status_code == 303
        emailed = smtp_sink.wait_for(lambda m: m.id not in seen and email in m.to, timeout=30)[-1]
        path = link_path(emailed)
        signed_in = browser.post(path, data={"csrf_token": csrf_of(browser.get(path))})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == base
        after = browser.get(base)
        done = browser.post(base + "/change", data={"quantity": "5", "csrf_token": csrf_of(after)})
        assert done.status_code == 303
    settings(stack, business, require_full_sign_in=False)
    with portal(stack, business) as browser:
        page = browser.get(browser.get(path_of(sub["url"], stack)).headers["location"])
        allowed = browser.post(base + "/change", data={"quantity": "6", "csrf_token": csrf_of(page)})
        assert allowed.status_code == 303
    with api(stack, business) as business_api:
        assert business_api.get(f"/subscriptions/{sub['id']}").json()["quantity"] == 6


def test_a_link_opens_nothing_on_another_business_host_and_amounts_show_in_the_plans_currency(
    stack: Stack, business: Business, other_business: Business, client: invoiced.Client
) -> None:
    customer = client.Customer.create(name="Fils Co", email=f"kwd-{business.username}@example.com")
    with api(stack, business) as business_api:
        plan = {"id": "kwd-monthly", "name": "Dinar plan", "currency": "kwd", "amount": 12.345, "interval": "month"}
        assert business_api.post("/plans", json=plan).status_code == 201
        created = business_api.post("/subscriptions", json={"customer": customer.id, "plan": "kwd-monthly",
                                                             "quantity": 3})  # fmt: skip
        assert created.status_code == 201
    link = path_of(created.json()["url"], stack)
    with portal(stack, other_business) as elsewhere:
        missing = elsewhere.get(link)
        assert missing.status_code == 404 and session_cookie(missing) is None
    with portal(stack, business) as browser:
        page = browser.get(browser.get(link).headers["location"])
        assert "37.035 KWD" in page.text and "Dinar plan" in page.text
