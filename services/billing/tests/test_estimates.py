"""EstimateService: versions, approvals with evidence, refusals, settings enforced, invoicing, tenant and guest scope."""

from __future__ import annotations

import subprocess
from contextlib import AbstractContextManager
from pathlib import Path

import grpc
import pytest
from portal.billing.v1 import customers_pb2 as cpb
from portal.billing.v1 import estimates_pb2 as pb
from portal.billing.v1 import events_pb2
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.estimates_pb2_grpc import EstimateServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal_kit.context import bound
from portal_kit.outbox import OutboxEvent
from portal_kit.principal import Principal
from portal_kit.timestamps import unix, utcnow
from sqlmodel import col, select

from devtools.testing import RunningService
from services.billing.tests.factories import item, new_customer

TENANT = "tenant-a"
PRESENTATION = ipb.Presentation(business_name="Acme & Sons", portal_url="http://acme.localhost:8000")
CLIENT = pb.ClientInfo(ip="203.0.113.7", user_agent="Mozilla/5.0 (test)")


@pytest.fixture
def estimates(service: RunningService) -> EstimateServiceStub:
    return EstimateServiceStub(service.channel)


def acting(principal: Principal) -> AbstractContextManager[None]:
    return bound(TENANT, principal.encode())


async def _refused(call: object, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]  # any pending gRPC call
    assert refused.value.code() == code
    return refused.value.details() or ""


async def _estimate(stub: EstimateServiceStub, customer_id: int, *items: ipb.LineItem, **fields: object) -> pb.Estimate:
    data = pb.EstimateInput(customer=customer_id, items=ipb.LineItems(values=list(items)), **fields)  # type: ignore[arg-type]  # field values typed as object
    return (await stub.CreateEstimate(pb.CreateEstimateRequest(estimate=data))).estimate


