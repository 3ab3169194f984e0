"""A poison message does not stop the outbox: an event over the broker's limit (tansu, for real) is retried a few
times, moved to billing's dead letters, and a later email from another business still goes out, with its PDF."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.kafka_topics import ensure_topics
from portal_kit.outbox import MAX_ATTEMPTS, MAX_MESSAGE_BYTES, DeadLetterEvent, OutboxEvent
from sqlmodel import select

from devtools.localservers import KafkaServer
from devtools.mailbox import SmtpSink
from devtools.test_databases import ServiceDatabases
from devtools.testing import running_service, settings_for_test
from services.billing.delivery import EMAIL_REQUESTED_TOPIC
from services.billing.server import MIGRATIONS as BILLING_MIGRATIONS
from services.billing.server import build as build_billing
from services.billing.settings import BillingSettings
from services.billing.tests.factories import item, new_customer, new_invoice
from services.mailer.requests import TOPICS
from services.mailer.server import MIGRATIONS as MAILER_MIGRATIONS
from services.mailer.server import build as build_mailer
from services.mailer.settings import MailerSettings, MailSettings
from tests.events.conftest import call_as_mailer

PRESENTATION = ipb.Presentation(business_name="Beta Books", portal_url="http://beta.localhost:8000")


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


async def test_an_oversized_event_is_dead_lettered_and_another_business_still_gets_its_email(
    kafka: KafkaServer, sink: SmtpSink, service_databases: ServiceDatabases, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ensure_topics(kafka.bootstrap, TOPICS)  # one partition: the poison is ahead of the later email
    billing_settings = settings_for_test(
        BillingSettings, await service_databases.fresh("billing", BILLING_MIGRATIONS), kafka.bootstrap
    )
    async with running_service(billing_settings, BILLING_MIGRATIONS, build_billing, with_background=True) as billing:
        call_as_mailer(billing, monkeypatch)
        mailer_settings = settings_for_test(
            MailerSettings,
            await service_databases.fresh("mailer", MAILER_MIGRATIONS),
            kafka.bootstrap,
            mail=MailSettings(smtp_port=sink.port, smtp_timeout=2.0),
            billing_addr=f"127.0.0.1:{billing.port}",
        )
        async with running_service(mailer_settings, MAILER_MIGRATIONS, build_mailer, with_background=True):
            # Business A's event was written before the size cap (or the broker's limit is smaller than ours).
            async with billing.db.unit_of_work() as session:
                session.add(
                    OutboxEvent(
                        event_id="poison-a",
                        tenant_id="tenant-a",
                        topic=EMAIL_REQUESTED_TOPIC,
                        key="1",
                        payload=b"\x0a" + b"x" * (MAX_MESSAGE_BYTES + 1),
                    )  # fmt: skip
                )
            with bound("tenant-b"):
                customer = await new_customer(
                    CustomerServiceStub(billing.channel), name="Bob", email="bob@beta.example"
                )
                invoices = InvoiceServiceStub(billing.channel)
                invoice = await new_invoice(invoices, customer.id, item("1", 2500))
                await invoices.SendInvoice(ipb.SendInvoiceRequest(id=invoice.id, presentation=PRESENTATION))

            [message] = await sink.wait_for_async(lambda m: "bob@beta.example" in m.to, timeout=60)
            async with asyncio.timeout(10):
                while True:
                    async with billing.db.unit_of_work() as session:
                        dead = (await session.exec(select(DeadLetterEvent))).all()
                        pending = (await session.exec(select(OutboxEvent))).all()
                    if not pending:
                        break
                    await asyncio.sleep(0.05)

    assert message.subject == "Invoice INV-0001 from Beta Books"
    assert [a.filename for a in message.attachments] == ["INV-0001.pdf"]
    assert [m.to for m in sink.messages()] == [["bob@beta.example"]]
    [poison] = dead
    assert (poison.event_id, poison.tenant_id, poison.attempts) == ("poison-a", "tenant-a", MAX_ATTEMPTS)
    assert poison.error.startswith("MessageSizeTooLargeError")
