"""Email requests: the event payload other services publish, checked and turned into one MIME message.

Payload: {"to": [{"name", "email"}], "subject", "text", "html", "from_name",
          "attachments": [{"filename", "content_type", "content_base64"}]}
"""

from __future__ import annotations

import base64
import binascii
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from portal_kit.timestamps import utcnow

MAX_RECIPIENTS = 50


class MalformedEmail(ValueError):
    """The request can never be sent as it is; retrying will not help."""


def _text(payload: dict[str, Any], name: str, *, required: bool = False, header: bool = False) -> str:
    value = payload.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise MalformedEmail(f"'{name}' must be a string")
    if required and not value.strip():
        raise MalformedEmail(f"'{name}' is required")
    if header and ("\r" in value or "\n" in value):
        raise MalformedEmail(f"'{name}' cannot contain line breaks")
    return value


def _address(name: str, email: str) -> Address:
    if email.count("@") != 1:
        raise MalformedEmail("a recipient's email is not an address")
    try:
        return Address(display_name=name, addr_spec=email)
    except Exception as error:  # noqa: BLE001 - the email package raises many kinds for bad addresses
        raise MalformedEmail("a recipient's email is not an address") from error


def _recipients(payload: dict[str, Any]) -> list[Address]:
    to = payload.get("to")
    if not isinstance(to, list) or not to:
        raise MalformedEmail("'to' must be a non-empty list")
    if len(to) > MAX_RECIPIENTS:
        raise MalformedEmail(f"'to' can have at most {MAX_RECIPIENTS} recipients")
    recipients = []
    for entry in to:
        if not isinstance(entry, dict):
            raise MalformedEmail("each recipient must be an object with 'name' and 'email'")
        recipients.append(
            _address(_text(entry, "name", header=True), _text(entry, "email", required=True, header=True).strip())
        )
    return recipients


def _attach(message: EmailMessage, attachments: Any) -> None:
    if attachments is None:
        return
    if not isinstance(attachments, list):
        raise MalformedEmail("'attachments' must be a list")
    for attachment in attachments:
        if not isinstance(attachment, dict):
            raise MalformedEmail("each attachment must be an object")
        filename = _text(attachment, "filename", required=True, header=True)
        content_type = _text(attachment, "content_type", header=True) or "application/octet-stream"
        maintype, _, subtype = content_type.partition("/")
        if not maintype or not subtype:
            raise MalformedEmail("an attachment's content_type must look like 'application/pdf'")
        try:
            content = base64.b64decode(_text(attachment, "content_base64"), validate=True)
        except (binascii.Error, ValueError) as error:
            raise MalformedEmail("an attachment's content_base64 is not base64") from error
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)


def compose(payload: Any, mail_from: str, message_id: str) -> EmailMessage:
    """One message to every recipient; text and HTML as alternatives, then the attachments.

    `message_id` should be derived from the event id, so that a rare re-send carries the same Message-ID.
    """
    if not isinstance(payload, dict):
        raise MalformedEmail("the payload must be a JSON object")
    recipients = _recipients(payload)
    subject = _text(payload, "subject", required=True, header=True)
    text = _text(payload, "text")
    html = _text(payload, "html")
    if not text.strip() and not html.strip():
        raise MalformedEmail("an email needs 'text' or 'html'")
    from_name = _text(payload, "from_name", header=True)

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=from_name, addr_spec=mail_from)
    message["To"] = recipients
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    if text.strip():
        message.set_content(text)
        if html.strip():
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    _attach(message, payload.get("attachments"))
    try:
        message.as_bytes()  # fail here, not at every retry of the send
    except Exception as error:  # noqa: BLE001
        raise MalformedEmail("the email cannot be serialized") from error
    return message