def _approve(
    estimate: pb.Estimate, version: int | None = None, initials: str = "JD", accept: bool = False
) -> pb.ApproveEstimateRequest:
    return pb.ApproveEstimateRequest(
        id=estimate.id,
        version=estimate.version if version is None else version,
        initials=initials,
        accept_terms=accept,
        client=CLIENT,
        signed_in_email="jd@example.test",
        presentation=PRESENTATION,
    )


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["/usr/bin/pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()


async def test_money_is_minor_units_of_the_estimates_currency_jpy_and_kwd(
    customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers, name="Yen and Dinar")
        jpy = await _estimate(
            estimates, customer.id, ipb.LineItem(name="Setup", quantity="3", unit_cost_decimal="1234"), currency="jpy",
            deposit_decimal="1000",
        )  # fmt: skip
        kwd = await _estimate(
            estimates, customer.id, ipb.LineItem(name="Audit", quantity="2", unit_cost_decimal="10.125"),
            currency="kwd",
        )  # fmt: skip
        finer = _estimate(
            estimates, customer.id, ipb.LineItem(name="x", quantity="1", unit_cost_decimal="1.5"), currency="jpy"
        )
        message = await _refused(finer, grpc.StatusCode.INVALID_ARGUMENT)
        too_big = _estimate(estimates, customer.id, item("1", 500), deposit_decimal="5.01")
        deposit_message = await _refused(too_big, grpc.StatusCode.INVALID_ARGUMENT)
    assert (jpy.total, jpy.deposit, jpy.currency) == (3702, 1000, "jpy")
    assert (kwd.total, kwd.currency) == (20250, "kwd")
    assert jpy.number == "EST-0001" and kwd.number == "EST-0002"
    assert jpy.version == 1 and len(jpy.document_sha256) == 64
    assert "unit_cost" in message
    assert "deposit" in deposit_message


async def test_a_change_to_the_document_is_a_new_version_and_voids_the_approval(
    customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers, name="Buyer")
        estimate = await _estimate(estimates, customer.id, item("2", 1500))
        await estimates.SendEstimate(pb.SendEstimateRequest(id=estimate.id, to=[ipb.Recipient(email="b@example.test")],
                                                            presentation=PRESENTATION))  # fmt: skip
    with acting(Principal(customer.id)):
        approved = (await estimates.ApproveEstimate(_approve(estimate))).estimate
    assert approved.status == "approved" and approved.approval.version == 1
    assert approved.approval.document_sha256 == estimate.document_sha256

    with bound(TENANT):
        relabelled = await estimates.UpdateEstimate(
            pb.UpdateEstimateRequest(id=estimate.id, changes=pb.EstimateInput(metadata={"values": {"crm": "42"}}))  # type: ignore[arg-type]  # dict for Metadata
        )
        changed = await estimates.UpdateEstimate(
            pb.UpdateEstimateRequest(
                id=estimate.id, changes=pb.EstimateInput(items=ipb.LineItems(values=[item("3", 1500)]))
            )
        )
        certificate = await estimates.RenderApprovalCertificate(
            pb.RenderApprovalCertificateRequest(id=estimate.id, presentation=PRESENTATION)
        )
    assert relabelled.estimate.version == 1 and relabelled.estimate.status == "approved"
    assert changed.estimate.version == 2 and changed.estimate.status == "sent"
    assert not changed.estimate.HasField("approval")
    assert changed.estimate.document_sha256 != estimate.document_sha256
    assert certificate.pdf.startswith(b"%PDF")


async def test_an_approval_of_an_older_version_is_refused_with_the_new_version(
    customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers, name="Stale Tab", currency="kwd")
        estimate = await _estimate(estimates, customer.id, item("1", 1000))
        await estimates.UpdateEstimate(
            pb.UpdateEstimateRequest(
                id=estimate.id, changes=pb.EstimateInput(items=ipb.LineItems(values=[item("1", 2500)]))
            )
        )
    with acting(Principal(customer.id)):
        message = await _refused(
            estimates.ApproveEstimate(_approve(estimate, version=1)), grpc.StatusCode.FAILED_PRECONDITION
        )
        still_open = await estimates.GetAccountEstimate(pb.GetAccountEstimateRequest(id=estimate.id))
    assert "now version 2" in message and "2.500" in message
    assert still_open.estimate.status == "viewed" and still_open.approvable


async def test_an_expired_estimate_cannot_be_approved(
    customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    yesterday = unix(utcnow()) - 86400
    with bound(TENANT):
        customer = await new_customer(customers, name="Late")
        estimate = await _estimate(estimates, customer.id, item("1", 1000), expiration_date=yesterday)
        later = await _estimate(estimates, customer.id, item("1", 1000), expiration_date=yesterday + 3 * 86400)
    with acting(Principal(customer.id)):
        message = await _refused(estimates.ApproveEstimate(_approve(estimate)), grpc.StatusCode.FAILED_PRECONDITION)
        shown = await estimates.GetAccountEstimate(pb.GetAccountEstimateRequest(id=estimate.id))
        fine = await estimates.ApproveEstimate(_approve(later))
    assert "expired" in message
    assert shown.expired and not shown.approvable and shown.estimate.status == "expired"
    assert fine.estimate.status == "approved"


async def test_terms_initials_and_the_invoice_setting_are_enforced_by_billing(
    service: RunningService, customers: CustomerServiceStub, estimates: EstimateServiceStub, tmp_path: Path
) -> None:
    with bound(TENANT):
        await estimates.UpdateEstimateSettings(
            pb.UpdateEstimateSettingsRequest(
                approval_creates_invoice=True, terms="Work starts on approval.", notify_email="sales@acme.test"
            )  # fmt: skip
        )
        customer = await new_customer(customers, name="Terms Taker")
        estimate = await _estimate(estimates, customer.id, item("4", 2500), currency="jpy")
    guest = Principal(customer.id, "estimate", estimate.id, guest=True)
    with acting(guest):
        no_terms = await _refused(estimates.ApproveEstimate(_approve(estimate)), grpc.StatusCode.INVALID_ARGUMENT)
        no_initials = await _refused(
            estimates.ApproveEstimate(_approve(estimate, initials="  ", accept=True)), grpc.StatusCode.INVALID_ARGUMENT
        )
        shown = await estimates.ApproveEstimate(_approve(estimate, initials="  Jd ", accept=True))
        twice = await _refused(
            estimates.ApproveEstimate(_approve(estimate, accept=True)), grpc.StatusCode.FAILED_PRECONDITION
        )
        certificate = await estimates.RenderAccountApprovalCertificate(
            pb.RenderAccountApprovalCertificateRequest(id=estimate.id, presentation=PRESENTATION)
        )
    assert "terms" in no_terms and "initials" in no_initials and "already approved" in twice
    approval = shown.estimate.approval
    assert (approval.initials, approval.ip, approval.user_agent) == ("Jd", "203.0.113.7", "Mozilla/5.0 (test)")
    assert approval.terms_accepted and approval.terms == "Work starts on approval."
    assert approval.approved_by == f"guest:{customer.id}/estimate:{estimate.id}"
    assert approval.signed_in_email == ""  # a guest link is no signed-in person
    assert shown.estimate.status == "invoiced" and shown.estimate.HasField("invoice")
    with bound(TENANT):
        invoice = (
            await InvoiceServiceStub(service.channel).GetInvoice(ipb.GetInvoiceRequest(id=shown.estimate.invoice))
        ).invoice
        again = await _refused(
            estimates.InvoiceEstimate(pb.InvoiceEstimateRequest(id=estimate.id)), grpc.StatusCode.FAILED_PRECONDITION
        )
    assert (invoice.total, invoice.currency, invoice.customer) == (10000, "jpy", customer.id)
    assert invoice.metadata.values["estimate"] == estimate.number
    assert "already been invoiced" in again
    text = _pdf_text(certificate.pdf, tmp_path)
    for expected in (
        "Approval certificate",
        estimate.number,
        "Initials Jd",
        "203.0.113.7",
        approval.document_sha256,
        "Work starts on approval.",
    ):
        assert expected in " ".join(text.split())

    async with service.db.unit_of_work() as session:
        rows = (await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.seq)))).all()
    decisions = [events_pb2.EmailRequested.FromString(r.payload) for r in rows]
    [told] = [d for d in decisions if d.WhichOneof("template") == "estimate_decision"]
    assert [r.email for r in told.envelope.to] == ["sales@acme.test"]
    assert told.estimate_decision.decision == "approved" and told.estimate_decision.invoice_number == invoice.number
    assert told.envelope.attachments[0].approval_certificate == estimate.id


