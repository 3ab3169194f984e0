"""The mailer against a real broker (tansu), a real SMTP server (aiosmtpd) and billing's PDF RPC over gRPC."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from grpc_health.v1 import health_pb2, health_pb2_grpc
from portal.billing.v1 import events_pb2 as billing_events
from portal.mailer.v1 import email_pb2
from portal_kit.consumer import ProcessedEvent
from portal_kit.errors import Unavailable
from portal_kit.ids import new_uuid
from portal_kit.kafka_topics import ensure_topics
from portal_kit.service_auth import SERVICE_NAME_ENV, token_env
from prometheus_client import REGISTRY
from sqlmodel import select

from devtools.localservers import KafkaServer, free_port, start_kafka
from devtools.mailbox import MailStore, SmtpSink
from devtools.mailbox.smtp import StoreHandler, start_smtp
from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.mailer.delivery import TOPICS
from services.mailer.server import MIGRATIONS, build
from services.mailer.settings import MailerSettings, MailSettings
from services.mailer.tests.fake_billing import PDF, FakeBilling
from services.mailer.tests.mailing import (
    AUTH,
    BILLING,
    TENANT,
    invoice_email,
    publish,
    publish_marker,
    recipients,
    sign_in_email,
    subject_is,
    wait_for_marker,
)


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
async def billing(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBilling]:
    """Billing's PDF RPC; the mailer calls it as production does, with its credential from the environment."""
    async with FakeBilling() as running:
        monkeypatch.setenv(SERVICE_NAME_ENV, "mailer")
        monkeypatch.setenv(token_env("mailer"), running.tokens["mailer"])
        yield running


@pytest.fixture
async def database(service_databases: ServiceDatabases) -> str:
    return await service_databases.fresh("mailer", MIGRATIONS)


@asynccontextmanager
async def mailer(
    database: str, kafka: KafkaServer, smtp_port: int, billing_addr: str = "127.0.0.1:1"
) -> AsyncIterator[RunningService]:
    mail = MailSettings(smtp_port=smtp_port, smtp_timeout=2.0)
    settings = settings_for_test(MailerSettings, database, kafka.bootstrap, mail=mail, billing_addr=billing_addr)
    async with running_service(settings, MIGRATIONS, build, with_background=True) as running:
        yield running


async def test_an_invoice_email_is_rendered_and_sent_with_both_parts_and_the_pdf_from_billing(
    database: str, kafka: KafkaServer, sink: SmtpSink, billing: FakeBilling
) -> None:
    billing.invoices.pdfs[(TENANT, 77)] = PDF
    async with mailer(database, kafka, sink.port, billing.address) as running:
        health = health_pb2_grpc.HealthStub(running.channel)
        assert (await health.Check(health_pb2.HealthCheckRequest())).status == health_pb2.HealthCheckResponse.SERVING

        request = invoice_email(
            "",
            to=recipients(("Jane Customer", "jane@example.com"), ("", "ap@example.com")),
            invoice_id=77,
            message="Thanks for your order.\nPay by card or transfer.",
            total=123456,
            due_date=1767225600,  # 2026-01-01
        )
        event_id = await publish(kafka.bootstrap, BILLING, request)
        [message] = await sink.wait_for_async(timeout=15)

    assert message.subject == "Invoice INV-0001 from Acme Inc"
    assert parseaddr(message.sender) == ("Acme Inc", "billing@portal.localhost")
    assert sorted(message.to) == ["ap@example.com", "jane@example.com"]
    assert ("To", "Jane Customer <jane@example.com>, ap@example.com") in message.headers
    assert dict(message.headers)["Message-ID"] == f"<{event_id}@portal.localhost>"
    text, html = (message.text or "").replace("\r\n", "\n"), message.html or ""
    assert text.startswith("Hello Jane Customer,\n\nThanks for your order.\nPay by card or transfer.\n")
    for expected in ("Invoice: INV-0001", "Total: $1,234.56", "Balance due: $1,234.56", "Due date: January 1, 2026",
                     "View Invoice: http://acme.localhost:8000/invoices/tok"):  # fmt: skip
        assert expected in text
    assert text.rstrip().endswith("Acme Inc")
    assert "<p>Thanks for your order.</p>" in html and "<p>Pay by card or transfer.</p>" in html
    assert '<a href="http://acme.localhost:8000/invoices/tok"' in html and ">View Invoice</a>" in html
    assert "<strong>$1,234.56</strong>" in html
    assert [(a.filename, a.content_type, a.content) for a in message.attachments] == [
        ("INV-77.pdf", "application/pdf", PDF)
    ]
    [call] = billing.invoices.calls
    assert (call.tenant, call.invoice_id, call.business_name) == (TENANT, 77, "Acme Inc")


