"""Every event a producer writes decodes in its consumer: each producer's real payload, from its outbox, is read
by the consumer's own decoder (and, for emails, rendered and its documents fetched as the mailer does)."""

from __future__ import annotations

import pytest
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.consumer import Event
from portal_kit.context import bound
from portal_kit.outbox import MAX_EVENT_BYTES, MAX_MESSAGE_BYTES, OutboxEvent
from sqlmodel import col, select

from devtools.testing import RunningService
from services.auth import sign_in_requests
from services.auth.tests.fake_billing import FakeBilling as FakeCustomers
from services.auth.tests.portal_steps import Mailbox, new_tenant
from services.billing import delivery as billing_delivery
from services.billing.tests.factories import item, new_customer, new_invoice
from services.mailer import emails as mailer_emails
from services.mailer.documents import Documents
from services.mailer.rendering import render
from services.mailer.requests import MESSAGES, decode
from tests.events.conftest import call_as_mailer

PORTAL = "http://acme.localhost:8000"


async def outbox_events(service: RunningService, topic: str) -> list[Event]:
    async with service.db.unit_of_work() as session:
        query = select(OutboxEvent).where(col(OutboxEvent.topic) == topic).order_by(col(OutboxEvent.seq))
        rows = (await session.exec(query)).all()
    return [Event(r.event_id, r.tenant_id, r.topic, r.key, r.payload) for r in rows]


async def test_billing_invoice_emails_decode_render_and_fetch_their_pdf_in_the_mailer(
    billing_service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing = billing_service
    customers, invoices = CustomerServiceStub(billing.channel), InvoiceServiceStub(billing.channel)
    with bound("tenant-a"):
        customer = await new_customer(customers, name="Eve <script>x</script>", email="eve@example.test")
        invoice = await new_invoice(invoices, customer.id, item("2", 1050, name="Consulting"))
        await invoices.SendInvoice(
            ipb.SendInvoiceRequest(
                id=invoice.id,
                message="Thank you!",
                presentation=ipb.Presentation(business_name="Acme & Sons", portal_url=PORTAL),
            )
        )
    [event] = await outbox_events(billing, billing_delivery.EMAIL_REQUESTED_TOPIC)

    request = decode(event)
    rendered = render(request)
    assert request.template == "new_invoice"
    assert [str(a) for a in mailer_emails.recipients(request.envelope)] == [
        '"Eve <script>x</script>" <eve@example.test>'
    ]
    assert rendered.subject == "Invoice INV-0001 from Acme & Sons"
    link = f"{PORTAL}/invoices/{invoice.link_token}"
    assert f"View Invoice: {link}" in rendered.text and "Total: $21.00" in rendered.text
    assert "Hello Eve &lt;script&gt;x&lt;/script&gt;," in rendered.html and "<script>" not in rendered.html
    assert "<p>Thank you!</p>" in rendered.html

    call_as_mailer(billing, monkeypatch)
    documents = Documents(f"127.0.0.1:{billing.port}")
    try:
        with bound(event.tenant_id):
            [pdf] = await documents.fetch(list(request.envelope.attachments), request.envelope.from_name)
    finally:
        await documents.close()
    assert (pdf.filename, pdf.maintype, pdf.subtype) == ("INV-0001.pdf", "application", "pdf")
    assert pdf.content.startswith(b"%PDF")


async def test_auth_sign_in_events_decode_in_auth_and_in_the_mailer(
    auth_service: RunningService, customers_by_email: FakeCustomers, sign_in_mailbox: Mailbox
) -> None:
    tenant = await new_tenant(auth_service)
    customers_by_email.customers.add(tenant.id, 7, "alice@example.com")
    emailed = await sign_in_mailbox.sign_in_email(tenant, "alice@example.com")  # auth's consumer decoded it

    [event] = await outbox_events(auth_service, sign_in_requests.EMAIL_REQUESTED_TOPIC)
    request = decode(event)
    rendered = render(request)
    assert request.template == "sign_in"
    assert [a.addr_spec for a in mailer_emails.recipients(request.envelope)] == ["alice@example.com"]
    assert rendered.subject == "Sign in to Acme Inc"
    assert f"{PORTAL}/sign-in/{emailed.token}" in rendered.text
    assert f"Or enter this code: {emailed.code}" in rendered.text


def test_the_mailer_reads_exactly_the_topics_its_producers_write() -> None:
    assert set(MESSAGES) == {billing_delivery.EMAIL_REQUESTED_TOPIC, sign_in_requests.EMAIL_REQUESTED_TOPIC}
    assert billing_delivery.MAX_RECIPIENTS == mailer_emails.MAX_RECIPIENTS
    assert MAX_EVENT_BYTES < MAX_MESSAGE_BYTES
