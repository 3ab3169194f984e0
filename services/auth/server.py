from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from portal.auth.v1 import auth_pb2_grpc
from portal_kit.consumer import Event, Handler, IdempotentConsumer
from portal_kit.db import Database
from portal_kit.grpc_server import Registration, Worker
from portal_kit.kafka_topics import wait_for_topics
from portal_kit.outbox import OutboxRelay
from portal_kit.service import Wiring
from portal_kit.timestamps import utcnow

from services.auth.billing_customers import BillingCustomers
from services.auth.retention import purge_forever
from services.auth.revocations import TOPIC as REVOCATIONS_TOPIC
from services.auth.revocations import RevocationPublisher
from services.auth.servicer import (
    ApiKeyServicer,
    BusinessAdminServicer,
    BusinessServicer,
    PortalSettingsServicer,
)
from services.auth.session_servicer import SessionServicer
from services.auth.settings import AuthSettings
from services.auth.sign_in_requests import SIGN_IN_REQUESTED_TOPIC, SignInRequestHandler
from services.auth.sign_in_servicer import SignInServicer
from services.auth.subscription_links import SubscriptionLinks

MIGRATIONS = Path(__file__).parent / "migrations"
SIGN_IN_CONSUMER = "auth-sign-in"


class SignInConsumer(IdempotentConsumer):
    """Wakes the outbox relay as soon as a handled request's email event has committed."""

    def __init__(self, db: Database, settings: AuthSettings, handler: Handler, relay: OutboxRelay) -> None:
        super().__init__(
            db,
            settings.kafka.bootstrap,
            [SIGN_IN_REQUESTED_TOPIC],
            SIGN_IN_CONSUMER,
            handler,
            group_timeout_ms=settings.kafka.group_timeout_ms,
        )
        self.relay = relay

    async def handle(self, event: Event) -> bool:
        ran = await super().handle(event)
        if ran:
            self.relay.notify()
        return ran


def build(
    db: Database,
    settings: AuthSettings,
    now: Callable[[], datetime] = utcnow,
    billing_addr: str | None = None,
    subscriptions_addr: str | None = None,
) -> Wiring:
    """billing_addr and subscriptions_addr (tests) override the settings' PORTAL_BILLING_ADDR and
    PORTAL_SUBSCRIPTIONS_ADDR."""
    relay = OutboxRelay(db, settings.kafka.bootstrap, settings.kafka.idempotence)
    billing = BillingCustomers(billing_addr or settings.billing_addr)
    subscriptions = SubscriptionLinks(subscriptions_addr or settings.subscriptions_addr)
    consumer = SignInConsumer(db, settings, SignInRequestHandler(settings.secret_key, billing, now), relay)
    revoked = RevocationPublisher(settings.kafka.bootstrap)

    async def consume() -> None:
        try:
            await wait_for_topics(settings.kafka.bootstrap, [SIGN_IN_REQUESTED_TOPIC, REVOCATIONS_TOPIC])
            await consumer.run()
        finally:
            await billing.close()
            await subscriptions.close()

    return Wiring(
        registrations=[
            Registration(
                "portal.auth.v1.BusinessAdminService",
                auth_pb2_grpc.add_BusinessAdminServiceServicer_to_server,
                BusinessAdminServicer(db, settings.secret_key, now, revoked),
            ),
            Registration(
                "portal.auth.v1.BusinessService",
                auth_pb2_grpc.add_BusinessServiceServicer_to_server,
                BusinessServicer(db, settings.secret_key),
            ),
            Registration(
                "portal.auth.v1.ApiKeyService",
                auth_pb2_grpc.add_ApiKeyServiceServicer_to_server,
                ApiKeyServicer(db, settings.secret_key, now, revoked),
            ),
            Registration(
                "portal.auth.v1.PortalSettingsService",
                auth_pb2_grpc.add_PortalSettingsServiceServicer_to_server,
                PortalSettingsServicer(db, now, revoked),
            ),
            Registration(
                "portal.auth.v1.SignInService",
                auth_pb2_grpc.add_SignInServiceServicer_to_server,
                SignInServicer(db, settings.secret_key, billing, relay, now),
            ),
            Registration(
                "portal.auth.v1.SessionService",
                auth_pb2_grpc.add_SessionServiceServicer_to_server,
                SessionServicer(db, settings.secret_key, billing, now, revoked, subscriptions),
            ),
        ],
        background=[
            Worker(relay.run, relay.stop),
            Worker(consume, consumer.stop),
            revoked.run,
            lambda: purge_forever(db, now),
        ],
        replays=db,
    )
