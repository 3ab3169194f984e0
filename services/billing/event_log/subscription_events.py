"""Records the subscriptions service's subscription events (topic subscriptions.subscription_changed.v1) in the
event log: one entry per message, as the change's author made it, related to the subscription and its customer.
Duplicates are skipped by the consumer (event ids); a message that is no subscription event is refused as malformed."""

from __future__ import annotations

import re

from portal.subscriptions.v1 import events_pb2
from portal_kit.consumer import Event, MalformedEvent
from portal_kit.context import bound
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.event_log.log import record

SUBSCRIPTION_CHANGED_TOPIC = "subscriptions.subscription_changed.v1"
EVENT_TYPE = re.compile(r"^subscription\.[a-z_]{1,80}$")


class SubscriptionEventHandler:
    """The billing consumer's handler for subscriptions.subscription_changed.v1."""

    async def __call__(self, event: Event, session: AsyncSession) -> None:
        change = event.decode(events_pb2.SubscriptionChanged)
        if not EVENT_TYPE.match(change.type) or not change.subscription.id:
            raise MalformedEvent(f"not a subscription event: {change.type!r}")
        principal = change.actor if change.actor and change.actor != "business" else None
        with bound(event.tenant_id, principal):
            previous = change.previous if change.HasField("previous") else None
            await record(session, change.type, change.subscription, customer_id=change.subscription.customer,
                         previous=previous)  # fmt: skip
