from __future__ import annotations

from pathlib import Path

from portal.subscriptions.v1 import plans_pb2_grpc
from portal_kit.db import Database
from portal_kit.grpc_server import Registration
from portal_kit.service import Wiring

from services.subscriptions.servicer import PlanServicer
from services.subscriptions.settings import SubscriptionsSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: SubscriptionsSettings) -> Wiring:
    return Wiring(
        registrations=[
            Registration(
                "portal.subscriptions.v1.PlanService",
                plans_pb2_grpc.add_PlanServiceServicer_to_server,
                PlanServicer(db),
            ),
        ]
    )
