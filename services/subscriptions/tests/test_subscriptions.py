"""SubscriptionService against a real billing (customers) and PostgreSQL: create, get, list, update with proration,
cancel, plan update/delete rules, the Manage Subscription token, and the pending lines the scheduler bills."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from portal.subscriptions.v1 import events_pb2, plans_pb2
from portal.subscriptions.v1 import plans_pb2_grpc as plans_grpc
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc as subs_grpc
from portal_kit.context import bound
from portal_kit.errors import InvalidArgument
from portal_kit.outbox import OutboxEvent
from portal_kit.timestamps import unix, utcnow
from sqlmodel import col, select

from devtools.testing import RunningService
from services.subscriptions.subscriptions import events, invoices, links, operations
from services.subscriptions.subscriptions.models import Subscription
from services.subscriptions.subscriptions.repository import PendingLineRepository, SubscriptionRepository
from services.subscriptions.tests.conftest import new_customer, new_plan

DAY = 86400


def _create(customer: int, plan: str, **fields: object) -> pb.CreateSubscriptionRequest:
    return pb.CreateSubscriptionRequest(subscription=pb.SubscriptionInput(customer=customer, plan=plan, **fields))  # type: ignore[arg-type]


async def _refused(call: object, code: grpc.StatusCode) -> tuple[str, str | None]:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]
    assert refused.value.code() == code, refused.value.details()
    return refused.value.details() or "", dict(refused.value.trailing_metadata() or ()).get("x-portal-param")


async def _billed_first_period(service: RunningService, tenant: str, subscription_id: int) -> None:
    """What the scheduler does when it bills period 0 (it lives in another module): cycles_billed becomes 1."""
    with bound(tenant):
        async with service.db.unit_of_work() as session:
            changed = await SubscriptionRepository(session).update(
                col(Subscription.id) == subscription_id, values={"cycles_billed": 1}
            )
    assert changed == 1


async def test_create_get_list_and_tenant_isolation(
    service: RunningService,
    billing: RunningService,
    plans: plans_grpc.PlanServiceStub,
    subscriptions: subs_grpc.SubscriptionServiceStub,
) -> None:
    customer = await new_customer(billing, "tenant-a")
    start = datetime(2027, 1, 31, 9, tzinfo=UTC)
    with bound("tenant-a"):
        await new_plan(plans, "gold", 1999)
        await new_plan(plans, "seat", 500)
        addons = pb.AddonInputs(addons=[pb.AddonInput(plan="seat", quantity=3)])
        created = (
            await subscriptions.CreateSubscription(
                _create(customer, "gold", quantity=2, start_date=unix(start), addons=addons, metadata={"crm": "7"})
            )
        ).subscription
        assert (created.customer, created.plan, created.quantity, created.currency) == (customer, "gold", 2, "usd")
        assert created.status == "not_started" and created.start_date == unix(start)
        assert (created.period_start, created.period_end) == (unix(start), unix(datetime(2027, 2, 28, 9, tzinfo=UTC)))
        assert created.recurring_total == 2 * 1999 + 3 * 500 and created.mrr == created.recurring_total
        assert [(a.plan, a.quantity) for a in created.addons] == [("seat", 3)]
        assert len(created.manage_token) >= 32 and dict(created.metadata) == {"crm": "7"}
        assert not created.HasField("amount") and not created.HasField("cycles") and created.cycles_billed == 0

        fetched = (await subscriptions.GetSubscription(pb.GetSubscriptionRequest(id=created.id))).subscription
        assert fetched == created
        now_started = (await subscriptions.CreateSubscription(_create(customer, "gold"))).subscription
        assert now_started.status == "active" and abs(now_started.start_date - time.time()) < 60
        listed = await subscriptions.ListSubscriptions(pb.ListSubscriptionsRequest(customer=customer))
        assert [s.id for s in listed.subscriptions] == [created.id, now_started.id] and listed.total_count == 2
        paged = await subscriptions.ListSubscriptions(pb.ListSubscriptionsRequest(page=2, per_page=1))
        assert [s.id for s in paged.subscriptions] == [now_started.id] and paged.last_page == 2
    with bound("tenant-b"):
        await _refused(
            subscriptions.GetSubscription(pb.GetSubscriptionRequest(id=created.id)), grpc.StatusCode.NOT_FOUND
        )
        assert (await subscriptions.ListSubscriptions(pb.ListSubscriptionsRequest())).total_count == 0
        await new_plan(plans, "gold", 100)
        # tenant-a's customer is no customer of tenant-b's
        message, param = await _refused(
            subscriptions.CreateSubscription(_create(customer, "gold")), grpc.StatusCode.INVALID_ARGUMENT
        )
        assert param == "customer" and "No such customer" in message
        await _refused(
            subscriptions.CancelSubscription(pb.CancelSubscriptionRequest(id=created.id)), grpc.StatusCode.NOT_FOUND
        )


async def test_bad_input_is_refused_with_the_field_at_fault(
    billing: RunningService, plans: plans_grpc.PlanServiceStub, subscriptions: subs_grpc.SubscriptionServiceStub
) -> None:
    customer = await new_customer(billing, "tenant-a")
    euro_customer = await new_customer(billing, "tenant-a", "Eve", currency="eur")
    with bound("tenant-a"):
        await new_plan(plans, "gold", 1999)
        await new_plan(plans, "yen", 1000, currency="jpy")
        await new_plan(plans, "yearly-seat", 5000, interval="year")
        cases = [
            (_create(customer, "nope"), "plan", "No such plan"),
            (_create(customer, "gold", quantity=0), "quantity", "at least 1"),
            (_create(customer, "gold", amount_decimal="12.345"), "amount", "decimal places"),
            (_create(customer, "gold", amount_decimal="-1"), "amount", "negative"),
            (_create(customer, "gold", cycles=0), "cycles", "cycles"),
            (_create(euro_customer, "gold"), "plan", "billed in EUR"),
            (_create(customer, "gold", addons=pb.AddonInputs(addons=[pb.AddonInput(plan="yen", quantity=1)])),
             "addons[0].plan", "currency"),
            (_create(customer, "gold", addons=pb.AddonInputs(addons=[pb.AddonInput(plan="yearly-seat", quantity=1)])),
             "addons[0].plan", "interval"),
            (_create(customer, "gold", addons=pb.AddonInputs(addons=[pb.AddonInput(plan="gold", quantity=0)])),
             "addons[0].quantity", "at least 1"),
            (_create(0, "gold"), "customer", "needs a customer"),
            (_create(customer, "gold", metadata={str(i): "v" for i in range(11)}), "metadata", "at most 10"),
        ]  # fmt: skip
        for request, param, words in cases:
            message, got = await _refused(subscriptions.CreateSubscription(request), grpc.StatusCode.INVALID_ARGUMENT)
            assert (got, words in message) == (param, True), message
        assert (await subscriptions.ListSubscriptions(pb.ListSubscriptionsRequest())).total_count == 0


async def test_a_change_in_a_billed_period_records_exact_proration_lines(
    service: RunningService,
    billing: RunningService,
    plans: plans_grpc.PlanServiceStub,
    subscriptions: subs_grpc.SubscriptionServiceStub,
) -> None:
    customer = await new_customer(billing, "tenant-a")
    start = utcnow().replace(microsecond=0) - timedelta(days=10)
    with bound("tenant-a"):
        await new_plan(plans, "basic", 1000, currency="jpy", interval="day", interval_count=30)
        await new_plan(plans, "pro", 2501, currency="jpy", interval="day", interval_count=30)
        created = (
            await subscriptions.CreateSubscription(_create(customer, "basic", start_date=unix(start)))
        ).subscription
        # Before the first period is billed, a change prorates nothing: the first invoice bills the new price.
        changed = await subscriptions.UpdateSubscription(
            pb.UpdateSubscriptionRequest(id=created.id, changes=pb.SubscriptionInput(quantity=2))
        )
        assert changed.subscription.recurring_total == 2000
        upcoming = await subscriptions.GetUpcoming(pb.GetUpcomingRequest(id=created.id))
        assert list(upcoming.pending) == [] and upcoming.next_invoice.total == 2000
        assert upcoming.next_invoice.date == unix(start)

    await _billed_first_period(service, "tenant-a", created.id)
    with bound("tenant-a"):
        at = start + timedelta(days=15)  # half of the 30-day period left
        move = pb.SubscriptionInput(plan="pro", proration_date=unix(at))
        updated = (
            await subscriptions.UpdateSubscription(pb.UpdateSubscriptionRequest(id=created.id, changes=move))
        ).subscription
        assert (updated.plan, updated.recurring_total) == ("pro", 5002)
        upcoming = await subscriptions.GetUpcoming(pb.GetUpcomingRequest(id=created.id))
        lines = [(p.line.plan, p.line.amount, p.line.proration) for p in upcoming.pending]
        assert lines == [("basic", -1000, True), ("pro", 2501, True)]  # 2 × 2501 / 2 = 2501 exactly
        assert upcoming.pending[0].line.period_start == unix(at)
        next_lines = [(line.plan, line.amount) for line in upcoming.next_invoice.lines]
        assert next_lines == [("pro", 5002), ("basic", -1000), ("pro", 2501)]
        assert upcoming.next_invoice.total == 6503
        assert upcoming.next_invoice.date == unix(start + timedelta(days=30))

        odd = pb.SubscriptionInput(quantity=3, proration_date=unix(at))  # 3 × 2501 / 2 = 3751.5 → 3752
        await subscriptions.UpdateSubscription(pb.UpdateSubscriptionRequest(id=created.id, changes=odd))
        upcoming = await subscriptions.GetUpcoming(pb.GetUpcomingRequest(id=created.id))
        assert [p.line.amount for p in upcoming.pending][2:] == [-2501, 3752]

        quiet = pb.SubscriptionInput(quantity=1, prorate=False)
        await subscriptions.UpdateSubscription(pb.UpdateSubscriptionRequest(id=created.id, changes=quiet))
        assert len((await subscriptions.GetUpcoming(pb.GetUpcomingRequest(id=created.id))).pending) == 4

        outside = pb.SubscriptionInput(quantity=5, proration_date=unix(start - timedelta(days=1)))
        _, param = await _refused(
            subscriptions.UpdateSubscription(pb.UpdateSubscriptionRequest(id=created.id, changes=outside)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert param == "proration_date"
        await new_plan(plans, "monthly", 1000, currency="jpy")
        message, param = await _refused(
            subscriptions.UpdateSubscription(
                pb.UpdateSubscriptionRequest(id=created.id, changes=pb.SubscriptionInput(plan="monthly"))
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert param == "plan" and "same interval" in message

    # The scheduler's side: read the unbilled lines locked, mark them billed in the same transaction.
    with bound("tenant-a"):
        async with service.db.unit_of_work() as session:
            pending = PendingLineRepository(session)
            lines_now = await pending.unbilled(created.id, lock=True)
            assert len(lines_now) == 4
            assert await pending.mark_billed(lines_now, invoice_id=424242, at=utcnow()) == 4
            assert await pending.mark_billed(lines_now, invoice_id=1, at=utcnow()) == 0  # never twice
        assert list((await subscriptions.GetUpcoming(pb.GetUpcomingRequest(id=created.id))).pending) == []


async def test_cancel_keeps_the_subscription_and_filters_the_lists(
    billing: RunningService, plans: plans_grpc.PlanServiceStub, subscriptions: subs_grpc.SubscriptionServiceStub
) -> None:
    customer = await new_customer(billing, "tenant-a")
    with bound("tenant-a"):
        await new_plan(plans, "gold", 1999)
        first = (await subscriptions.CreateSubscription(_create(customer, "gold"))).subscription
        second = (await subscriptions.CreateSubscription(_create(customer, "gold"))).subscription
        canceled = (
            await subscriptions.CancelSubscription(pb.CancelSubscriptionRequest(id=first.id, reason="Too expensive"))
        ).subscription
        assert canceled.status == "canceled" and abs(canceled.canceled_at - time.time()) < 60
        assert canceled.canceled_reason == "Too expensive" and canceled.recurring_total == 1999
        again = (await subscriptions.CancelSubscription(pb.CancelSubscriptionRequest(id=first.id))).subscription
        assert again == canceled
        at_end = (
            await subscriptions.CancelSubscription(pb.CancelSubscriptionRequest(id=second.id, at_period_end=True))
        ).subscription
        assert at_end.status == "active" and at_end.cancel_at_period_end and not at_end.HasField("canceled_at")
        upcoming = await subscriptions.GetUpcoming(pb.GetUpcomingRequest(id=second.id))
        assert upcoming.next_invoice.total == 1999  # the period it runs to is not billed yet

        live = await subscriptions.ListSubscriptions(pb.ListSubscriptionsRequest())
        assert [s.id for s in live.subscriptions] == [second.id]
        gone = await subscriptions.ListSubscriptions(pb.ListSubscriptionsRequest(canceled=True))
        assert [s.id for s in gone.subscriptions] == [first.id]
        assert (await subscriptions.ListSubscriptions(pb.ListSubscriptionsRequest(finished=True))).total_count == 0
        message, _ = await _refused(
            subscriptions.UpdateSubscription(
                pb.UpdateSubscriptionRequest(id=first.id, changes=pb.SubscriptionInput(quantity=2))
            ),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "canceled" in message
        assert len((await subscriptions.GetUpcoming(pb.GetUpcomingRequest(id=first.id))).next_invoice.lines) == 0


async def test_plan_update_and_delete_rules(
    billing: RunningService, plans: plans_grpc.PlanServiceStub, subscriptions: subs_grpc.SubscriptionServiceStub
) -> None:
    customer = await new_customer(billing, "tenant-a")
    with bound("tenant-a"):
        await new_plan(plans, "gold", 1999)
        await new_plan(plans, "seat", 300)
        renamed = await plans.UpdatePlan(
            plans_pb2.UpdatePlanRequest(id="gold", name="Gold+", metadata={"tier": "2"}, metadata_set=True)
        )
        assert (renamed.plan.name, dict(renamed.plan.metadata), renamed.plan.amount) == ("Gold+", {"tier": "2"}, 1999)
        same = await plans.UpdatePlan(plans_pb2.UpdatePlanRequest(id="gold", amount=1999))  # unchanged: accepted
        assert same.plan.name == "Gold+"
        for change, param in [
            (plans_pb2.UpdatePlanRequest(id="gold", amount=2999), "amount"),
            (plans_pb2.UpdatePlanRequest(id="gold", currency="eur"), "currency"),
            (plans_pb2.UpdatePlanRequest(id="gold", interval="year"), "interval"),
            (plans_pb2.UpdatePlanRequest(id="gold", interval_count=2), "interval_count"),
        ]:
            message, got = await _refused(plans.UpdatePlan(change), grpc.StatusCode.INVALID_ARGUMENT)
            assert got == param and "cannot change after it is created" in message
        assert (await plans.GetPlan(plans_pb2.GetPlanRequest(id="gold"))).plan.amount == 1999

        addons = pb.AddonInputs(addons=[pb.AddonInput(plan="seat", quantity=1)])
        sub = (await subscriptions.CreateSubscription(_create(customer, "gold", addons=addons))).subscription
        for plan_id in ("gold", "seat"):
            message, _ = await _refused(
                plans.DeletePlan(plans_pb2.DeletePlanRequest(id=plan_id)), grpc.StatusCode.FAILED_PRECONDITION
            )
            assert "live subscription" in message
        await subscriptions.CancelSubscription(pb.CancelSubscriptionRequest(id=sub.id))
        await plans.DeletePlan(plans_pb2.DeletePlanRequest(id="seat"))
        await _refused(plans.GetPlan(plans_pb2.GetPlanRequest(id="seat")), grpc.StatusCode.NOT_FOUND)
    with bound("tenant-b"):
        await _refused(plans.DeletePlan(plans_pb2.DeletePlanRequest(id="gold")), grpc.StatusCode.NOT_FOUND)


async def test_the_manage_token_is_stored_only_as_a_keyed_hash_and_finds_its_subscription(
    service: RunningService,
    billing: RunningService,
    plans: plans_grpc.PlanServiceStub,
    subscriptions: subs_grpc.SubscriptionServiceStub,
) -> None:
    customer = await new_customer(billing, "tenant-a")
    with bound("tenant-a"):
        await new_plan(plans, "gold", 1999)
        created = (await subscriptions.CreateSubscription(_create(customer, "gold"))).subscription
        async with service.db.unit_of_work() as session:
            row = await SubscriptionRepository(session).get(created.id)
            assert created.manage_token not in (row.manage_nonce, row.manage_hash)
            found = await links.by_manage_token(session, service.settings.secret_key, created.manage_token)
            assert found is not None and found.id == created.id
            assert await links.by_manage_token(session, service.settings.secret_key, created.manage_token + "x") is None
            assert await links.by_manage_token(session, b"another key" * 4, created.manage_token) is None
    with bound("tenant-b"):
        async with service.db.unit_of_work() as session:
            assert await links.by_manage_token(session, service.settings.secret_key, created.manage_token) is None


async def test_in_process_functions_preview_a_change_without_keeping_it_and_pause(
    service: RunningService,
    billing: RunningService,
    plans: plans_grpc.PlanServiceStub,
    subscriptions: subs_grpc.SubscriptionServiceStub,
) -> None:
    """What the portal and sign-up pages call inside the service: preview_change, set_paused, create's sign_up_page."""
    customer = await new_customer(billing, "tenant-a")
    start = utcnow().replace(microsecond=0) - timedelta(days=10)
    with bound("tenant-a"):
        await new_plan(plans, "small", 3000, currency="kwd", interval="day", interval_count=30)
        async with service.db.unit_of_work() as session:
            priced = await operations.create(
                session, operations.SubscriptionIn(customer=customer, plan="small", start_date=start, sign_up_page=77),
                None, service.settings.secret_key,
            )  # fmt: skip
        sub_id = priced.subscription.id
    await _billed_first_period(service, "tenant-a", sub_id)
    with bound("tenant-a"):
        at = start + timedelta(days=20)  # a third left
        async with service.db.unit_of_work() as session:
            change = operations.SubscriptionIn(quantity=2, proration_date=at)
            preview = await invoices.preview_change(session, sub_id, change)
        assert [(line.amount, line.proration) for line in preview.proration.lines] == [(-1000, True), (2000, True)]
        assert [line.amount for line in preview.next_invoice.lines] == [6000, -1000, 2000]
        kept = (await subscriptions.GetSubscription(pb.GetSubscriptionRequest(id=sub_id))).subscription
        assert kept.quantity == 1 and kept.sign_up_page == 77
        assert list((await subscriptions.GetUpcoming(pb.GetUpcomingRequest(id=sub_id))).pending) == []
        async with service.db.unit_of_work() as session:
            with pytest.raises(InvalidArgument):
                await invoices.preview_change(session, sub_id, operations.SubscriptionIn(quantity=0))
            await operations.set_paused(session, sub_id, True)
        assert (
            await subscriptions.GetSubscription(pb.GetSubscriptionRequest(id=sub_id))
        ).subscription.status == "paused"


