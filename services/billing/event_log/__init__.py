"""Billing's Invoiced-style event log. Record a change with `await record(session, "invoice.updated", obj, ...)`."""

from services.billing.event_log.log import record

__all__ = ["record"]
