"""A subscription as the subscriptions contract's message (what the API, the portal and the event log show)."""

from __future__ import annotations

import json
from datetime import datetime

from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal_kit.timestamps import unix

from services.subscriptions.subscriptions import links
from services.subscriptions.subscriptions.models import Subscription
from services.subscriptions.subscriptions.pricing import Priced


def status_of(sub: Subscription, now: datetime) -> str:
    """What the API shows: the stored decision (canceled, finished, past_due), else paused, not_started or active."""
    if sub.status in ("canceled", "finished", "past_due"):
        return sub.status
    if sub.paused:
        return "paused"
    if now < sub.start_date:
        return "not_started"
    return "active"


def metadata_of(sub: Subscription) -> dict[str, str]:
    return {str(k): str(v) for k, v in json.loads(sub.metadata_json or "{}").items()}


def subscription_to_pb(priced: Priced, secret_key: bytes, now: datetime, with_token: bool = True) -> pb.Subscription:
    """The subscription as the API shows it; `with_token=False` leaves out the Manage Subscription token (for the
    event log, which keeps no bearer secrets)."""
    sub = priced.subscription
    message = pb.Subscription(
        id=sub.id,
        customer=sub.customer_id,
        plan=sub.plan_id,
        quantity=sub.quantity,
        currency=sub.currency,
        start_date=unix(sub.start_date),
        cycles_billed=sub.cycles_billed,
        period_start=unix(sub.period_start),
        period_end=unix(sub.period_end),
        cancel_at_period_end=sub.cancel_at_period_end,
        status=status_of(sub, now),
        paused=sub.paused,
        recurring_total=priced.recurring_total,
        mrr=priced.mrr,
        manage_token=links.manage_token(secret_key, sub.manage_nonce) if with_token else "",
        metadata=metadata_of(sub),
        created_at=unix(sub.created_at),
        updated_at=unix(sub.updated_at),
    )
    if sub.amount is not None:
        message.amount = sub.amount
    if sub.cycles is not None:
        message.cycles = sub.cycles
    if sub.canceled_at is not None:
        message.canceled_at = unix(sub.canceled_at)
    if sub.canceled_reason is not None:
        message.canceled_reason = sub.canceled_reason
    if sub.trial_end is not None:
        message.trial_end = unix(sub.trial_end)
    if sub.past_due_since is not None:
        message.past_due_since = unix(sub.past_due_since)
    if sub.sign_up_page is not None:
        message.sign_up_page = sub.sign_up_page
    for addon in priced.addons:
        out = pb.Addon(id=addon.id, plan=addon.plan_id, quantity=addon.quantity, created_at=unix(addon.created_at),
                       updated_at=unix(addon.updated_at))  # fmt: skip
        if addon.description is not None:
            out.description = addon.description
        if addon.amount is not None:
            out.amount = addon.amount
        message.addons.append(out)
    return message
