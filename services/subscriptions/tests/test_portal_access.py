"""AccountSubscriptionService and the subscription portal settings, against real billing (customers) and
PostgreSQL. Every setting is checked on the server: each test posts the change the setting forbids anyway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from portal.billing.v1 import customers_pb2, customers_pb2_grpc
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc as grpc_pb
from portal_kit.context import bound
from portal_kit.service_auth import SERVICE_NAME_ENV, token_env
from sqlmodel import col

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.billing.server import MIGRATIONS as BILLING_MIGRATIONS
from services.billing.server import build as build_billing
from services.billing.settings import BillingSettings
from services.subscriptions.portal_access.settings import PastDuePolicy, past_due_policy
from services.subscriptions.server import MIGRATIONS, build
from services.subscriptions.settings import SubscriptionsSettings
from services.subscriptions.subscriptions.models import Subscription
from services.subscriptions.subscriptions.repository import SubscriptionRepository

TENANT = "tenant-portal"
DENIED = grpc.StatusCode.PERMISSION_DENIED


@pytest.fixture
async def billing_service(service_databases: ServiceDatabases) -> AsyncIterator[RunningService]:
    settings = settings_for_test(BillingSettings, await service_databases.fresh("billing", BILLING_MIGRATIONS))
    async with running_service(settings, BILLING_MIGRATIONS, build_billing) as running:
        yield running


@pytest.fixture
async def service(
    service_databases: ServiceDatabases, billing_service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningService]:
    monkeypatch.setenv(SERVICE_NAME_ENV, "subscriptions")
    monkeypatch.setenv(token_env("subscriptions"), billing_service.tokens["subscriptions"])
    settings = settings_for_test(
        SubscriptionsSettings,
        await service_databases.fresh("subscriptions", MIGRATIONS),
        billing_addr=f"127.0.0.1:{billing_service.port}",
    )
    async with running_service(settings, MIGRATIONS, build) as running:
        yield running


@dataclass
class World:
    service: RunningService
    billing: RunningService
    account: grpc_pb.AccountSubscriptionServiceStub
    business: grpc_pb.SubscriptionServiceStub
    plans: plans_pb2_grpc.PlanServiceStub

    async def customer(self, name: str = "Ada", tenant: str = TENANT) -> int:
        stub = customers_pb2_grpc.CustomerServiceStub(self.billing.channel)
        with bound(tenant):
            reply = await stub.CreateCustomer(
                customers_pb2.CreateCustomerRequest(customer=customers_pb2.Customer(name=name))
            )
        return int(reply.customer.id)

    async def plan(self, plan_id: str, amount: int, currency: str = "usd", interval: str = "month") -> None:
        plan = plans_pb2.Plan(id=plan_id, name=plan_id.title(), currency=currency, amount=amount, interval=interval)
        with bound(TENANT):
            await self.plans.CreatePlan(plans_pb2.CreatePlanRequest(plan=plan))

    async def subscribe(self, customer: int, plan: str, quantity: int = 1, billed: bool = True) -> pb.Subscription:
        """A subscription started now; `billed`: its first period already invoiced (changes are prorated)."""
        given = pb.SubscriptionInput(customer=customer, plan=plan, quantity=quantity)
        with bound(TENANT):
            created = (
                await self.business.CreateSubscription(pb.CreateSubscriptionRequest(subscription=given))
            ).subscription
            if billed:
                async with self.service.db.unit_of_work() as session:
                    await SubscriptionRepository(session).update(
                        col(Subscription.id) == created.id, values={"cycles_billed": 1}
                    )
        return created

    async def settings(self, fields: list[str] | None = None, **values: object) -> pb.PortalSettings:
        with bound(TENANT):
            current = (await self.account.GetPortalSettings(pb.GetPortalSettingsRequest())).settings
            for name, value in values.items():
                if name == "switchable_plans":
                    del current.switchable_plans[:]
                    current.switchable_plans.extend(value)  # type: ignore[arg-type]
                else:
                    setattr(current, name, value)
            request = pb.UpdatePortalSettingsRequest(settings=current, fields=fields or list(values))
            return (await self.account.UpdatePortalSettings(request)).settings


@pytest.fixture
def world(service: RunningService, billing_service: RunningService) -> World:
    return World(
        service,
        billing_service,
        grpc_pb.AccountSubscriptionServiceStub(service.channel),
        grpc_pb.SubscriptionServiceStub(service.channel),
        plans_pb2_grpc.PlanServiceStub(service.channel),
    )


def customer(customer_id: int) -> str:
    return f"customer:{customer_id}"


def guest(customer_id: int, subscription_id: int | None = None) -> str:
    return f"guest:{customer_id}" + (f"/subscription:{subscription_id}" if subscription_id else "")


async def refused(call: object, code: grpc.StatusCode) -> tuple[str, str | None]:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call  # type: ignore[misc]
    assert failure.value.code() == code, failure.value.details()
    return failure.value.details() or "", dict(failure.value.trailing_metadata() or ()).get("x-portal-param")


async def test_defaults_and_partial_updates_of_the_settings(world: World) -> None:
    with bound(TENANT):
        defaults = (await world.account.GetPortalSettings(pb.GetPortalSettingsRequest())).settings
    assert (defaults.allow_cancel, defaults.allow_cancel_now, defaults.allow_plan_change) == (True, False, False)
    assert (defaults.allow_quantity_change, defaults.min_quantity, defaults.max_quantity) == (True, 1, 0)
    assert (defaults.allow_pause, defaults.require_full_sign_in, defaults.manage_link_scope) == (
        False,
        True,
        "subscription",
    )
    assert (defaults.past_due_days, defaults.past_due_action, list(defaults.switchable_plans)) == (14, "keep", [])
    await world.plan("basic", 1000)
    await world.plan("pro", 3000)
    changed = await world.settings(allow_plan_change=True, switchable_plans=["basic", "pro", "basic"], max_quantity=10)
    assert (changed.allow_plan_change, list(changed.switchable_plans), changed.max_quantity) == (
        True,
        ["basic", "pro"],
        10,
    )
    assert changed.allow_cancel and changed.past_due_days == 14  # untouched fields stay
    with bound("tenant-other"):
        other = (await world.account.GetPortalSettings(pb.GetPortalSettingsRequest())).settings
    assert not other.allow_plan_change and other.max_quantity == 0


async def test_bad_settings_are_refused_and_nothing_is_written(world: World) -> None:
    for values, param in (
        ({"switchable_plans": ["no-such-plan"]}, "switchable_plans"),
        ({"min_quantity": 0}, "min_quantity"),
        ({"min_quantity": 5, "max_quantity": 2}, "max_quantity"),
        ({"manage_link_scope": "everything"}, "manage_link_scope"),
        ({"past_due_days": -1}, "past_due_days"),
        ({"past_due_days": 366}, "past_due_days"),
        ({"past_due_action": "delete"}, "past_due_action"),
    ):
        message, got = await refused(world.settings(**values), grpc.StatusCode.INVALID_ARGUMENT)
        assert got == param and message, values
    with bound(TENANT):
        bad_field = world.account.UpdatePortalSettings(pb.UpdatePortalSettingsRequest(fields=["colour"]))
        assert (await refused(bad_field, grpc.StatusCode.INVALID_ARGUMENT))[1] == "colour"
        kept = (await world.account.GetPortalSettings(pb.GetPortalSettingsRequest())).settings
    assert (kept.min_quantity, kept.max_quantity, kept.past_due_days) == (1, 0, 14)


async def test_the_past_due_policy_for_the_billing_run(world: World) -> None:
    with bound(TENANT):
        async with world.service.db.unit_of_work() as session:
            assert await past_due_policy(session) == PastDuePolicy(14, "keep")
    await world.settings(past_due_days=30, past_due_action="cancel")
    with bound(TENANT):
        async with world.service.db.unit_of_work() as session:
            assert await past_due_policy(session) == PastDuePolicy(30, "cancel")


async def test_a_customer_lists_and_gets_its_own_subscriptions_with_the_next_bill(world: World) -> None:
    await world.plan("basic", 1000)
    ada, bob = await world.customer("Ada"), await world.customer("Bob")
    first = await world.subscribe(ada, "basic", quantity=3)
    second = await world.subscribe(ada, "basic", billed=False)
    theirs = await world.subscribe(bob, "basic")
    with bound(TENANT, customer(ada)):
        listed = (await world.account.ListAccountSubscriptions(pb.ListAccountSubscriptionsRequest())).subscriptions
        assert sorted(r.subscription.id for r in listed) == sorted([first.id, second.id])
        row = next(r for r in listed if r.subscription.id == first.id)
        assert (row.plan_name, row.subscription.quantity, row.next_bill_amount) == ("Basic", 3, 3000)
        assert row.next_bill_date == first.period_end and row.subscription.manage_token == ""
        unbilled = next(r for r in listed if r.subscription.id == second.id)
        assert unbilled.next_bill_date == second.period_start and unbilled.next_bill_amount == 1000
        shown = await world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=first.id))
        assert shown.row.subscription.recurring_total == 3000 and shown.settings.allow_cancel
        await refused(
            world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=theirs.id)),
            grpc.StatusCode.NOT_FOUND,
        )
    with bound("tenant-other", customer(ada)):
        none = await world.account.ListAccountSubscriptions(pb.ListAccountSubscriptionsRequest())
        assert list(none.subscriptions) == []
        await refused(
            world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=first.id)),
            grpc.StatusCode.NOT_FOUND,
        )
    with bound(TENANT):  # no principal: refused
        await refused(world.account.ListAccountSubscriptions(pb.ListAccountSubscriptionsRequest()), DENIED)


async def test_scopes_a_subscription_guest_sees_that_one_an_account_guest_all_an_invoice_guest_none(
    world: World,
) -> None:
    await world.plan("basic", 1000)
    ada = await world.customer()
    one, other = await world.subscribe(ada, "basic"), await world.subscribe(ada, "basic")
    with bound(TENANT, guest(ada, one.id)):
        listed = (await world.account.ListAccountSubscriptions(pb.ListAccountSubscriptionsRequest())).subscriptions
        assert [r.subscription.id for r in listed] == [one.id]
        await refused(
            world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=other.id)),
            grpc.StatusCode.NOT_FOUND,
        )
        await refused(
            world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=other.id, quantity=1)),
            grpc.StatusCode.NOT_FOUND,
        )
    with bound(TENANT, guest(ada)):
        listed = (await world.account.ListAccountSubscriptions(pb.ListAccountSubscriptionsRequest())).subscriptions
        assert len(listed) == 2
    with bound(TENANT, f"guest:{ada}/invoice:{one.id}"):
        assert (
            list((await world.account.ListAccountSubscriptions(pb.ListAccountSubscriptionsRequest())).subscriptions)
            == []
        )
        await refused(
            world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=one.id)), grpc.StatusCode.NOT_FOUND
        )


async def test_preview_shows_todays_proration_and_the_next_invoice_and_keeps_nothing(world: World) -> None:
    await world.plan("basic", 1000)
    ada = await world.customer()
    sub = await world.subscribe(ada, "basic", quantity=2)
    with bound(TENANT, customer(ada)):
        preview = await world.account.PreviewAccountChange(pb.AccountChangeRequest(id=sub.id, quantity=5))
        credit, charge = preview.proration_today.lines
        assert credit.amount < 0 < charge.amount and credit.proration and charge.proration
        assert -credit.amount <= 2000 and charge.amount <= 5000  # the remaining part of one period
        assert preview.proration_today.total == credit.amount + charge.amount
        assert preview.recurring_total == 5000 and not preview.needs_full_sign_in
        assert preview.next_invoice.total == 5000 + preview.proration_today.total
        assert [line.amount for line in preview.next_invoice.lines][:1] == [5000]
        again = await world.account.PreviewAccountChange(pb.AccountChangeRequest(id=sub.id, quantity=5))
        assert again.proration_today.total == preview.proration_today.total
        kept = (await world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=sub.id))).row
        assert kept.subscription.quantity == 2 and kept.next_bill_amount == 2000  # nothing was written

        changed = (await world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, quantity=5))).row
        assert changed.subscription.quantity == 5 and changed.next_bill_amount == preview.next_invoice.total


async def test_quantity_changes_obey_the_setting_and_the_limits(world: World) -> None:
    await world.plan("basic", 1000)
    ada = await world.customer()
    sub = await world.subscribe(ada, "basic", quantity=2)
    await world.settings(min_quantity=2, max_quantity=4)
    with bound(TENANT, customer(ada)):
        for quantity in (1, 5):
            for call in (world.account.PreviewAccountChange, world.account.ChangeAccountSubscription):
                message, param = await refused(call(pb.AccountChangeRequest(id=sub.id, quantity=quantity)), DENIED)
                assert param == "quantity" and "between 2 and 4" in message
        assert (
            await world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, quantity=4))
        ).row.subscription.quantity == 4
    await world.settings(allow_quantity_change=False)
    with bound(TENANT, customer(ada)):
        message, _ = await refused(
            world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, quantity=3)), DENIED
        )
        assert "quantity" in message
        same = world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, quantity=4))
        assert (await refused(same, grpc.StatusCode.INVALID_ARGUMENT))[1] == "quantity"  # nothing to change
        assert (
            await world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=sub.id))
        ).row.subscription.quantity == 4


async def test_plan_changes_only_when_allowed_to_switchable_plans_of_the_same_currency(world: World) -> None:
    for plan_id, amount, currency in (("basic", 1000, "usd"), ("pro", 3000, "usd"), ("secret", 100, "usd"),
                                      ("yen", 1000, "jpy")):  # fmt: skip
        await world.plan(plan_id, amount, currency)
    ada = await world.customer()
    sub = await world.subscribe(ada, "basic")
    with bound(TENANT, customer(ada)):
        message, param = await refused(
            world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, plan="pro")), DENIED
        )
        assert param == "plan" and "change plans" in message
        assert (
            list(
                (
                    await world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=sub.id))
                ).switchable_plans
            )
            == []
        )
    await world.settings(allow_plan_change=True, switchable_plans=["basic", "pro", "yen"])
    with bound(TENANT, customer(ada)):
        shown = await world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=sub.id))
        assert [p.id for p in shown.switchable_plans] == ["pro"]  # not its own, not another currency
        for plan in ("secret", "yen"):
            await refused(
                world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, plan=plan)), DENIED
            )
        preview = await world.account.PreviewAccountChange(pb.AccountChangeRequest(id=sub.id, plan="pro"))
        assert preview.recurring_total == 3000 and sum(line.amount for line in preview.proration_today.lines) > 0
        changed = await world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, plan="pro"))
        assert changed.row.subscription.plan == "pro" and changed.row.plan_name == "Pro"


async def test_cancel_obeys_the_settings(world: World) -> None:
    await world.plan("basic", 1000)
    ada = await world.customer()
    sub = await world.subscribe(ada, "basic")
    with bound(TENANT, customer(ada)):
        now = world.account.CancelAccountSubscription(
            pb.CancelAccountSubscriptionRequest(id=sub.id, at_period_end=False)
        )
        message, param = await refused(now, DENIED)
        assert param == "at_period_end" and "end of the current period" in message
        ending = await world.account.CancelAccountSubscription(
            pb.CancelAccountSubscriptionRequest(id=sub.id, at_period_end=True, reason="Too expensive")
        )
        assert ending.row.subscription.cancel_at_period_end and ending.row.subscription.status == "active"
        assert ending.row.subscription.canceled_reason == "Too expensive" and ending.row.next_bill_date == 0
    other = await world.subscribe(ada, "basic")
    await world.settings(allow_cancel_now=True)
    with bound(TENANT, customer(ada)):
        canceled = await world.account.CancelAccountSubscription(pb.CancelAccountSubscriptionRequest(id=other.id))
        assert canceled.row.subscription.status == "canceled" and canceled.row.next_bill_date == 0
        gone = world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=other.id, quantity=3))
        assert "canceled" in (await refused(gone, grpc.StatusCode.FAILED_PRECONDITION))[0]
    third = await world.subscribe(ada, "basic")
    await world.settings(allow_cancel=False)
    with bound(TENANT, customer(ada)):
        for at_end in (True, False):
            call = world.account.CancelAccountSubscription(
                pb.CancelAccountSubscriptionRequest(id=third.id, at_period_end=at_end)
            )
            assert "cancel" in (await refused(call, DENIED))[0]
        assert (
            await world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=third.id))
        ).row.subscription.status == "active"


async def test_pause_and_resume_only_when_the_business_offers_it(world: World) -> None:
    await world.plan("basic", 1000)
    ada = await world.customer()
    sub = await world.subscribe(ada, "basic")
    with bound(TENANT, customer(ada)):
        message, param = await refused(
            world.account.PauseAccountSubscription(pb.PauseAccountSubscriptionRequest(id=sub.id, paused=True)), DENIED
        )
        assert param == "paused" and "pause" in message
    await world.settings(allow_pause=True)
    with bound(TENANT, customer(ada)):
        paused = (
            await world.account.PauseAccountSubscription(pb.PauseAccountSubscriptionRequest(id=sub.id, paused=True))
        ).row
        assert paused.subscription.paused and paused.subscription.status == "paused" and paused.next_bill_date == 0
        resumed = (
            await world.account.PauseAccountSubscription(pb.PauseAccountSubscriptionRequest(id=sub.id, paused=False))
        ).row
        assert (
            not resumed.subscription.paused and resumed.subscription.status == "active" and resumed.next_bill_date > 0
        )


async def test_guests_need_a_full_sign_in_for_what_costs_money_or_cancels_unless_the_business_says_not(
    world: World,
) -> None:
    await world.plan("basic", 1000)
    ada = await world.customer()
    sub = await world.subscribe(ada, "basic", quantity=3)
    await world.settings(allow_pause=True, allow_cancel_now=True)
    with bound(TENANT, guest(ada, sub.id)):
        preview = await world.account.PreviewAccountChange(pb.AccountChangeRequest(id=sub.id, quantity=4))
        assert preview.needs_full_sign_in  # shown, but not to be confirmed by a guest
        for call in (
            world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, quantity=4)),
            world.account.CancelAccountSubscription(pb.CancelAccountSubscriptionRequest(id=sub.id, at_period_end=True)),
            world.account.PauseAccountSubscription(pb.PauseAccountSubscriptionRequest(id=sub.id, paused=True)),
        ):
            message, param = await refused(call, DENIED)
            assert param == "sign_in" and "Sign in" in message
        shown = (
            await world.account.GetAccountSubscription(pb.GetAccountSubscriptionRequest(id=sub.id))
        ).row.subscription
        assert (shown.quantity, shown.cancel_at_period_end, shown.paused) == (3, False, False)
        cheaper = await world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, quantity=2))
        assert cheaper.row.subscription.quantity == 2  # costs less: a guest may
    await world.settings(require_full_sign_in=False)
    with bound(TENANT, guest(ada, sub.id)):
        assert not (
            await world.account.PreviewAccountChange(pb.AccountChangeRequest(id=sub.id, quantity=4))
        ).needs_full_sign_in
        assert (
            await world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, quantity=4))
        ).row.subscription.quantity == 4
        ended = await world.account.CancelAccountSubscription(
            pb.CancelAccountSubscriptionRequest(id=sub.id, at_period_end=True)
        )
        assert ended.row.subscription.cancel_at_period_end


async def test_resolve_manage_link_names_the_subscription_its_customer_and_the_scope(world: World) -> None:
    await world.plan("basic", 1000)
    ada = await world.customer()
    sub = await world.subscribe(ada, "basic")
    with bound(TENANT):
        resolved = await world.account.ResolveManageLink(pb.ResolveManageLinkRequest(token=sub.manage_token))
        assert (resolved.subscription, resolved.customer, resolved.scope) == (sub.id, ada, "subscription")
    await world.settings(manage_link_scope="account")
    with bound(TENANT):
        assert (
            await world.account.ResolveManageLink(pb.ResolveManageLinkRequest(token=sub.manage_token))
        ).scope == "account"
        for token in ("", "x" * 101, sub.manage_token[:-1] + ("A" if sub.manage_token[-1] != "A" else "B")):
            await refused(
                world.account.ResolveManageLink(pb.ResolveManageLinkRequest(token=token)), grpc.StatusCode.NOT_FOUND
            )
    with bound("tenant-other"):
        await refused(
            world.account.ResolveManageLink(pb.ResolveManageLinkRequest(token=sub.manage_token)),
            grpc.StatusCode.NOT_FOUND,
        )
    await world.settings(allow_cancel_now=True)
    with bound(TENANT, customer(ada)):
        await world.account.CancelAccountSubscription(pb.CancelAccountSubscriptionRequest(id=sub.id))
    with bound(TENANT):  # a canceled subscription's link opens nothing any more
        await refused(
            world.account.ResolveManageLink(pb.ResolveManageLinkRequest(token=sub.manage_token)),
            grpc.StatusCode.NOT_FOUND,
        )


@pytest.mark.parametrize(("currency", "amount"), [("jpy", 1250), ("kwd", 12345)])
async def test_previews_in_zero_and_three_decimal_currencies_are_whole_minor_units(
    world: World, currency: str, amount: int
) -> None:
    await world.plan("local", amount, currency)
    ada = await world.customer()
    sub = await world.subscribe(ada, "local", quantity=3)
    with bound(TENANT, customer(ada)):
        preview = await world.account.PreviewAccountChange(pb.AccountChangeRequest(id=sub.id, quantity=7))
        assert preview.proration_today.currency == currency and preview.recurring_total == 7 * amount
        credit, charge = (line.amount for line in preview.proration_today.lines)
        assert -3 * amount <= credit < 0 < charge <= 7 * amount
        assert preview.next_invoice.total == 7 * amount + credit + charge
        changed = await world.account.ChangeAccountSubscription(pb.AccountChangeRequest(id=sub.id, quantity=7))
        assert changed.row.next_bill_amount == preview.next_invoice.total
