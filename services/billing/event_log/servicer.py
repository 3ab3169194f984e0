"""EventLogService: the business's event log (GET /api/events)."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from portal.billing.v1 import common_pb2, event_log_pb2_grpc
from portal.billing.v1 import event_log_pb2 as pb
from portal_kit.db import Database
from portal_kit.errors import InvalidArgument
from portal_kit.timestamps import unix

from services.billing.event_log import log
from services.billing.event_log.models import Event


def event_to_pb(event: Event) -> pb.Event:
    message = pb.Event(
        id=event.id, type=event.type, timestamp=unix(event.created_at), actor=event.actor,
        object=any_pb2.Any.FromString(event.object),
    )  # fmt: skip
    if event.previous is not None:
        message.previous.CopyFrom(any_pb2.Any.FromString(event.previous))
    if event.customer_id is not None:
        message.customer = event.customer_id
    return message


class EventLogServicer(event_log_pb2_grpc.EventLogServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ListEvents(
        self, request: pb.ListEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEventsResponse:
        related = log.related_to(
            request.related_object_type if request.HasField("related_object_type") else None,
            request.related_object_id if request.HasField("related_object_id") else None,
        )
        event_type = request.type if request.HasField("type") else None
        if event_type is not None and len(event_type) > log.TYPE_LIMIT:
            raise InvalidArgument("filter[type] is too long.", "filter[type]")
        async with self.db.unit_of_work() as session:
            rows, total = await log.list_events(
                session, log.EventQuery(related, event_type), request.page.page, request.page.per_page
            )
        return pb.ListEventsResponse(
            events=[event_to_pb(e) for e in rows], page_info=common_pb2.PageInfo(total_count=total)
        )

    async def GetEvent(self, request: pb.GetEventRequest, context: grpc.aio.ServicerContext) -> pb.GetEventResponse:
        async with self.db.unit_of_work() as session:
            event = await log.get_event(session, request.id)
        return pb.GetEventResponse(event=event_to_pb(event))