async def _outbox(service: RunningService) -> list[events_pb2.SubscriptionChanged]:
    async with service.db.unit_of_work() as session:
        query = select(OutboxEvent).where(col(OutboxEvent.topic) == events.TOPIC).order_by(col(OutboxEvent.seq))
        rows = (await session.exec(query)).all()
    return [events_pb2.SubscriptionChanged.FromString(row.payload) for row in rows]


async def test_every_change_writes_its_event_in_the_same_transaction(
    service: RunningService,
    billing: RunningService,
    plans: plans_grpc.PlanServiceStub,
    subscriptions: subs_grpc.SubscriptionServiceStub,
) -> None:
    customer = await new_customer(billing, "tenant-a")
    with bound("tenant-a"):
        await new_plan(plans, "gold", 1999)
        sub = (await subscriptions.CreateSubscription(_create(customer, "gold"))).subscription
        await subscriptions.UpdateSubscription(
            pb.UpdateSubscriptionRequest(id=sub.id, changes=pb.SubscriptionInput(quantity=4))
        )
        await _refused(  # a refused change writes nothing
            subscriptions.UpdateSubscription(
                pb.UpdateSubscriptionRequest(id=sub.id, changes=pb.SubscriptionInput(quantity=0))
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        await subscriptions.CancelSubscription(pb.CancelSubscriptionRequest(id=sub.id, at_period_end=True))
    with bound("tenant-a", "customer:42"):  # a portal customer's own change (as the portal's servicer calls it)
        async with service.db.unit_of_work() as session:
            await operations.cancel(session, sub.id, "Bye", at_period_end=False)
    with bound("tenant-a"):
        await subscriptions.CancelSubscription(pb.CancelSubscriptionRequest(id=sub.id))  # already canceled: no event
    changes = await _outbox(service)
    assert [c.type for c in changes] == [
        "subscription.created", "subscription.updated", "subscription.updated", "subscription.canceled",
    ]  # fmt: skip
    assert all(c.subscription.id == sub.id and c.subscription.manage_token == "" for c in changes)
    assert not changes[0].HasField("previous")
    assert (changes[1].previous.quantity, changes[1].subscription.quantity) == (1, 4)
    assert changes[2].subscription.cancel_at_period_end and not changes[2].previous.cancel_at_period_end
    assert changes[3].subscription.status == "canceled" and changes[3].subscription.canceled_reason == "Bye"
    assert [c.actor for c in changes] == ["business", "business", "business", "customer:42"]
