from __future__ import annotations

from pathlib import Path

from portal.subscriptions.v1 import plans_pb2_grpc
from portal_kit.db import Database
from portal_kit.grpc_server import Registration
from portal_kit.service import Wiring
from portal_kit.settings import ServiceSettings

from services.subscriptions.servicer import PlanServicer

NAME = "subscriptions"
DEFAULT_PORT = 50053
MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: ServiceSettings) -> Wiring:
    return Wiring(
        registrations=[
            Registration(
                "portal.subscriptions.v1.PlanService",
                plans_pb2_grpc.add_PlanServiceServicer_to_server,
                PlanServicer(db),
            ),
        ]
    )
