"""Plans and subscriptions through the real `invoiced` client against the running stack: Invoiced's shapes (money
as major-unit decimals, JPY and KWD), the Manage Subscription url, cancel, lists, preview and refusals.

The client sends and parses JSON numbers as floats; the gateway reads them exactly (12.345 → 12345 fils)."""

from __future__ import annotations

import time

import httpx
import invoiced
import pytest

from devtools.stack import Stack
from tests.conftest import Business, client_for


def _api(business: Business, client: invoiced.Client, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(method, f"{client.api_url}{path}", auth=(business.api_key, ""), timeout=30, **kwargs)  # type: ignore[arg-type]  # httpx keyword arguments


def _refused(error: pytest.ExceptionInfo[invoiced.errors.InvalidRequestError], status: int, param: str | None) -> str:
    assert error.value.status_code == status
    assert error.value.error.get("param") == param, error.value.error
    return str(error.value.error["message"])


def test_plans_crud_in_invoiceds_shape(client: invoiced.Client, business: Business) -> None:
    plan = client.Plan.create(id="kwd-gold", name="Gold", currency="KWD", amount=12.345, interval="month")
    assert (plan.id, plan.object, plan.currency, plan.amount, plan.interval, plan.interval_count) == (
        "kwd-gold", "plan", "kwd", 12.345, "month", 1,
    )  # fmt: skip
    assert plan.pricing_mode == "per_unit" and plan.metadata == {} and plan.tiers is None
    generated = client.Plan.create(name="Yen yearly", currency="jpy", amount=120000, interval="year", interval_count=2)
    assert generated.id.startswith("plan-") and generated.amount == 120000 and generated.interval_count == 2

    fetched = client.Plan.retrieve("kwd-gold")
    fetched.name = "Gold (KWD)"
    fetched.metadata = {"tier": "gold"}
    fetched.save()
    again = client.Plan.retrieve("kwd-gold")
    assert again.name == "Gold (KWD)" and again.metadata["tier"] == "gold" and again.amount == 12.345

    again.amount = 13
    with pytest.raises(invoiced.errors.InvalidRequestError) as fixed:
        again.save()
    assert "cannot change after it is created" in _refused(fixed, 400, "amount")
    with pytest.raises(invoiced.errors.InvalidRequestError) as duplicate:
        client.Plan.create(id="kwd-gold", name="Again", currency="kwd", amount=1, interval="month")
    assert "already exists" in _refused(duplicate, 400, "id")
    with pytest.raises(invoiced.errors.InvalidRequestError) as finer:
        client.Plan.create(name="Fine", currency="jpy", amount=1.5, interval="month")
    _refused(finer, 400, "amount")

    listed, meta = client.Plan.list()
    assert [p.id for p in listed] == ["kwd-gold", generated.id] and meta.total_count == 2
    assert client.Plan.retrieve(generated.id).delete() is True
    with pytest.raises(invoiced.errors.InvalidRequestError) as gone:
        client.Plan.retrieve(generated.id)
    assert gone.value.status_code == 404


def test_subscription_lifecycle_through_the_invoiced_client(
    client: invoiced.Client, business: Business, stack: Stack
) -> None:
    customer = client.Customer.create(name="Sub Scriber", email=f"subs-{business.username}@example.com")
    client.Plan.create(id="kwd-seat", name="Seat", currency="kwd", amount=12.345, interval="month")
    client.Plan.create(id="kwd-support", name="Support", currency="kwd", amount=0.5, interval="month")
    start = int(time.time()) + 10 * 86400
    sub = client.Subscription.create(
        customer=customer.id, plan="kwd-seat", quantity=2, start_date=start,
        addons=[{"plan": "kwd-support", "quantity": 3}], metadata={"crm": "A-7"},
    )  # fmt: skip
    assert (sub.object, sub.customer, sub.plan, sub.quantity, sub.status) == (
        "subscription", customer.id, "kwd-seat", 2, "not_started",
    )  # fmt: skip
    assert sub.recurring_total == 26.19 and sub.mrr == 26.19  # 2 × 12.345 + 3 × 0.500
    assert (sub.start_date, sub.period_start, sub.cycles, sub.canceled_at, sub.amount) == (
        start,
        start,
        None,
        None,
        None,
    )
    assert sub.period_end > start + 27 * 86400
    prefix = f"http://{business.username}.localhost:{stack.http_port}/subscriptions/"
    assert sub.url.startswith(prefix) and len(sub.url[len(prefix) :]) >= 32
    [addon] = sub.addons
    assert (addon["object"], addon["plan"], addon["quantity"], addon["amount"]) == (
        "subscription_addon",
        "kwd-support",
        3,
        None,
    )

    fetched = client.Subscription.retrieve(sub.id)
    assert fetched.url == sub.url and fetched.recurring_total == 26.19
    fetched.quantity = 3
    fetched.amount = 10.001
    fetched.save()
    assert (fetched.quantity, fetched.amount, fetched.recurring_total) == (3, 10.001, 31.503)
    fetched.amount = None
    fetched.save()
    assert fetched.amount is None and fetched.recurring_total == 38.535

    other = client.Subscription.create(customer=customer.id, plan="kwd-seat")
    assert other.status == "active"
    listed, meta = client.Subscription.list(filter={"customer": customer.id})
    assert [s.id for s in listed] == [sub.id, other.id] and meta.total_count == 2
    page, meta = client.Subscription.list(per_page=1, page=2)
    assert [s.id for s in page] == [other.id] and set(meta.links) >= {"self", "first", "previous", "last"}

    canceled = client.Subscription.retrieve(other.id)
    assert canceled.cancel() is True
    assert canceled.status == "canceled" and abs(canceled.canceled_at - time.time()) < 60
    reason = _api(business, client, "DELETE", f"/subscriptions/{sub.id}", params={"canceled_reason": "Moving on"})
    assert reason.status_code == 200 and reason.json()["canceled_reason"] == "Moving on"
    live, meta = client.Subscription.list()
    assert live == [] and meta.total_count == 0
    ended, _ = client.Subscription.list(canceled=True)
    assert sorted(s.id for s in ended) == sorted([sub.id, other.id])
    assert client.Subscription.retrieve(other.id).status == "canceled"  # never erased
    finished, _ = client.Subscription.list(finished=True)
    assert finished == []

    with pytest.raises(invoiced.errors.InvalidRequestError) as after_cancel:
        gone = client.Subscription.retrieve(other.id)
        gone.quantity = 5
        gone.save()
    assert "canceled" in _refused(after_cancel, 400, "id")


def test_bad_subscription_input_is_a_400_naming_the_field(client: invoiced.Client, business: Business) -> None:
    customer = client.Customer.create(name="Picky")
    client.Plan.create(id="usd-basic", name="Basic", currency="usd", amount=10, interval="month")
    client.Plan.create(id="jpy-extra", name="Extra", currency="jpy", amount=100, interval="month")
    cases = [
        ({"customer": customer.id, "plan": "nope"}, "plan", "No such plan"),
        ({"customer": customer.id, "plan": "usd-basic", "quantity": 0}, "quantity", ""),
        ({"customer": customer.id, "plan": "usd-basic", "quantity": 1.5}, "quantity", ""),
        (
            {"customer": customer.id, "plan": "usd-basic", "addons": [{"plan": "jpy-extra"}]},
            "addons[0].plan",
            "currency",
        ),
        ({"customer": 999999999, "plan": "usd-basic"}, "customer", "No such customer"),
        ({"customer": customer.id, "plan": "usd-basic", "amount": "12"}, "amount", ""),
        ({"customer": customer.id, "plan": "usd-basic", "discounts": [{"amount": 1}]}, "discounts", ""),
    ]
    for fields, param, words in cases:
        with pytest.raises(invoiced.errors.InvalidRequestError) as refused:
            client.Subscription.create(**fields)
        assert words in _refused(refused, 400, param)
    assert client.Subscription.list()[1].total_count == 0


def test_another_business_sees_no_subscription_plan_or_customer_of_this_one(
    client: invoiced.Client, business: Business, other_business: Business, stack: Stack
) -> None:
    customer = client.Customer.create(name="Mine")
    client.Plan.create(id="shared-name", name="Gold", currency="usd", amount=10, interval="month")
    sub = client.Subscription.create(customer=customer.id, plan="shared-name")
    other = client_for(stack, other_business)
    for call in (lambda: other.Subscription.retrieve(sub.id), lambda: other.Plan.retrieve("shared-name")):
        with pytest.raises(invoiced.errors.InvalidRequestError) as missing:
            call()
        assert missing.value.status_code == 404
    response = _api(other_business, other, "DELETE", f"/subscriptions/{sub.id}")
    assert response.status_code == 404
    other.Plan.create(id="shared-name", name="Theirs", currency="usd", amount=10, interval="month")
    with pytest.raises(invoiced.errors.InvalidRequestError) as foreign:
        other.Subscription.create(customer=customer.id, plan="shared-name")
    _refused(foreign, 400, "customer")
    assert client.Subscription.retrieve(sub.id).status == "active"


def test_preview_through_the_client_creates_nothing(client: invoiced.Client, business: Business) -> None:
    customer = client.Customer.create(name="Curious")
    client.Plan.create(id="jpy-monthly", name="Monthly", currency="jpy", amount=1000, interval="month")
    client.Plan.create(id="jpy-seat", name="Seat", currency="jpy", amount=333, interval="month")
    # invoiced.Subscription(client).preview, not client.Subscription.preview: the client rewrites the shared
    # collection's path on preview (see docs/invoiced-api.md §7.7).
    preview = invoiced.Subscription(client).preview(
        plan="jpy-monthly", customer=customer.id, quantity=3, addons=[{"plan": "jpy-seat", "quantity": 2}]
    )
    assert preview["recurring_total"] == 3666 and preview["mrr"] == 3666
    first = preview["first_invoice"]
    assert first["id"] is None and first["object"] == "invoice" and first["currency"] == "jpy"
    assert [(i["plan"], i["quantity"], i["unit_cost"], i["amount"]) for i in first["items"]] == [
        ("jpy-monthly", 3, 1000, 3000), ("jpy-seat", 2, 333, 666),
    ]  # fmt: skip
    assert first["total"] == 3666 and first["customer"] == customer.id
    weekly = client.Plan.create(id="kwd-weekly", name="Weekly", currency="kwd", amount=1.001, interval="week")
    assert (
        invoiced.Subscription(client).preview(plan=weekly.id)["mrr"] == 4.353
    )  # 1001 fils × 30.4375 / 7 = 4352.56 fils
    with pytest.raises(invoiced.errors.InvalidRequestError) as refused:
        invoiced.Subscription(client).preview(plan="nope")
    _refused(refused, 400, "plan")
    assert client.Subscription.list()[1].total_count == 0


def _subscription_events(client: invoiced.Client, subscription_id: int, count: int) -> list[invoiced.Event]:
    """The subscription's events once `count` have arrived (they travel subscriptions → broker → billing)."""
    deadline = time.monotonic() + 60
    while True:
        found, _ = client.Event.list(related_to=f"subscription,{subscription_id}")
        if len(found) >= count or time.monotonic() > deadline:
            return list(found)
        time.sleep(0.3)


def test_subscription_changes_reach_the_event_log_through_the_broker(
    client: invoiced.Client, business: Business
) -> None:
    customer = client.Customer.create(name="Logged")
    client.Plan.create(id="usd-logged", name="Logged", currency="usd", amount=12.5, interval="month")
    sub = client.Subscription.create(customer=customer.id, plan="usd-logged", quantity=2)
    sub.quantity = 3
    sub.save()
    sub.cancel()

    events = _subscription_events(client, sub.id, 3)
    assert [e.type for e in events] == ["subscription.canceled", "subscription.updated", "subscription.created"]
    canceled, updated, created = (e.data for e in events)
    assert created["object"]["id"] == sub.id and created["object"]["object"] == "subscription"
    assert created["object"]["recurring_total"] == 25 and created["object"]["url"] is None  # no bearer link in the log
    assert "previous" not in created
    assert updated["object"]["quantity"] == 3 and updated["previous"]["quantity"] == 2
    assert updated["previous"]["recurring_total"] == 25 and updated["object"]["recurring_total"] == 37.5
    assert canceled["object"]["status"] == "canceled" and canceled["previous"]["status"] == "active"
    assert all(e.user["type"] == "api" for e in events)
    by_customer, _ = client.Event.list(related_to=f"customer,{customer.id}")
    assert {e.type for e in by_customer} >= {"subscription.created", "subscription.updated", "subscription.canceled"}
