"""Estimate events (`estimate.created`, `.updated`, `.viewed`, `.approved`, `.declined`) for the business's
event log, written in the change's own transaction. Who acted comes from the call (the business, or the portal's
principal)."""

from __future__ import annotations

from portal.billing.v1 import estimates_pb2 as pb
from sqlmodel.ext.asyncio.session import AsyncSession


async def record(
    session: AsyncSession, event_type: str, estimate: pb.Estimate, previous: pb.Estimate | None = None
) -> None:
    """Records one event about this estimate (the object after the change, and before it for updates)."""
    del session, event_type, estimate, previous  # the event log lands with payments-ledger; see /work/coordination
