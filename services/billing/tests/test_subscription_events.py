"""Billing records the subscriptions service's events in its log: once per event id, as its author made it,
related to the subscription and its customer; a message that is no subscription event is skipped as malformed."""

from __future__ import annotations

import pytest
from portal.billing.v1 import common_pb2, event_log_pb2, event_log_pb2_grpc
from portal.subscriptions.v1 import events_pb2
from portal.subscriptions.v1 import subscriptions_pb2 as spb
from portal_kit.consumer import Event, IdempotentConsumer, MalformedEvent
from portal_kit.context import bound

from devtools.testing import RunningService
from services.billing.event_log.subscription_events import SUBSCRIPTION_CHANGED_TOPIC, SubscriptionEventHandler


def _event(event_id: str, tenant: str, change: events_pb2.SubscriptionChanged) -> Event:
    return Event(event_id, tenant, SUBSCRIPTION_CHANGED_TOPIC, str(change.subscription.id), change.SerializeToString())


async def test_subscription_events_are_recorded_once_with_their_author(service: RunningService) -> None:
    consumer = IdempotentConsumer(service.db, "127.0.0.1:1", [SUBSCRIPTION_CHANGED_TOPIC], "test.subscriptions",
                                  SubscriptionEventHandler())  # fmt: skip
    before = spb.Subscription(id=5000001, customer=77, plan="gold", quantity=1, status="active")
    after = spb.Subscription(id=5000001, customer=77, plan="gold", quantity=2, status="active")
    created = events_pb2.SubscriptionChanged(type="subscription.created", subscription=before, actor="business")
    updated = events_pb2.SubscriptionChanged(type="subscription.updated", subscription=after, previous=before,
                                             actor="customer:77")  # fmt: skip
    assert await consumer.handle(_event("e1", "tenant-a", created))
    assert await consumer.handle(_event("e2", "tenant-a", updated))
    assert not await consumer.handle(_event("e2", "tenant-a", updated))  # a duplicate changes nothing

    log = event_log_pb2_grpc.EventLogServiceStub(service.channel)
    with bound("tenant-a"):
        found = await log.ListEvents(event_log_pb2.ListEventsRequest(
            page=common_pb2.PageRequest(page=1, per_page=10), related_object_type="customer", related_object_id=77))  # fmt: skip
    assert [(e.type, e.actor, e.customer) for e in found.events] == [
        ("subscription.updated", "customer:77", 77), ("subscription.created", "business", 77),
    ]  # fmt: skip
    shown = spb.Subscription()
    found.events[0].object.Unpack(shown)
    assert shown.quantity == 2 and found.events[0].HasField("previous")
    with bound("tenant-b"):
        other = await log.ListEvents(event_log_pb2.ListEventsRequest(page=common_pb2.PageRequest(page=1, per_page=10)))
    assert list(other.events) == []


async def test_a_message_that_is_no_subscription_event_is_malformed(service: RunningService) -> None:
    handler = SubscriptionEventHandler()
    wrong = events_pb2.SubscriptionChanged(type="invoice.paid", subscription=spb.Subscription(id=1))
    async with service.db.unit_of_work() as session:
        with pytest.raises(MalformedEvent):
            await handler(_event("e3", "tenant-a", wrong), session)
        with pytest.raises(MalformedEvent):
            await handler(Event("e4", "tenant-a", SUBSCRIPTION_CHANGED_TOPIC, "1", b"\xff\xff"), session)
