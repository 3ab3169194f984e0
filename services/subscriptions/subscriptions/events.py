"""Subscription events for the business's event log (Invoiced's `subscription.*`), which billing keeps.

An event is an outbox row written in the transaction of the change (portal_kit.outbox): the relay publishes it to
`subscriptions.subscription_changed.v1` and billing's consumer records it in `GET /api/events`. So a change never
waits for billing, and a billing or broker outage only delays the log entry.
"""

from __future__ import annotations

from portal.subscriptions.v1 import events_pb2
from portal_kit.context import current_principal
from portal_kit.outbox import record_event
from portal_kit.timestamps import unix, utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.subscriptions.messages import subscription_to_pb
from services.subscriptions.subscriptions.pricing import Priced

TOPIC = "subscriptions.subscription_changed.v1"
NO_KEY = b""  # the log's copies carry no Manage Subscription token


async def record(session: AsyncSession, type: str, priced: Priced, previous: Priced | None = None) -> None:
    """Adds `type` ("subscription.created", ".updated", ".canceled", ".renewed", ".finished", …) for `priced` as it is
    now (after the change), with `previous` (before it) on updates."""
    if not type.startswith("subscription.") or len(type) > 100:
        raise ValueError(f"a subscription event type is 'subscription.<action>', not {type!r}")
    now = utcnow()
    change = events_pb2.SubscriptionChanged(
        type=type,
        subscription=subscription_to_pb(priced, NO_KEY, now, with_token=False),
        actor=current_principal() or "business",
        at=unix(now),
    )
    if previous is not None:
        change.previous.CopyFrom(subscription_to_pb(previous, NO_KEY, now, with_token=False))
    await record_event(session, TOPIC, priced.subscription.id, change)
