"""The mailer against a real broker (tansu) and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from grpc_health.v1 import health_pb2, health_pb2_grpc
from portal_kit.consumer import ProcessedEvent
from portal_kit.ids import new_uuid
from portal_kit.kafka_topics import ensure_topics
from sqlmodel import select

from devtools.localservers import KafkaServer, free_port, start_kafka
from devtools.mailbox import MailStore, SmtpSink
from devtools.mailbox.smtp import StoreHandler, start_smtp
from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.mailer.delivery import TOPICS
from services.mailer.server import MIGRATIONS, build
from services.mailer.settings import MailerSettings, MailSettings

BILLING = "billing.email_requested.v1"
AUTH = "auth.email_requested.v1"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
async def kafka(tmp_path: Path) -> AsyncIterator[KafkaServer]:
    server = start_kafka(tmp_path / "kafka")
    try:
        # Created here with one partition, so that the order of publishing is the order of delivery.
        await ensure_topics(server.bootstrap, TOPICS)
        yield server
    finally:
        server.stop()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


@pytest.fixture
async def database(service_databases: ServiceDatabases) -> str:
    return await service_databases.fresh("mailer", MIGRATIONS)


@asynccontextmanager
async def mailer(database: str, kafka: KafkaServer, smtp_port: int) -> AsyncIterator[RunningService]:
    mail = MailSettings(smtp_port=smtp_port, smtp_timeout=2.0)
    settings = settings_for_test(MailerSettings, database, kafka.bootstrap, mail=mail)
    async with running_service(settings, MIGRATIONS, build, with_background=True) as running:
        yield running


async def publish(kafka: KafkaServer, topic: str, payload: Any, event_id: str | None = None) -> str:
    event_id = event_id or new_uuid()
    value = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, request_timeout_ms=5000)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            value=value,
            key=b"invoice-1",
            headers=[("event-id", event_id.encode()), ("tenant-id", b"tenant-a")],
        )
    finally:
        await producer.stop()
    return event_id


def email(subject: str, **extra: Any) -> dict[str, Any]:
    return {
        "to": [{"name": "Jane Customer", "email": "jane@example.com"}],
        "subject": subject,
        "text": f"{subject} (text)",
        "html": f"<p>{subject} (html)</p>",
        "from_name": "Acme Inc",
        "attachments": [],
        **extra,
    }


def subject_is(subject: str) -> Any:
    return lambda message: message.subject == subject


async def test_an_email_request_is_sent_with_both_bodies_and_the_pdf(
    database: str, kafka: KafkaServer, sink: SmtpSink
) -> None:
    async with mailer(database, kafka, sink.port) as running:
        health = health_pb2_grpc.HealthStub(running.channel)
        assert (await health.Check(health_pb2.HealthCheckRequest())).status == health_pb2.HealthCheckResponse.SERVING

        payload = email(
            "Invoice INV-0001 from Acme Inc",
            to=[{"name": "Jane Customer", "email": "jane@example.com"}, {"name": "", "email": "ap@example.com"}],
            attachments=[
                {
                    "filename": "INV-0001.pdf",
                    "content_type": "application/pdf",
                    "content_base64": base64.b64encode(PDF).decode(),
                }
            ],
        )
        event_id = await publish(kafka, BILLING, payload)
        [message] = await sink.wait_for_async(timeout=15)

    assert message.subject == "Invoice INV-0001 from Acme Inc"
    assert parseaddr(message.sender) == ("Acme Inc", "billing@portal.localhost")
    assert sorted(message.to) == ["ap@example.com", "jane@example.com"]
    assert ("To", "Jane Customer <jane@example.com>, ap@example.com") in message.headers
    assert (message.text or "").strip() == "Invoice INV-0001 from Acme Inc (text)"
    assert (message.html or "").strip() == "<p>Invoice INV-0001 from Acme Inc (html)</p>"
    assert [(a.filename, a.content_type, a.content) for a in message.attachments] == [
        ("INV-0001.pdf", "application/pdf", PDF)
    ]
    assert dict(message.headers)["Message-ID"] == f"<{event_id}@portal.localhost>"


async def processed(running: RunningService) -> list[ProcessedEvent]:
    async with running.db.unit_of_work() as session:
        return list((await session.exec(select(ProcessedEvent))).all())


async def test_a_redelivered_event_is_sent_once(database: str, kafka: KafkaServer, sink: SmtpSink) -> None:
    async with mailer(database, kafka, sink.port) as running:
        event_id = new_uuid()
        await publish(kafka, AUTH, email("Your sign-in link"), event_id)
        await publish(kafka, AUTH, email("Your sign-in link"), event_id)
        await publish(kafka, AUTH, email("Marker"))
        await sink.wait_for_async(subject_is("Marker"), timeout=15)
        # The marker was published after both copies on the same partition: once it is sent, both were handled.
        await sink.wait_for_async(subject_is("Your sign-in link"), timeout=15)
        async with asyncio.timeout(15):  # the marker's mark commits just after its email is sent
            while len(handled := await processed(running)) < 2:  # noqa: ASYNC110 - polls the database
                await asyncio.sleep(0.05)
    assert sorted(m.subject for m in sink.messages()) == ["Marker", "Your sign-in link"]
    assert {(e.consumer, e.event_id) for e in handled} >= {("mailer", event_id)}
    assert len(handled) == 2


@pytest.mark.parametrize(
    "bad",
    [
        [1, 2],
        {"subject": "No recipients", "text": "x"},
        email("Bad address", to=[{"name": "X", "email": "not an address"}]),
        email("Header injection\r\nBcc: evil@example.com"),
        email("No body", text="", html=""),
        email(
            "Bad attachment",
            attachments=[{"filename": "a.pdf", "content_type": "application/pdf", "content_base64": "%%%"}],
        ),
    ],
)
async def test_a_malformed_request_is_skipped_and_the_next_one_is_sent(
    database: str, kafka: KafkaServer, sink: SmtpSink, bad: Any
) -> None:
    async with mailer(database, kafka, sink.port):
        await publish(kafka, BILLING, bad)
        await publish(kafka, BILLING, email("Good one"))
        await sink.wait_for_async(subject_is("Good one"), timeout=15)
    assert [m.subject for m in sink.messages()] == ["Good one"]


async def test_a_payload_that_is_not_json_does_not_block_the_partition(
    database: str, kafka: KafkaServer, sink: SmtpSink
) -> None:
    async with mailer(database, kafka, sink.port):
        await publish(kafka, BILLING, b"{not json")
        await publish(kafka, BILLING, email("Good one"))
        await sink.wait_for_async(subject_is("Good one"), timeout=3)


class LogSeen(logging.Handler):
    """Sets an event when a log message containing `text` is emitted."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


