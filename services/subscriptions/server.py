from __future__ import annotations

from pathlib import Path

from portal.subscriptions.v1 import plans_pb2_grpc, subscriptions_pb2_grpc
from portal_kit.db import Database
from portal_kit.grpc_server import Registration, Worker
from portal_kit.outbox import OutboxRelay
from portal_kit.service import Wiring

from services.subscriptions.billing import Billing
from services.subscriptions.portal_access.servicer import AccountSubscriptionServicer
from services.subscriptions.schedule.job import schedule_worker
from services.subscriptions.servicer import PlanServicer
from services.subscriptions.settings import SubscriptionsSettings
from services.subscriptions.sign_up_pages.billing import SignUpBillingSteps
from services.subscriptions.sign_up_pages.servicer import SignUpPageServicer
from services.subscriptions.subscriptions.servicer import SubscriptionServicer

MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: SubscriptionsSettings) -> Wiring:
    billing = Billing(settings.billing_addr)
    relay = OutboxRelay(db, settings.kafka.bootstrap, settings.kafka.idempotence)
    return Wiring(
        registrations=[
            Registration(
                "portal.subscriptions.v1.PlanService",
                plans_pb2_grpc.add_PlanServiceServicer_to_server,
                PlanServicer(db),
            ),
            Registration(
                "portal.subscriptions.v1.SubscriptionService",
                subscriptions_pb2_grpc.add_SubscriptionServiceServicer_to_server,
                SubscriptionServicer(db, settings.secret_key, billing, relay),
            ),
            Registration(
                "portal.subscriptions.v1.SignUpPageService",
                subscriptions_pb2_grpc.add_SignUpPageServiceServicer_to_server,
                SignUpPageServicer(db, settings.secret_key, SignUpBillingSteps(settings.billing_addr)),
            ),
            Registration(
                "portal.subscriptions.v1.AccountSubscriptionService",
                subscriptions_pb2_grpc.add_AccountSubscriptionServiceServicer_to_server,
                AccountSubscriptionServicer(db, settings.secret_key),
            ),
        ],
        # the relay first: Workers stop in reverse order, so it publishes what the scheduler wrote before it stops
        background=[Worker(relay.run, relay.stop), schedule_worker(db, settings)],
        replays=db,
    )
