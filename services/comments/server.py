from __future__ import annotations

from pathlib import Path

from portal.comments.v1 import comments_pb2_grpc
from portal_kit.db import Database
from portal_kit.grpc_server import Registration, Worker
from portal_kit.outbox import OutboxRelay
from portal_kit.service import Wiring

from services.comments.comments import RateLimits
from services.comments.servicer import CommentServicer
from services.comments.settings import CommentsSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: CommentsSettings) -> Wiring:
    relay = OutboxRelay(db, settings.kafka.bootstrap, settings.kafka.idempotence)
    limits = RateLimits(settings.comment_limit_per_minute, settings.comment_limit_per_hour)
    return Wiring(
        registrations=[
            Registration(
                "portal.comments.v1.CommentService",
                comments_pb2_grpc.add_CommentServiceServicer_to_server,
                CommentServicer(db, relay, limits),
            ),
        ],
        background=[Worker(relay.run, relay.stop)],
    )
