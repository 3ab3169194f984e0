"""A stand-in for billing's InvoiceService.RenderInvoicePdf, served over real gRPC, that can fail on purpose."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from portal.billing.v1 import invoices_pb2 as pb
from portal.billing.v1 import invoices_pb2_grpc, payments_pb2, payments_pb2_grpc
from portal_kit.context import current_tenant
from portal_kit.errors import DomainError, NotFound
from portal_kit.grpc_server import GrpcServer, Registration
from portal_kit.service_auth import ServiceTrust, generate_tokens

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@dataclass
class Rendered:
    tenant: str
    invoice_id: int
    business_name: str


@dataclass
class FakeInvoices(invoices_pb2_grpc.InvoiceServiceServicer):
    pdfs: dict[tuple[str, int], bytes] = field(default_factory=dict)
    failures: list[DomainError] = field(default_factory=list)  # raised, in order, by the next calls
    calls: list[Rendered] = field(default_factory=list)

    async def RenderInvoicePdf(
        self, request: pb.RenderInvoicePdfRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenderInvoicePdfResponse:
        self.calls.append(Rendered(current_tenant(), request.id, request.presentation.business_name))
        if self.failures:
            raise self.failures.pop(0)
        pdf = self.pdfs.get((current_tenant(), request.id))
        if pdf is None:
            raise NotFound("No such invoice.", "id")
        return pb.RenderInvoicePdfResponse(pdf=pdf, filename=f"INV-{request.id}.pdf")


@dataclass
class FakePayments(payments_pb2_grpc.PaymentServiceServicer):
    pdfs: dict[tuple[str, int], bytes] = field(default_factory=dict)
    calls: list[Rendered] = field(default_factory=list)

    async def RenderReceiptPdf(
        self, request: payments_pb2.RenderReceiptPdfRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.RenderReceiptPdfResponse:
        self.calls.append(Rendered(current_tenant(), request.id, request.presentation.business_name))
        pdf = self.pdfs.get((current_tenant(), request.id))
        if pdf is None:
            raise NotFound("No such payment.", "id")
        return payments_pb2.RenderReceiptPdfResponse(pdf=pdf, filename=f"receipt-{request.id}.pdf")


class FakeBilling:
    def __init__(self) -> None:
        self.invoices = FakeInvoices()  # type: ignore[abstract]  # serves only RenderInvoicePdf
        self.payments = FakePayments()  # type: ignore[abstract]  # serves only RenderReceiptPdf
        self.tokens = generate_tokens()  # checked like the real billing's: the mailer must call with its own credential
        self.server = GrpcServer(
            [
                Registration(
                    "portal.billing.v1.InvoiceService",
                    invoices_pb2_grpc.add_InvoiceServiceServicer_to_server,
                    self.invoices,
                ),
                Registration(
                    "portal.billing.v1.PaymentService",
                    payments_pb2_grpc.add_PaymentServiceServicer_to_server,
                    self.payments,
                ),
            ],
            0,
            trust=ServiceTrust.of("billing", self.tokens),
            host="127.0.0.1",
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    async def __aenter__(self) -> FakeBilling:
        await self.server.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.stop(0)
