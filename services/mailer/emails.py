"""One MIME message from a rendered email request: checked recipients and headers, both parts, the attachments."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from portal.mailer.v1 import email_pb2
from portal_kit.timestamps import utcnow

from services.mailer.documents import Attachment
from services.mailer.rendering import RenderedEmail
from services.mailer.requests import MalformedEmail

MAX_RECIPIENTS = 50


def _one_line(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise MalformedEmail(f"{what} cannot contain line breaks")
    return value


def _address(recipient: email_pb2.Recipient) -> Address:
    email = _one_line(recipient.email, "a recipient's email").strip()
    if email.count("@") != 1:
        raise MalformedEmail("a recipient's email is not an address")
    try:
        return Address(display_name=_one_line(recipient.name, "a recipient's name"), addr_spec=email)
    except Exception as error:  # noqa: BLE001 - the email package raises many kinds for bad addresses
        raise MalformedEmail("a recipient's email is not an address") from error


def recipients(envelope: email_pb2.Envelope) -> list[Address]:
    if not envelope.to:
        raise MalformedEmail("an email needs at least one recipient")
    if len(envelope.to) > MAX_RECIPIENTS:
        raise MalformedEmail(f"an email can have at most {MAX_RECIPIENTS} recipients")
    return [_address(r) for r in envelope.to]


def compose(
    envelope: email_pb2.Envelope,
    rendered: RenderedEmail,
    attachments: list[Attachment],
    mail_from: str,
    message_id: str,
) -> EmailMessage:
    """One message to every recipient; text and HTML as alternatives, then the attachments.

    `message_id` should be derived from the event id, so that a rare re-send carries the same Message-ID.
    """
    to = recipients(envelope)
    if not rendered.subject:
        raise MalformedEmail("the email's subject is empty")
    message = EmailMessage()
    message["Subject"] = _one_line(rendered.subject, "the subject")
    message["From"] = Address(display_name=_one_line(envelope.from_name, "the sender's name"), addr_spec=mail_from)
    message["To"] = to
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    for attachment in attachments:
        message.add_attachment(
            attachment.content, maintype=attachment.maintype, subtype=attachment.subtype, filename=attachment.filename
        )
    try:
        message.as_bytes()  # fail here, not at every retry of the send
    except Exception as error:  # noqa: BLE001
        raise MalformedEmail("the email cannot be serialized") from error
    return message
