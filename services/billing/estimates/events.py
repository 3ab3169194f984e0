"""Estimate events (`estimate.created`, `.updated`, `.viewed`, `.approved`, `.declined`, `.deleted`) in billing's
event log, written in the change's own transaction. Who acted comes from the call (the business through the API,
or the portal's principal). The log keeps no bearer token: the link token is blanked."""

from __future__ import annotations

from portal.billing.v1 import estimates_pb2 as pb
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.event_log import record as record_event
from services.billing.invoice_servicer import logged
from services.billing.invoices import InvoiceRecord


def _tokenless(estimate: pb.Estimate) -> pb.Estimate:
    kept = pb.Estimate()
    kept.CopyFrom(estimate)
    kept.link_token = ""
    return kept


async def record(
    session: AsyncSession, event_type: str, estimate: pb.Estimate, previous: pb.Estimate | None = None
) -> None:
    """Records one event about this estimate (the object after the change, and before it for updates)."""
    await record_event(
        session,
        event_type,
        _tokenless(estimate),
        customer_id=estimate.customer,
        previous=_tokenless(previous) if previous is not None else None,
        related=[("invoice", estimate.invoice)] if estimate.HasField("invoice") else (),
    )


async def invoice_made(session: AsyncSession, invoice: InvoiceRecord, estimate_id: int) -> None:
    """`invoice.created` for the invoice an approved estimate became (related to the estimate too)."""
    await record_event(
        session,
        "invoice.created",
        logged(invoice),
        customer_id=invoice.invoice.customer_id,
        related=[("estimate", estimate_id)],
    )
