"""Delivering email requests: each event is one message, sent once (the consumer dedupes on the event id).

A request that can never be sent (malformed, refused by the relay for good) is logged and dropped, so it
does not block the partition; anything that may pass later (relay down, 4xx) raises and is retried.
Logs carry ids and counts only: bodies may hold sign-in links.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib

from portal_kit.consumer import Event
from portal_kit.kafka_topics import ensure_topics
from sqlmodel.ext.asyncio.session import AsyncSession

from services.mailer.emails import MalformedEmail, compose
from services.mailer.settings import MailSettings
from services.mailer.smtp import SmtpSender

log = logging.getLogger("services.mailer")

TOPICS = ["billing.email_requested.v1", "auth.email_requested.v1"]


def _rejected_for_good(error: smtplib.SMTPException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPNotSupportedError):
        return True
    return isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600


class EmailDelivery:
    def __init__(self, settings: MailSettings, sender: SmtpSender | None = None) -> None:
        self.settings = settings
        self.sender = sender or SmtpSender(settings)
        self.domain = settings.mail_from.rpartition("@")[2] or "portal.localhost"

    async def __call__(self, event: Event, session: AsyncSession) -> None:
        about = {"event_id": event.event_id, "topic": event.topic, "tenant_id": event.tenant_id}
        try:
            message = compose(event.payload, self.settings.mail_from, f"<{event.event_id}@{self.domain}>")
        except MalformedEmail as problem:
            log.error("malformed email request skipped", extra={**about, "problem": str(problem)})
            return
        try:
            refused = await self.sender.send(message)
        except smtplib.SMTPException as error:
            if not _rejected_for_good(error):
                raise
            log.error("email rejected by the relay; dropped", extra={**about, "error": type(error).__name__})
            return
        if refused:
            log.warning("some recipients were refused", extra={**about, "refused": len(refused)})
        log.info("email sent", extra={**about, "recipients": len(message["To"].addresses)})


async def wait_for_topics(bootstrap: str, topics: list[str]) -> None:
    """Creates the topics, retrying until the broker answers."""
    backoff = 0.2
    while True:
        try:
            await ensure_topics(bootstrap, topics)
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - broker not up yet
            log.warning("broker not reachable yet; retrying", extra={"error": type(error).__name__})
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
