"""Billing's EstimateService as the gateway uses it, on the same scope (tenant, principal, deadline) as a
BillingClient: `EstimatesClient(billing)`."""

from __future__ import annotations

from portal.billing.v1 import common_pb2, invoices_pb2
from portal.billing.v1 import estimates_pb2 as pb

from services.gateway.clients.billing import BillingClient
from services.gateway.clients.calls import unary

PdfReply = invoices_pb2.RenderInvoicePdfResponse


class EstimatesClient:
    def __init__(self, billing: BillingClient) -> None:
        self.stub = billing.stubs.estimates
        self.scope = billing.scope

    # The business
    async def create(self, estimate: pb.EstimateInput) -> pb.Estimate:
        reply: pb.EstimateResponse = await unary(
            self.stub.CreateEstimate, pb.CreateEstimateRequest(estimate=estimate), self.scope
        )
        return reply.estimate

    async def get(self, estimate_id: int) -> pb.Estimate:
        reply: pb.EstimateResponse = await unary(
            self.stub.GetEstimate, pb.GetEstimateRequest(id=estimate_id), self.scope, read=True
        )
        return reply.estimate

    async def update(self, estimate_id: int, changes: pb.EstimateInput) -> pb.Estimate:
        request = pb.UpdateEstimateRequest(id=estimate_id, changes=changes)
        reply: pb.EstimateResponse = await unary(self.stub.UpdateEstimate, request, self.scope)
        return reply.estimate

    async def delete(self, estimate_id: int) -> None:
        await unary(self.stub.DeleteEstimate, pb.DeleteEstimateRequest(id=estimate_id), self.scope)

    async def void(self, estimate_id: int) -> pb.Estimate:
        reply: pb.EstimateResponse = await unary(
            self.stub.VoidEstimate, pb.VoidEstimateRequest(id=estimate_id), self.scope
        )
        return reply.estimate

    async def listing(
        self, page: common_pb2.PageRequest, filters: dict[str, str], metadata: dict[str, str]
    ) -> tuple[list[pb.Estimate], common_pb2.PageInfo]:
        """One page by number (estimate lists stay small: no keyset cursors)."""
        request = pb.ListEstimatesRequest(page=page, filter=filters, metadata=metadata)
        reply: pb.ListEstimatesResponse = await unary(self.stub.ListEstimates, request, self.scope, read=True)
        return list(reply.estimates), reply.page_info

    async def send(self, request: pb.SendEstimateRequest) -> list[invoices_pb2.Email]:
        reply: pb.SendEstimateResponse = await unary(self.stub.SendEstimate, request, self.scope)
        return list(reply.emails)

    async def invoice(self, estimate_id: int) -> pb.InvoiceEstimateResponse:
        request = pb.InvoiceEstimateRequest(id=estimate_id)
        reply: pb.InvoiceEstimateResponse = await unary(self.stub.InvoiceEstimate, request, self.scope)
        return reply

    async def pdf(self, estimate_id: int, presentation: invoices_pb2.Presentation) -> PdfReply:
        request = pb.RenderEstimatePdfRequest(id=estimate_id, presentation=presentation)
        reply: PdfReply = await unary(self.stub.RenderEstimatePdf, request, self.scope, read=True)
        return reply

    async def pdf_by_link(self, token: str, presentation: invoices_pb2.Presentation) -> PdfReply:
        request = pb.RenderEstimatePdfRequest(link_token=token, presentation=presentation)
        reply: PdfReply = await unary(self.stub.RenderEstimatePdf, request, self.scope, read=True)
        return reply

    async def certificate(self, estimate_id: int, presentation: invoices_pb2.Presentation) -> PdfReply:
        request = pb.RenderApprovalCertificateRequest(id=estimate_id, presentation=presentation)
        reply: PdfReply = await unary(self.stub.RenderApprovalCertificate, request, self.scope, read=True)
        return reply

    async def settings(self) -> pb.EstimateSettings:
        reply: pb.GetEstimateSettingsResponse = await unary(
            self.stub.GetEstimateSettings, pb.GetEstimateSettingsRequest(), self.scope, read=True
        )
        return reply.settings

    async def update_settings(self, changes: pb.UpdateEstimateSettingsRequest) -> pb.EstimateSettings:
        reply: pb.GetEstimateSettingsResponse = await unary(self.stub.UpdateEstimateSettings, changes, self.scope)
        return reply.settings

    # The customer (the scope carries the principal)
    async def account_list(self) -> list[pb.EstimateRow]:
        reply: pb.ListAccountEstimatesResponse = await unary(
            self.stub.ListAccountEstimates, pb.ListAccountEstimatesRequest(), self.scope, read=True
        )
        return list(reply.estimates)

    async def account_get(self, estimate_id: int) -> pb.GetAccountEstimateResponse:
        reply: pb.GetAccountEstimateResponse = await unary(
            self.stub.GetAccountEstimate, pb.GetAccountEstimateRequest(id=estimate_id), self.scope, read=True
        )
        return reply

    async def account_pdf(self, estimate_id: int, presentation: invoices_pb2.Presentation) -> PdfReply:
        request = pb.RenderAccountEstimatePdfRequest(id=estimate_id, presentation=presentation)
        reply: PdfReply = await unary(self.stub.RenderAccountEstimatePdf, request, self.scope, read=True)
        return reply

    async def account_certificate(self, estimate_id: int, presentation: invoices_pb2.Presentation) -> PdfReply:
        request = pb.RenderAccountApprovalCertificateRequest(id=estimate_id, presentation=presentation)
        reply: PdfReply = await unary(self.stub.RenderAccountApprovalCertificate, request, self.scope, read=True)
        return reply

    async def approve(self, request: pb.ApproveEstimateRequest) -> pb.GetAccountEstimateResponse:
        reply: pb.GetAccountEstimateResponse = await unary(self.stub.ApproveEstimate, request, self.scope)
        return reply

    async def decline(self, request: pb.DeclineEstimateRequest) -> pb.GetAccountEstimateResponse:
        reply: pb.GetAccountEstimateResponse = await unary(self.stub.DeclineEstimate, request, self.scope)
        return reply
