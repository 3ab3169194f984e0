from __future__ import annotations

from pathlib import Path

from portal_kit.consumer import IdempotentConsumer
from portal_kit.db import Database
from portal_kit.service import Wiring
from portal_kit.settings import ServiceSettings

from services.mailer.delivery import TOPICS, EmailDelivery, wait_for_topics
from services.mailer.settings import MailSettings

NAME = "mailer"
DEFAULT_PORT = 50055
MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: ServiceSettings, mail: MailSettings | None = None) -> Wiring:
    """No RPCs of its own: the gRPC server only answers health checks; the work is the consumer loop."""
    consumer = IdempotentConsumer(
        db,
        settings.kafka_bootstrap,
        TOPICS,
        NAME,
        EmailDelivery(mail or MailSettings.from_env()),
        group_timeout_ms=settings.kafka_group_timeout_ms,
    )

    async def consume() -> None:
        await wait_for_topics(settings.kafka_bootstrap, TOPICS)
        await consumer.run()

    return Wiring(registrations=[], background=[consume])
