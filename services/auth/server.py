from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from portal.auth.v1 import auth_pb2_grpc
from portal_kit.db import Database
from portal_kit.grpc_server import Registration
from portal_kit.service import Wiring
from portal_kit.settings import ServiceSettings
from portal_kit.timestamps import utcnow

from services.auth.servicer import BusinessAdminServicer, BusinessServicer, IdempotencyServicer

NAME = "auth"
DEFAULT_PORT = 50051
MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: ServiceSettings, now: Callable[[], datetime] = utcnow) -> Wiring:
    return Wiring(
        registrations=[
            Registration(
                "portal.auth.v1.BusinessAdminService",
                auth_pb2_grpc.add_BusinessAdminServiceServicer_to_server,
                BusinessAdminServicer(db, settings.secret_key),
            ),
            Registration(
                "portal.auth.v1.BusinessService",
                auth_pb2_grpc.add_BusinessServiceServicer_to_server,
                BusinessServicer(db, settings.secret_key),
            ),
            Registration(
                "portal.auth.v1.IdempotencyService",
                auth_pb2_grpc.add_IdempotencyServiceServicer_to_server,
                IdempotencyServicer(db, now),
            ),
        ]
    )
