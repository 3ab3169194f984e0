from __future__ import annotations

from pathlib import Path

from portal_kit.consumer import IdempotentConsumer
from portal_kit.db import Database
from portal_kit.service import Wiring

from services.mailer.delivery import TOPICS, EmailDelivery, wait_for_topics
from services.mailer.settings import MailerSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: MailerSettings) -> Wiring:
    """No RPCs of its own: the gRPC server only answers health checks; the work is the consumer loop."""
    consumer = IdempotentConsumer(
        db,
        settings.kafka.bootstrap,
        TOPICS,
        settings.name,
        EmailDelivery(settings.mail),
        group_timeout_ms=settings.kafka.group_timeout_ms,
    )

    async def consume() -> None:
        await wait_for_topics(settings.kafka.bootstrap, TOPICS)
        await consumer.run()

    return Wiring(registrations=[], background=[consume])
