from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from portal.billing.v1 import customers_pb2 as cpb
from portal.billing.v1 import events_pb2
from portal.billing.v1 import invoices_pb2 as pb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.outbox import OutboxEvent
from portal_kit.timestamps import utcnow
from sqlmodel import col, select

from devtools.testing import RunningService
from services.billing.models import Invoice
from services.billing.tests.factories import item, new_customer, new_invoice

PORTAL = "http://acme.localhost:8000"
PRESENTATION = pb.Presentation(business_name="Acme & Sons", portal_url=PORTAL + "/")


async def _outbox(service: RunningService) -> list[OutboxEvent]:
    async with service.db.unit_of_work() as session:
        return list((await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.seq)))).all())


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["/usr/bin/pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()


async def test_send_records_one_email_request_and_marks_the_invoice_sent(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, name="Bob <Builder>", email="bob@example.test")
        for name, email, primary in (
            ("Ann", "ANN@example.test", True),
            ("Dup", "BOB@example.test", True),
            ("Nope", "nope@example.test", False),
        ):
            await customers.CreateContact(
                cpb.CreateContactRequest(
                    customer_id=customer.id, contact=cpb.Contact(name=name, email=email, primary=primary)
                )
            )
        invoice = await new_invoice(invoices, customer.id, item("2", 1234), item("1.5", 99), draft=True)
        sent = await invoices.SendInvoice(pb.SendInvoiceRequest(id=invoice.id, presentation=PRESENTATION))

    assert [e.email for e in sent.emails] == ["bob@example.test", "ANN@example.test"]
    assert all(e.state == "queued" and len(e.id) == 32 for e in sent.emails)
    assert len({e.id for e in sent.emails}) == 2
    assert (sent.invoice.draft, sent.invoice.sent, sent.invoice.status) == (False, True, "sent")

    [event] = await _outbox(service)
    assert (event.topic, event.key, event.tenant_id) == ("billing.email_requested.v1", str(invoice.id), "tenant-a")
    request = events_pb2.EmailRequested.FromString(event.payload)
    assert [(r.name, r.email) for r in request.envelope.to] == [
        ("Bob <Builder>", "bob@example.test"),
        ("Ann", "ANN@example.test"),
    ]
    assert request.envelope.from_name == "Acme & Sons"
    assert [a.invoice_pdf for a in request.envelope.attachments] == [invoice.id]  # a reference, not the PDF
    assert request.new_invoice == events_pb2.InvoiceEmail(
        invoice_id=invoice.id,
        number="INV-0001",
        customer_name="Bob <Builder>",
        subject="Invoice INV-0001 from Acme & Sons",
        message="",
        total=2617,
        balance=2617,
        currency="usd",
        link=f"{PORTAL}/invoices/{invoice.link_token}",
    )
    assert len(event.payload) < 1000


async def test_send_to_given_recipients_with_a_subject(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        invoice = await new_invoice(invoices, customer.id, item("1", 100))
        to = [pb.Recipient(name="X", email="x@example.test"), pb.Recipient(name="X again", email="X@example.test")]
        sent = await invoices.SendInvoice(
            pb.SendInvoiceRequest(id=invoice.id, to=to, subject="Your bill", presentation=PRESENTATION)
        )
        assert [(e.email, e.subject) for e in sent.emails] == [("x@example.test", "Your bill")]
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await invoices.SendInvoice(
                pb.SendInvoiceRequest(
                    id=invoice.id, to=[pb.Recipient(email="not-an-address")], presentation=PRESENTATION
                )
            )
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert dict(bad.value.trailing_metadata() or ()).get("x-portal-param") == "to[0].email"
    assert len(await _outbox(service)) == 1


async def test_send_without_any_address_fails_and_changes_nothing(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers)
        invoice = await new_invoice(invoices, customer.id, item("1", 100), draft=True)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await invoices.SendInvoice(pb.SendInvoiceRequest(id=invoice.id, presentation=PRESENTATION))
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert refused.value.details() == "This customer has no email address."
        again = (await invoices.GetInvoice(pb.GetInvoiceRequest(id=invoice.id))).invoice
        assert (again.draft, again.sent) == (True, False)
    assert await _outbox(service) == []


async def test_get_invoice_by_link(customers: CustomerServiceStub, invoices: InvoiceServiceStub) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, email="a@example.test")
        invoice = await new_invoice(invoices, customer.id, item("1", 100))
        found = await invoices.GetInvoiceByLink(pb.GetInvoiceByLinkRequest(token=invoice.link_token))
        assert found.invoice.id == invoice.id and found.customer.id == customer.id
        draft = await new_invoice(invoices, customer.id, item("1", 100), draft=True)
        tokens = [invoice.link_token[:-1] + ("A" if invoice.link_token[-1] != "A" else "B"), "", draft.link_token]
    with bound("tenant-b"):
        tokens.append(invoice.link_token)
    for tenant, token in zip(["tenant-a"] * 3 + ["tenant-b"], tokens, strict=True):
        with bound(tenant), pytest.raises(grpc.aio.AioRpcError) as miss:
            await invoices.GetInvoiceByLink(pb.GetInvoiceByLinkRequest(token=token))
        assert miss.value.code() == grpc.StatusCode.NOT_FOUND
        assert miss.value.details() == "This invoice link is not valid."


async def test_render_pdf_by_id_and_by_link(
    tmp_path: Path, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, currency="eur", address1="1 Rue de la Paix", city="Paris")
        invoice = await new_invoice(
            invoices, customer.id, item("2", 123456, name="Consulting"), item("1.5", 99, name="Coffee")
        )
        by_id = await invoices.RenderInvoicePdf(pb.RenderInvoicePdfRequest(id=invoice.id, presentation=PRESENTATION))
        by_link = await invoices.RenderInvoicePdf(
            pb.RenderInvoicePdfRequest(link_token=invoice.link_token, presentation=PRESENTATION)
        )
    assert by_id.filename == by_link.filename == "INV-0001.pdf"
    assert by_id.pdf.startswith(b"%PDF")
    text = _pdf_text(by_link.pdf, tmp_path)
    for expected in ("Acme & Sons", "Invoice", "INV-0001", "Acme Corp", "Paris", "Consulting", "1.5", "€2,470.61"):
        assert expected in text


async def test_document_link_works_while_open_and_for_90_days_after_the_latest_send(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, email="a@example.test")
        invoice = await new_invoice(invoices, customer.id, item("1", 100))
        request = pb.GetInvoiceByLinkRequest(token=invoice.link_token)
        assert (await invoices.GetInvoiceByLink(request)).invoice.id == invoice.id

        async def age_link(days: int) -> None:
            async with service.db.unit_of_work() as session:
                row = (await session.exec(select(Invoice).where(Invoice.id == invoice.id))).one()
                row.link_issued_at = utcnow() - timedelta(days=days)
                session.add(row)

        await age_link(89)
        assert (await invoices.GetInvoiceByLink(request)).invoice.id == invoice.id
        await age_link(91)
        with pytest.raises(grpc.aio.AioRpcError) as stale:
            await invoices.GetInvoiceByLink(request)
        assert stale.value.code() == grpc.StatusCode.NOT_FOUND
        await invoices.SendInvoice(pb.SendInvoiceRequest(id=invoice.id, presentation=PRESENTATION))
        assert (await invoices.GetInvoiceByLink(request)).invoice.id == invoice.id

        await invoices.VoidInvoice(pb.VoidInvoiceRequest(id=invoice.id))
        with pytest.raises(grpc.aio.AioRpcError) as voided:
            await invoices.GetInvoiceByLink(request)
        assert voided.value.code() == grpc.StatusCode.NOT_FOUND


async def test_an_invoice_goes_to_at_most_50_addresses_and_more_is_refused_before_anything_changes(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    def to(count: int) -> list[pb.Recipient]:
        return [pb.Recipient(email=f"r{i}@example.test") for i in range(count)]

    with bound("tenant-a"):
        customer = await new_customer(customers)
        invoice = await new_invoice(invoices, customer.id, item("1", 100), draft=True)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await invoices.SendInvoice(pb.SendInvoiceRequest(id=invoice.id, to=to(51), presentation=PRESENTATION))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert refused.value.details() == "An invoice can be emailed to at most 50 addresses at once; this send has 51."
        assert dict(refused.value.trailing_metadata() or ())["x-portal-param"] == "to"
        assert (await invoices.GetInvoice(pb.GetInvoiceRequest(id=invoice.id))).invoice.draft is True
        assert await _outbox(service) == []

        sent = await invoices.SendInvoice(pb.SendInvoiceRequest(id=invoice.id, to=to(50), presentation=PRESENTATION))
    assert len(sent.emails) == 50
    [event] = await _outbox(service)
    assert len(events_pb2.EmailRequested.FromString(event.payload).envelope.to) == 50


async def test_a_customer_with_more_than_50_default_addresses_is_refused(
    service: RunningService, customers: CustomerServiceStub, invoices: InvoiceServiceStub
) -> None:
    with bound("tenant-a"):
        customer = await new_customer(customers, email="main@example.test")
        for i in range(50):
            await customers.CreateContact(
                cpb.CreateContactRequest(
                    customer_id=customer.id, contact=cpb.Contact(name=f"C{i}", email=f"c{i}@example.test", primary=True)
                )
            )
        invoice = await new_invoice(invoices, customer.id, item("1", 100))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await invoices.SendInvoice(pb.SendInvoiceRequest(id=invoice.id, presentation=PRESENTATION))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "this customer has 51 (its email and primary contacts)" in (refused.value.details() or "")
    assert await _outbox(service) == []