async def test_a_payment_receipt_is_sent_with_the_receipt_pdf_from_billing(
    database: str, kafka: KafkaServer, sink: SmtpSink, billing: FakeBilling
) -> None:
    billing.payments.pdfs[(TENANT, 91)] = PDF
    receipt = billing_events.PaymentReceiptEmail(
        payment_id=91, customer_name="Jane Customer", amount=12345, currency="kwd", date=1767225600, method="Card",
        invoice_numbers=["INV-0001", "INV-0002"], link="http://acme.localhost:8000/account/payments",
    )  # fmt: skip
    request = billing_events.EmailRequested(
        envelope=email_pb2.Envelope(
            to=recipients(("Jane Customer", "jane@example.com")),
            from_name="Acme Inc",
            attachments=[email_pb2.DocumentRef(receipt_pdf=91)],
        ),
        payment_receipt=receipt,
    )
    async with mailer(database, kafka, sink.port, billing.address):
        await publish(kafka.bootstrap, BILLING, request)
        [message] = await sink.wait_for_async(timeout=15)
    assert message.subject == "Receipt for your payment of 12.345 KWD to Acme Inc"
    text = (message.text or "").replace("\r\n", "\n")
    for expected in ("Amount: 12.345 KWD", "Date: January 1, 2026", "Method: Card", "Invoices: INV-0001, INV-0002",
                     "http://acme.localhost:8000/account/payments"):  # fmt: skip
        assert expected in text
    assert [(a.filename, a.content) for a in message.attachments] == [("receipt-91.pdf", PDF)]
    [call] = billing.payments.calls
    assert (call.tenant, call.invoice_id, call.business_name) == (TENANT, 91, "Acme Inc")


async def test_a_sign_in_email_is_rendered_from_its_template(database: str, kafka: KafkaServer, sink: SmtpSink) -> None:
    async with mailer(database, kafka, sink.port):
        await publish(kafka.bootstrap, AUTH, sign_in_email("pat@example.com", from_name="Tom & Jerry", code="042042"))
        [message] = await sink.wait_for_async(timeout=15)
    assert message.subject == "Sign in to Tom & Jerry"
    assert message.to == ["pat@example.com"]
    text = (message.text or "").replace("\r\n", "\n")
    assert "Sign in to Tom & Jerry with this link:\nhttp://acme.localhost:8000/sign-in/tok\n" in text
    assert "Or enter this code: 042042" in text
    assert "Sign in to Tom &amp; Jerry with this button" in (message.html or "")
    assert message.attachments == []


async def test_a_redelivered_event_is_sent_once(database: str, kafka: KafkaServer, sink: SmtpSink) -> None:
    async with mailer(database, kafka, sink.port) as running:
        event_id = new_uuid()
        await publish(kafka.bootstrap, BILLING, invoice_email("Your invoice"), event_id)
        await publish(kafka.bootstrap, BILLING, invoice_email("Your invoice"), event_id)
        marker = await publish_marker(kafka.bootstrap)
        await wait_for_marker(sink, marker)
        async with asyncio.timeout(10):  # the marker's mark commits just after its email is sent
            while True:
                async with running.db.unit_of_work() as session:
                    handled = (await session.exec(select(ProcessedEvent))).all()
                if len(handled) >= 2:
                    break
                await asyncio.sleep(0.05)
    assert sorted(m.subject for m in sink.messages()) == sorted([marker, "Your invoice"])
    assert {(e.consumer, e.event_id) for e in handled} >= {("mailer", event_id)}
    assert len(handled) == 2


def _with_envelope(**changes: Any) -> billing_events.EmailRequested:
    request = invoice_email("Bad one")
    for name, value in changes.items():
        field = getattr(request.envelope, name)
        if isinstance(value, list):
            del field[:]
            field.extend(value)
        else:
            setattr(request.envelope, name, value)
    return request


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(b"{not protobuf", id="not-protobuf"),
        pytest.param(b"\x0a\x05\xff\xfe\xfd\xfc\xfb", id="invalid-utf8"),
        pytest.param(billing_events.EmailRequested(envelope=invoice_email().envelope), id="no-template"),
        pytest.param(_with_envelope(to=[]), id="no-recipients"),
        pytest.param(_with_envelope(to=recipients(("X", "not an address"))), id="bad-address"),
        pytest.param(_with_envelope(to=recipients(("X\r\nBcc: evil@example.com", "x@example.com"))), id="name-crlf"),
        pytest.param(
            _with_envelope(to=recipients(*[("", f"r{i}@example.com") for i in range(51)])), id="51-recipients"
        ),
        pytest.param(invoice_email("Script link", link="javascript:alert(1)"), id="not-a-web-link"),
        pytest.param(invoice_email("Odd money", currency="zzzz"), id="unknown-currency"),
        pytest.param(_with_envelope(attachments=[email_pb2.DocumentRef()]), id="unknown-document"),
    ],
)
async def test_a_malformed_request_is_skipped_and_the_next_one_is_sent(
    database: str, kafka: KafkaServer, sink: SmtpSink, bad: Any
) -> None:
    async with mailer(database, kafka, sink.port):
        await publish(kafka.bootstrap, BILLING, bad)
        marker = await publish_marker(kafka.bootstrap)
        await wait_for_marker(sink, marker, timeout=15)
    assert [m.subject for m in sink.messages()] == [marker]


