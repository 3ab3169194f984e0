"""Email requests as they arrive: each `<domain>.email_requested.v1` topic carries its domain's EmailRequested
message, whose `template` oneof names the template and holds its data."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message
from portal.auth.v1 import events_pb2 as auth_events
from portal.billing.v1 import events_pb2 as billing_events
from portal.mailer.v1 import email_pb2
from portal_kit.consumer import Event, MalformedEvent

BILLING_EMAIL_REQUESTED = "billing.email_requested.v1"
AUTH_EMAIL_REQUESTED = "auth.email_requested.v1"

# The message each topic carries. Every one has an `envelope` and a `template` oneof.
MESSAGES: dict[str, type[billing_events.EmailRequested] | type[auth_events.EmailRequested]] = {
    BILLING_EMAIL_REQUESTED: billing_events.EmailRequested,
    AUTH_EMAIL_REQUESTED: auth_events.EmailRequested,
}
TOPICS = list(MESSAGES)


class MalformedEmail(MalformedEvent):
    """The request can never be sent as it is; retrying will not help."""


@dataclass(frozen=True)
class EmailRequest:
    envelope: email_pb2.Envelope
    template: str  # the name of the template in services/mailer/templates/
    data: Message  # that template's data


def decode(event: Event) -> EmailRequest:
    """The email request in an event of one of TOPICS; MalformedEmail when it is not one."""
    message_type = MESSAGES.get(event.topic)
    if message_type is None:
        raise MalformedEmail(f"the mailer does not read {event.topic}")
    try:
        message = event.decode(message_type)
    except MalformedEvent as error:
        raise MalformedEmail(str(error)) from error
    template = message.WhichOneof("template")
    if template is None:
        raise MalformedEmail("the request names no template this mailer knows")
    return EmailRequest(message.envelope, template, getattr(message, template))