async def test_an_email_waits_for_the_relay_and_is_sent_once(database: str, kafka: KafkaServer) -> None:
    port = free_port()
    store = MailStore()
    retrying = LogSeen("handler failed")
    logging.getLogger("portal_kit.consumer").addHandler(retrying)
    try:
        async with mailer(database, kafka, port):
            await publish(kafka, BILLING, email("Sent when the relay is back"))
            await asyncio.wait_for(retrying.seen.wait(), 10)  # nothing listens yet: the mailer retries
            assert store.messages() == []
            controller, _ = start_smtp(store, port=port)
            try:
                await publish(kafka, BILLING, email("Next"))
                await asyncio.to_thread(store.wait_for, subject_is("Next"), 15.0)
            finally:
                controller.stop()
    finally:
        logging.getLogger("portal_kit.consumer").removeHandler(retrying)
    assert [m.subject for m in store.messages()] == ["Sent when the relay is back", "Next"]


class RefusingHandler(StoreHandler):
    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_an_email_the_relay_refuses_for_good_is_dropped(database: str, kafka: KafkaServer) -> None:
    store = MailStore()
    port = free_port()
    controller = Controller(RefusingHandler(store), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        async with mailer(database, kafka, port):
            await publish(kafka, BILLING, email("Refused", to=[{"name": "", "email": "nobody@example.com"}]))
            await publish(kafka, BILLING, email("Accepted"))
            await asyncio.to_thread(store.wait_for, subject_is("Accepted"), 15.0)
    finally:
        controller.stop()
    assert [m.subject for m in store.messages()] == ["Accepted"]


async def test_the_mailer_waits_for_the_broker_and_creates_its_topics(
    tmp_path: Path, database: str, sink: SmtpSink
) -> None:
    broker = KafkaServer(tmp_path / "late-kafka", free_port())  # its port is needed before it starts
    retrying = LogSeen("broker not reachable yet")
    logging.getLogger().addHandler(retrying)
    try:
        async with mailer(database, broker, sink.port):
            await asyncio.wait_for(retrying.seen.wait(), 30)  # the mailer is retrying against nothing
            await asyncio.to_thread(broker.start)
            admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
            await admin.start()
            try:
                async with asyncio.timeout(10):
                    while set(TOPICS) - set(await admin.list_topics()):  # noqa: ASYNC110 - polls the broker
                        await asyncio.sleep(0.1)
                described = await admin.describe_topics(TOPICS)
            finally:
                await admin.close()
            assert [len(t["partitions"]) for t in described] == [1, 1]
            await publish(broker, AUTH, email("After the broker came up"))
            await sink.wait_for_async(subject_is("After the broker came up"), timeout=15)
    finally:
        logging.getLogger().removeHandler(retrying)
        broker.stop()
