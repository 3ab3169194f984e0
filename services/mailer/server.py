from __future__ import annotations

from pathlib import Path

from portal_kit.consumer import IdempotentConsumer
from portal_kit.db import Database
from portal_kit.grpc_server import Worker
from portal_kit.kafka_topics import wait_for_topics
from portal_kit.service import Wiring

from services.mailer.delivery import TOPICS, EmailDelivery
from services.mailer.settings import MailerSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: MailerSettings) -> Wiring:
    """No RPCs of its own: the gRPC server only answers health checks; the work is the consumer loop."""
    delivery = EmailDelivery(settings.mail, settings.billing_addr)
    consumer = IdempotentConsumer(
        db, settings.kafka.bootstrap, TOPICS, settings.name, delivery, group_timeout_ms=settings.kafka.group_timeout_ms
    )

    async def consume() -> None:
        try:
            await wait_for_topics(settings.kafka.bootstrap, TOPICS)
            await consumer.run()
        finally:
            await delivery.close()

    return Wiring(registrations=[], background=[Worker(consume, consumer.stop)])