async def test_without_the_setting_the_business_invoices_an_approved_estimate_itself(
    customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers, name="Later")
        estimate = await _estimate(estimates, customer.id, item("1", 999), currency="kwd")
        early = await _refused(
            estimates.InvoiceEstimate(pb.InvoiceEstimateRequest(id=estimate.id)), grpc.StatusCode.FAILED_PRECONDITION
        )
    with acting(Principal(customer.id)):
        approved = await estimates.ApproveEstimate(_approve(estimate))
    with bound(TENANT):
        made = await estimates.InvoiceEstimate(pb.InvoiceEstimateRequest(id=estimate.id))
        edit = await _refused(
            estimates.UpdateEstimate(pb.UpdateEstimateRequest(id=estimate.id, changes=pb.EstimateInput(name="x"))),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
    assert "not approved" in early
    assert approved.estimate.status == "approved" and not approved.estimate.HasField("invoice")
    assert made.invoice.total == 999 and made.invoice.currency == "kwd" and made.estimate.status == "invoiced"
    assert "invoiced" in edit


async def test_decline_and_changes_requested_keep_the_reason_for_the_business(
    customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers, name="Picky")
        estimate = await _estimate(estimates, customer.id, item("1", 1000))
    with acting(Principal(customer.id)):
        empty = await _refused(
            estimates.DeclineEstimate(
                pb.DeclineEstimateRequest(id=estimate.id, version=1, kind="declined", reason=" ")
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        asked = await estimates.DeclineEstimate(
            pb.DeclineEstimateRequest(id=estimate.id, version=1, kind="changes_requested", reason="Cheaper please")
        )
    assert "why" in empty
    assert asked.estimate.status == "changes_requested" and asked.approvable
    with bound(TENANT):
        revised = await estimates.UpdateEstimate(
            pb.UpdateEstimateRequest(
                id=estimate.id, changes=pb.EstimateInput(items=ipb.LineItems(values=[item("1", 800)]))
            )
        )
    assert revised.estimate.version == 2 and not revised.estimate.HasField("decision")
    with acting(Principal(customer.id)):
        declined = await estimates.DeclineEstimate(
            pb.DeclineEstimateRequest(id=estimate.id, version=2, kind="declined", reason="Went elsewhere")
        )
        after = await _refused(
            estimates.ApproveEstimate(_approve(revised.estimate)), grpc.StatusCode.FAILED_PRECONDITION
        )
    with bound(TENANT):
        seen = (await estimates.GetEstimate(pb.GetEstimateRequest(id=estimate.id))).estimate
    assert declined.estimate.status == "declined" and "declined" in after
    assert (seen.decision.kind, seen.decision.reason, seen.decision.version) == ("declined", "Went elsewhere", 2)


async def test_other_customers_other_documents_and_other_tenants_read_as_missing(
    customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    with bound(TENANT):
        mine = await new_customer(customers, name="Mine")
        theirs = await new_customer(customers, name="Theirs")
        estimate = await _estimate(estimates, mine.id, item("1", 1000))
        other = await _estimate(estimates, mine.id, item("1", 2000))
        draft = await _estimate(estimates, mine.id, item("1", 3000), draft=True)
    for principal, target in (
        (Principal(theirs.id), estimate),
        (Principal(mine.id, "estimate", other.id, guest=True), estimate),
        (Principal(mine.id, "invoice", estimate.id, guest=True), estimate),
        (Principal(mine.id), draft),
    ):
        with acting(principal):
            await _refused(
                estimates.GetAccountEstimate(pb.GetAccountEstimateRequest(id=target.id)), grpc.StatusCode.NOT_FOUND
            )
            await _refused(estimates.ApproveEstimate(_approve(target)), grpc.StatusCode.NOT_FOUND)
    with bound("tenant-b"):
        await _refused(estimates.GetEstimate(pb.GetEstimateRequest(id=estimate.id)), grpc.StatusCode.NOT_FOUND)
    with bound("tenant-b", Principal(mine.id).encode()):
        await _refused(
            estimates.GetAccountEstimate(pb.GetAccountEstimateRequest(id=estimate.id)), grpc.StatusCode.NOT_FOUND
        )
    with acting(Principal(mine.id)):
        listed = await estimates.ListAccountEstimates(pb.ListAccountEstimatesRequest())
    assert [row.id for row in listed.estimates] == [other.id, estimate.id]


async def test_sending_queues_a_view_estimate_email_with_the_pdf_and_the_link_opens_it(
    service: RunningService, customers: CustomerServiceStub, estimates: EstimateServiceStub, tmp_path: Path
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers, name="Mailbox", email="mailbox@example.test")
        estimate = await _estimate(estimates, customer.id, item("2", 4321, name="Roof repair"), draft=True)
        hidden = await _refused(estimates.ResolveEstimateLink(pb.ResolveEstimateLinkRequest(token=estimate.link_token)),
                                grpc.StatusCode.NOT_FOUND)  # fmt: skip
        sent = await estimates.SendEstimate(pb.SendEstimateRequest(id=estimate.id, presentation=PRESENTATION))
        resolved = await estimates.ResolveEstimateLink(pb.ResolveEstimateLinkRequest(token=estimate.link_token))
        wrong = estimates.ResolveEstimateLink(pb.ResolveEstimateLinkRequest(token=estimate.link_token + "x"))
        await _refused(wrong, grpc.StatusCode.NOT_FOUND)
        pdf = await estimates.RenderEstimatePdf(
            pb.RenderEstimatePdfRequest(link_token=estimate.link_token, presentation=PRESENTATION)
        )
    assert "not valid" in hidden
    assert [e.email for e in sent.emails] == ["mailbox@example.test"] and sent.estimate.status == "sent"
    assert (resolved.estimate_id, resolved.customer_id) == (estimate.id, customer.id)
    text = _pdf_text(pdf.pdf, tmp_path)
    assert "Estimate" in text and "Roof repair" in text and "$86.42" in text
    async with service.db.unit_of_work() as session:
        rows = (await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.seq)))).all()
    [request] = [events_pb2.EmailRequested.FromString(r.payload) for r in rows]
    assert request.new_estimate.link == f"http://acme.localhost:8000/estimates/{estimate.link_token}"
    assert request.envelope.attachments[0].estimate_pdf == estimate.id
    assert request.new_estimate.total == 8642


async def test_a_customer_with_estimates_cannot_be_deleted(
    customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    with bound(TENANT):
        customer = await new_customer(customers, name="Keeps")
        await _estimate(estimates, customer.id, item("1", 1))
        message = await _refused(
            customers.DeleteCustomer(cpb.DeleteCustomerRequest(id=customer.id)), grpc.StatusCode.FAILED_PRECONDITION
        )
    assert "estimates" in message


async def test_each_step_is_an_event_in_the_log_without_the_link_token(
    service: RunningService, customers: CustomerServiceStub, estimates: EstimateServiceStub
) -> None:
    from portal.billing.v1 import event_log_pb2
    from portal.billing.v1.event_log_pb2_grpc import EventLogServiceStub

    log = EventLogServiceStub(service.channel)
    with bound(TENANT):
        await estimates.UpdateEstimateSettings(pb.UpdateEstimateSettingsRequest(approval_creates_invoice=True))
        customer = await new_customer(customers, name="Logged")
        estimate = await _estimate(estimates, customer.id, item("1", 700))
        await estimates.UpdateEstimate(
            pb.UpdateEstimateRequest(
                id=estimate.id, changes=pb.EstimateInput(items=ipb.LineItems(values=[item("2", 700)]))
            )
        )
        declined = await _estimate(estimates, customer.id, item("1", 100))
    with acting(Principal(customer.id)):
        await estimates.GetAccountEstimate(pb.GetAccountEstimateRequest(id=estimate.id))
        await estimates.GetAccountEstimate(pb.GetAccountEstimateRequest(id=estimate.id))  # viewed once only
        approved = await estimates.ApproveEstimate(_approve(estimate, version=2))
        await estimates.DeclineEstimate(
            pb.DeclineEstimateRequest(id=declined.id, version=1, kind="declined", reason="No")
        )
    with bound(TENANT):
        about = await log.ListEvents(
            event_log_pb2.ListEventsRequest(related_object_type="estimate", related_object_id=estimate.id)
        )
        other = await log.ListEvents(
            event_log_pb2.ListEventsRequest(related_object_type="estimate", related_object_id=declined.id)
        )
    types = [e.type for e in reversed(about.events)]
    assert types == ["estimate.created", "estimate.updated", "estimate.viewed", "invoice.created", "estimate.approved"]
    assert [e.type for e in other.events][0] == "estimate.declined"
    updated = next(e for e in about.events if e.type == "estimate.updated")
    after, before = pb.Estimate(), pb.Estimate()
    updated.object.Unpack(after)
    updated.previous.Unpack(before)
    assert (before.total, after.total, after.version) == (700, 1400, 2)
    assert after.link_token == "" and estimate.link_token not in bytes(updated.SerializeToString()).decode("latin-1")
    last = pb.Estimate()
    about.events[0].object.Unpack(last)
    assert last.invoice == approved.estimate.invoice and about.events[0].actor == f"customer:{customer.id}"
