from __future__ import annotations

from pathlib import Path

from portal.billing.v1 import customers_pb2_grpc, invoices_pb2_grpc
from portal_kit.db import Database
from portal_kit.grpc_server import Registration
from portal_kit.outbox import OutboxRelay
from portal_kit.service import Wiring
from portal_kit.settings import ServiceSettings

from services.billing.customer_servicer import CustomerServicer
from services.billing.invoice_servicer import InvoiceServicer

NAME = "billing"
DEFAULT_PORT = 50052
MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: ServiceSettings) -> Wiring:
    relay = OutboxRelay(db, settings.kafka_bootstrap, settings.kafka_idempotence)
    return Wiring(
        registrations=[
            Registration(
                "portal.billing.v1.CustomerService",
                customers_pb2_grpc.add_CustomerServiceServicer_to_server,
                CustomerServicer(db),
            ),
            Registration(
                "portal.billing.v1.InvoiceService",
                invoices_pb2_grpc.add_InvoiceServiceServicer_to_server,
                InvoiceServicer(db, settings.secret_key, relay),
            ),
        ],
        background=[relay.run],
    )
