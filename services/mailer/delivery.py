"""Delivering email requests: each event is one message, sent once (the consumer dedupes on the event id).

A request is decoded, rendered from its template, its documents fetched from their owners, then sent. One that
can never be sent (malformed, a document gone, refused by the relay for good) is logged and dropped, so it does
not block the partition; anything that may pass later (relay down, 4xx, a document's owner unavailable) raises
and is retried. Logs carry ids and counts only: bodies may hold sign-in links.
"""

from __future__ import annotations

import logging
import smtplib

from portal_kit import metrics
from portal_kit.consumer import Event
from sqlmodel.ext.asyncio.session import AsyncSession

from services.mailer.documents import Documents
from services.mailer.emails import compose, recipients
from services.mailer.rendering import render
from services.mailer.requests import TOPICS, MalformedEmail, decode
from services.mailer.settings import MailSettings
from services.mailer.smtp import SmtpSender

log = logging.getLogger("services.mailer")

__all__ = ["TOPICS", "EmailDelivery"]


def _rejected_for_good(error: smtplib.SMTPException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPNotSupportedError):
        return True
    return isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600


class EmailDelivery:
    def __init__(self, settings: MailSettings, billing_addr: str, sender: SmtpSender | None = None) -> None:
        self.settings = settings
        self.sender = sender or SmtpSender(settings)
        self.documents = Documents(billing_addr)
        self.domain = settings.mail_from.rpartition("@")[2] or "portal.localhost"

    async def __call__(self, event: Event, session: AsyncSession) -> None:
        about = {"event_id": event.event_id, "topic": event.topic, "tenant_id": event.tenant_id}
        try:
            await self.deliver(event, about)
        except Exception:
            metrics.EMAILS_FAILED.labels(about.get("template", "unknown"), "temporary").inc()
            raise

    async def deliver(self, event: Event, about: dict[str, str]) -> None:
        try:
            request = decode(event)
            about["template"] = request.template
            rendered = render(request)
            recipients(request.envelope)
            attachments = await self.documents.fetch(list(request.envelope.attachments), request.envelope.from_name)
            message = compose(
                request.envelope, rendered, attachments, self.settings.mail_from, f"<{event.event_id}@{self.domain}>"
            )
        except MalformedEmail as problem:
            metrics.EMAILS_FAILED.labels(about.get("template", "unknown"), "malformed").inc()
            log.error("email request cannot be sent; skipped", extra={**about, "problem": str(problem)})
            return
        try:
            refused = await self.sender.send(message)
        except smtplib.SMTPException as error:
            if not _rejected_for_good(error):
                raise
            metrics.EMAILS_FAILED.labels(about["template"], "rejected").inc()
            log.error("email rejected by the relay; dropped", extra={**about, "error": type(error).__name__})
            return
        if refused:
            log.warning("some recipients were refused", extra={**about, "refused": len(refused)})
        metrics.EMAILS_SENT.labels(about["template"]).inc()
        log.info("email sent", extra={**about, "recipients": len(message["To"].addresses)})

    async def close(self) -> None:
        await self.documents.close()
