"""Helpers for mailer tests, and for any test that proves an email was NOT sent.

Absence is proven with a marker, never with a sleep: after the request that must send nothing, send one that must
send something through the same ordered path (same topic and key, so the same partition, or the same API flow),
wait for the marker, then assert the first sent nothing. `publish_marker` + `wait_for_marker` do that for the
mailer's topics; `subject_is` and `new_marker` help build markers through other paths.
"""

from __future__ import annotations

from collections.abc import Callable

from aiokafka import AIOKafkaProducer
from google.protobuf.message import Message as ProtoMessage
from portal.auth.v1 import events_pb2 as auth_events
from portal.billing.v1 import events_pb2 as billing_events
from portal.mailer.v1 import email_pb2
from portal_kit.ids import new_uuid

from devtools.mailbox import Message, SmtpSink

BILLING = "billing.email_requested.v1"
AUTH = "auth.email_requested.v1"
TENANT = "tenant-a"
KEY = b"invoice-1"
PORTAL = "http://acme.localhost:8000"


def recipients(*addresses: tuple[str, str]) -> list[email_pb2.Recipient]:
    return [email_pb2.Recipient(name=name, email=email) for name, email in addresses]


def invoice_email(
    subject: str = "",
    *,
    to: list[email_pb2.Recipient] | None = None,
    from_name: str = "Acme Inc",
    invoice_id: int = 0,
    customer_name: str = "Jane Customer",
    message: str = "",
    number: str = "INV-0001",
    total: int = 12345,
    currency: str = "usd",
    link: str = f"{PORTAL}/invoices/tok",
    due_date: int | None = None,
) -> billing_events.EmailRequested:
    """A billing.email_requested.v1 event; with invoice_id, the invoice's PDF is attached (fetched from billing)."""
    data = billing_events.InvoiceEmail(
        invoice_id=invoice_id,
        number=number,
        customer_name=customer_name,
        subject=subject,
        message=message,
        total=total,
        balance=total,
        currency=currency,
        link=link,
    )
    if due_date is not None:
        data.due_date = due_date
    return billing_events.EmailRequested(
        envelope=email_pb2.Envelope(
            to=to if to is not None else recipients(("Jane Customer", "jane@example.com")),
            from_name=from_name,
            attachments=[email_pb2.DocumentRef(invoice_pdf=invoice_id)] if invoice_id else [],
        ),
        new_invoice=data,
    )


def sign_in_email(
    address: str = "jane@example.com", *, from_name: str = "Acme Inc", code: str = "123456"
) -> auth_events.EmailRequested:
    return auth_events.EmailRequested(
        envelope=email_pb2.Envelope(to=recipients(("", address)), from_name=from_name),
        sign_in=auth_events.SignInEmail(link=f"{PORTAL}/sign-in/tok", code=code, valid_minutes=15),
    )


async def publish(
    bootstrap: str,
    topic: str,
    payload: ProtoMessage | bytes,
    event_id: str | None = None,
    *,
    tenant: str = TENANT,
    key: bytes = KEY,
) -> str:
    """Publishes one event as the outbox relay does (event-id and tenant-id headers); returns its event id."""
    event_id = event_id or new_uuid()
    value = payload if isinstance(payload, bytes) else payload.SerializeToString()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, value=value, key=key, headers=[("event-id", event_id.encode()), ("tenant-id", tenant.encode())]
        )
    finally:
        await producer.stop()
    return event_id


def subject_is(subject: str) -> Callable[[Message], bool]:
    return lambda message: message.subject == subject


def new_marker(label: str = "Marker") -> str:
    """A subject no other test uses."""
    return f"{label} {new_uuid()[:12]}"


async def publish_marker(bootstrap: str, topic: str = BILLING, *, tenant: str = TENANT, key: bytes = KEY) -> str:
    """Publishes a marker email behind what was published before on that topic and key; returns its subject."""
    subject = new_marker()
    await publish(bootstrap, topic, invoice_email(subject) if topic == BILLING else _sign_in_marker(subject),
                  tenant=tenant, key=key)  # fmt: skip
    return subject


def _sign_in_marker(subject: str) -> ProtoMessage:
    # The sign-in template makes its own subject: a marker on the auth topic is told apart by its sender's name.
    return sign_in_email(from_name=subject)


def marker_arrived(subject: str) -> Callable[[Message], bool]:
    return lambda message: message.subject == subject or message.subject == f"Sign in to {subject}"


async def wait_for_marker(sink: SmtpSink, subject: str, timeout: float = 30.0) -> Message:  # noqa: ASYNC109
    [message] = await sink.wait_for_async(marker_arrived(subject), timeout=timeout)
    return message
