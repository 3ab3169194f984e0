"""The event log's SQL, scoped by tenant."""

from __future__ import annotations

from portal_kit.repository import TenantRepository
from sqlmodel import col, select

from services.billing.event_log.models import Event, EventRelation


class EventRepository(TenantRepository[Event]):
    model = Event
    noun = "event"

    async def add_with_relations(self, event: Event, related: set[tuple[str, int]]) -> None:
        await self.add(event)
        assert event.pk is not None  # set by the flush
        for object_type, object_id in sorted(related):
            self.session.add(
                EventRelation(tenant_id=self.tenant_id, event_pk=event.pk, object_type=object_type, object_id=object_id)
            )
        await self.session.flush()

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