class LogSeen(logging.Handler):
    """Sets an event when a log message containing `text` is emitted."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


async def test_an_email_waits_for_its_pdf_and_is_never_sent_without_it(
    database: str, kafka: KafkaServer, sink: SmtpSink, billing: FakeBilling
) -> None:
    billing.invoices.pdfs[(TENANT, 5)] = PDF
    billing.invoices.failures = [Unavailable("Billing is restarting.")] * 3
    retrying = LogSeen("handler failed")
    logging.getLogger("portal_kit.consumer").addHandler(retrying)
    try:
        async with mailer(database, kafka, sink.port, billing.address):
            await publish(kafka.bootstrap, BILLING, invoice_email("With its PDF", invoice_id=5))
            [message] = await sink.wait_for_async(subject_is("With its PDF"), timeout=30)
    finally:
        logging.getLogger("portal_kit.consumer").removeHandler(retrying)
    assert retrying.seen.is_set()
    assert len(billing.invoices.calls) == 4
    assert [a.content for a in message.attachments] == [PDF]
    assert [m.subject for m in sink.messages()] == ["With its PDF"]


async def test_an_email_whose_document_is_gone_is_skipped(
    database: str, kafka: KafkaServer, sink: SmtpSink, billing: FakeBilling
) -> None:
    async with mailer(database, kafka, sink.port, billing.address):
        await publish(kafka.bootstrap, BILLING, invoice_email("Deleted invoice", invoice_id=404))
        marker = await publish_marker(kafka.bootstrap)
        await wait_for_marker(sink, marker, timeout=15)
    assert [m.subject for m in sink.messages()] == [marker]
    assert [c.invoice_id for c in billing.invoices.calls] == [404]


def emails(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"portal_emails_{name}_total", labels) or 0.0


async def test_an_email_waits_for_the_relay_and_is_sent_once(database: str, kafka: KafkaServer) -> None:
    sent, failed = emails("sent", template="new_invoice"), emails("failed", template="new_invoice", reason="temporary")
    port = free_port()
    store = MailStore()
    retrying = LogSeen("handler failed")
    logging.getLogger("portal_kit.consumer").addHandler(retrying)
    try:
        async with mailer(database, kafka, port):
            await publish(kafka.bootstrap, BILLING, invoice_email("Sent when the relay is back"))
            await asyncio.wait_for(retrying.seen.wait(), 10)  # nothing listens yet: the mailer retries
            assert store.messages() == []
            controller, _ = start_smtp(store, port=port)
            try:
                await publish(kafka.bootstrap, BILLING, invoice_email("Next"))
                await asyncio.to_thread(store.wait_for, subject_is("Next"), 15.0)
                async with asyncio.timeout(5):  # counted once the relay's answer is back, just after the store has it
                    while emails("sent", template="new_invoice") < sent + 2:  # noqa: ASYNC110
                        await asyncio.sleep(0.02)
            finally:
                controller.stop()
    finally:
        logging.getLogger("portal_kit.consumer").removeHandler(retrying)
    assert [m.subject for m in store.messages()] == ["Sent when the relay is back", "Next"]
    assert emails("sent", template="new_invoice") == sent + 2
    assert emails("failed", template="new_invoice", reason="temporary") > failed  # each failed attempt counts


class RefusingHandler(StoreHandler):
    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_an_email_the_relay_refuses_for_good_is_dropped(database: str, kafka: KafkaServer) -> None:
    rejected = emails("failed", template="new_invoice", reason="rejected")
    store = MailStore()
    port = free_port()
    controller = Controller(RefusingHandler(store), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        async with mailer(database, kafka, port):
            await publish(kafka.bootstrap, BILLING, invoice_email("Refused", to=recipients(("", "nobody@example.com"))))
            await publish(kafka.bootstrap, BILLING, invoice_email("Accepted"))
            await asyncio.to_thread(store.wait_for, subject_is("Accepted"), 15.0)
    finally:
        controller.stop()
    assert [m.subject for m in store.messages()] == ["Accepted"]
    assert emails("failed", template="new_invoice", reason="rejected") == rejected + 1


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
            await publish(broker.bootstrap, AUTH, sign_in_email("late@example.com"))
            await sink.wait_for_async(lambda m: m.to == ["late@example.com"], timeout=15)
    finally:
        logging.getLogger().removeHandler(retrying)
        broker.stop()
