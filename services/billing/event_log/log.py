"""Billing's event log (Invoiced's Event): `record()` adds an entry in the unit of work of the change it describes,
so an event exists exactly when its change committed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from google.protobuf import any_pb2
from google.protobuf.message import Message
from portal_kit.context import current_principal
from portal_kit.errors import InvalidArgument
from portal_kit.ids import new_public_id
from portal_kit.repository import new_row
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import validation
from services.billing.event_log.models import Event
from services.billing.event_log.repository import EventRepository

TYPE_LIMIT = 100
RELATED_TYPES = {
    "customer", "contact", "invoice", "payment", "payment_source", "estimate", "subscription", "note", "comment",
    "credit_note",
}  # fmt: skip


def _any(message: Message) -> bytes:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed.SerializeToString()


def actor() -> str:
    """Who made the change: the portal visitor the call is for, else the business (API calls and jobs)."""
    return current_principal() or "business"


async def record(
    session: AsyncSession,
    type: str,
    obj: Message,
    *,
    customer_id: int | None = None,
    previous: Message | None = None,
    related: Iterable[tuple[str, int]] = (),
) -> Event:
    """Adds one event: `type` is "<object>.<action>", `obj` the object's protobuf after the change (with an `id`),
    `previous` the same before it (updates only). The event is related to its object, its customer and `related`."""
    object_type = type.partition(".")[0]
    if not object_type or len(type) > TYPE_LIMIT:
        raise ValueError(f"event type must be '<object>.<action>', not {type!r}")
    object_id = int(getattr(obj, "id"))  # noqa: B009  (any message with an id field; Message does not declare it)
    relations = {(object_type, object_id), *related}
    if customer_id:
        relations.add(("customer", customer_id))
    event = new_row(
        Event,
        id=new_public_id(),
        type=type,
        object_type=object_type,
        object_id=object_id,
        customer_id=customer_id or None,
        actor=actor(),
        object=_any(obj),
        previous=_any(previous) if previous is not None else None,
        tenant_id="",
    )
    await EventRepository(session).add_with_relations(event, relations)
    return event


@dataclass(frozen=True)
class EventQuery:
    related: tuple[str, int] | None = None
    type: str | None = None


def related_to(object_type: str | None, object_id: int | None) -> tuple[str, int] | None:
    """`related_to=<type>,<id>`, checked."""
    if not object_type and not object_id:
        return None
    if object_type not in RELATED_TYPES or not object_id or object_id < 0:
        raise InvalidArgument(
            "related_to must be '<object>,<id>', e.g. customer,123, with an object among "
            f"{', '.join(sorted(RELATED_TYPES))}.",
            "related_to",
        )
    return object_type, object_id


async def list_events(session: AsyncSession, query: EventQuery, page: int, per_page: int) -> tuple[list[Event], int]:
    page, per_page = validation.paging(page, per_page)
    return await EventRepository(session).listing(query.related, query.type, page, per_page)


async def get_event(session: AsyncSession, event_id: int) -> Event:
    return await EventRepository(session).get(event_id)
