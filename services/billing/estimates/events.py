"""Estimate events (`estimate.created`, `.updated`, `.viewed`, `.approved`, `.declined`) for the business's
event log, written in the change's own transaction."""

from __future__ import annotations

from portal.billing.v1 import estimates_pb2 as pb
from portal_kit.principal import Principal
from sqlmodel.ext.asyncio.session import AsyncSession

BUSINESS = "business"


def actor_of(principal: Principal) -> str:
    return f"{'guest' if principal.guest else 'customer'}:{principal.customer_id}"


async def record(session: AsyncSession, event_type: str, estimate: pb.Estimate, actor: str) -> None:
    """Records one event about this estimate (the object after the change)."""
    del session, event_type, estimate, actor  # the event log lands with payments-ledger; see /work/coordination
