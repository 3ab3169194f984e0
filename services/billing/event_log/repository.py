"""The event log's SQL, scoped by tenant."""

from __future__ import annotations

from functools import cache

from portal_kit.repository import (
    TenantRepository,
    bound_arrays,
    bound_insert,
    bound_values,
    column_values,
    insert_columns,
    table_of,
    unnest_insert,
)
from sqlalchemy import Insert, bindparam, insert
from sqlalchemy import select as core_select
from sqlmodel import col, select

from services.billing.event_log.models import Event, EventRelation

EVENTS, RELATIONS = table_of(Event), table_of(EventRelation)
EVENT_PREFIX, RELATED_PREFIX = "event_", "related_"
RELATED_COLUMNS = ("object_type", "object_id")


@cache
def _postgresql_statement() -> Insert:
    """The event's INSERT (`event_` + column) as a CTE of its relations' (`related_` arrays), returning its pk."""
    new_event = bound_insert(EVENTS, insert_columns(EVENTS), EVENT_PREFIX).returning(EVENTS.c.pk).cte("new_event")
    event_pk = core_select(new_event.c.pk).scalar_subquery()
    tenant = bindparam(EVENT_PREFIX + "tenant_id", type_=EVENTS.c.tenant_id.type)  # the event's, bound once
    relations = unnest_insert(RELATIONS, RELATED_COLUMNS, RELATED_PREFIX, tenant_id=tenant, event_pk=event_pk)
    return relations.add_cte(new_event).returning(RELATIONS.c.event_pk)


@cache
def _single_statements() -> tuple[Insert, Insert]:
    return bound_insert(EVENTS, insert_columns(EVENTS)).returning(EVENTS.c.pk), insert(RELATIONS)


class EventRepository(TenantRepository[Event]):
    model = Event
    noun = "event"

    async def add_with_relations(self, event: Event, related: set[tuple[str, int]]) -> None:
        """Writes a new event (a `new_row`) and its relations, and sets its pk. On PostgreSQL that is one statement."""
        event.tenant_id = self.tenant_id
        objects = [{"object_type": kind, "object_id": object_id} for kind, object_id in sorted(related)]
        if self.dialect == "postgresql":
            params = bound_values(EVENT_PREFIX, column_values(event)) | bound_arrays(
                RELATED_PREFIX, RELATED_COLUMNS, objects
            )
            event.pk = (await self.session.execute(_postgresql_statement(), params)).scalars().first()
        else:
            event_insert, relations_insert = _single_statements()
            event.pk = (await self.session.execute(event_insert, column_values(event))).scalar_one()
            rows = [{**o, "tenant_id": self.tenant_id, "event_pk": event.pk} for o in objects]
            await self.session.execute(relations_insert, rows)

    async def listing(
        self, related: tuple[str, int] | None, event_type: str | None, page: int, per_page: int
    ) -> tuple[list[Event], int]:
        """Newest first (by insertion order). A `related_to` list walks the relations' index."""
        query = self.base()
        if related is not None:
            object_type, object_id = related
            related_pks = select(col(EventRelation.event_pk)).where(
                self.scope(EventRelation),
                col(EventRelation.object_type) == object_type,
                col(EventRelation.object_id) == object_id,
            )
            query = query.where(col(Event.pk).in_(related_pks.scalar_subquery()))
        if event_type is not None:
            query = query.where(col(Event.type) == event_type)
        return await self.page(query.order_by(col(Event.pk).desc()), page, per_page)
