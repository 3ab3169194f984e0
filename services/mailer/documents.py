"""Fetching the documents an email attaches, from the service that owns them, when the email is sent.

Calls go through portal_kit.grpc_client (tenant metadata, deadline, service credentials) with the tenant of the
event bound. A document that is gone for good makes the email undeliverable (it is never sent without it); any
other failure raises, and the consumer retries the same email until the owner answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from portal.billing.v1 import estimates_pb2, invoices_pb2, payments_pb2
from portal.billing.v1.estimates_pb2_grpc import EstimateServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal.billing.v1.payments_pb2_grpc import PaymentServiceStub
from portal.mailer.v1 import email_pb2
from portal_kit import grpc_client
from portal_kit.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound

from services.mailer.requests import MalformedEmail

MAX_ATTACHMENTS = 10
PDF_DEADLINE_SECONDS = 30.0  # rendering a long invoice takes a while


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    content: bytes


class DocumentGone(MalformedEmail):
    """The owner says the document does not exist (any more) or cannot be rendered: the email cannot go."""


class Documents:
    def __init__(self, billing_addr: str) -> None:
        self.billing_addr = billing_addr
        self._channel = grpc_client.LoopChannel(self.billing_addr, PDF_DEADLINE_SECONDS)

    def _billing(self) -> grpc.aio.Channel:
        return self._channel.get()

    async def fetch(self, refs: list[email_pb2.DocumentRef], business_name: str) -> list[Attachment]:
        if len(refs) > MAX_ATTACHMENTS:
            raise MalformedEmail(f"an email can attach at most {MAX_ATTACHMENTS} documents")
        return [await self._fetch(ref, business_name) for ref in refs]

    async def _fetch(self, ref: email_pb2.DocumentRef, business_name: str) -> Attachment:
        kind = ref.WhichOneof("document")
        presentation = invoices_pb2.Presentation(business_name=business_name)
        if kind == "invoice_pdf":
            call = InvoiceServiceStub(self._billing()).RenderInvoicePdf(
                invoices_pb2.RenderInvoicePdfRequest(id=ref.invoice_pdf, presentation=presentation)
            )
        elif kind == "estimate_pdf":
            call = EstimateServiceStub(self._billing()).RenderEstimatePdf(
                estimates_pb2.RenderEstimatePdfRequest(id=ref.estimate_pdf, presentation=presentation)
            )
        elif kind == "approval_certificate":
            call = EstimateServiceStub(self._billing()).RenderApprovalCertificate(
                estimates_pb2.RenderApprovalCertificateRequest(id=ref.approval_certificate, presentation=presentation)
            )
        elif kind == "receipt_pdf":
            call = PaymentServiceStub(self._billing()).RenderReceiptPdf(
                payments_pb2.RenderReceiptPdfRequest(id=ref.receipt_pdf, presentation=presentation)
            )
        else:
            raise MalformedEmail("an attachment refers to no document this mailer knows")
        what = f"{kind} {getattr(ref, kind)}"
        try:
            reply = await call
        except grpc.aio.AioRpcError as error:
            failure: DomainError = grpc_client.domain_error(error)
            if isinstance(failure, NotFound | InvalidArgument | FailedPrecondition):
                raise DocumentGone(f"billing cannot render {what}: {failure.message}") from None
            raise failure from None
        if not reply.pdf.startswith(b"%PDF") or not reply.filename:
            raise DocumentGone(f"billing returned no PDF for {what}")
        return Attachment(reply.filename, "application", "pdf", reply.pdf)

    async def close(self) -> None:
        await self._channel.close()
