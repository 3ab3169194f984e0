"""EstimateService: the business's estimates (API) and the customer's side (portal, for the call's principal)."""

from __future__ import annotations

import grpc
from portal.billing.v1 import common_pb2, estimates_pb2_grpc, invoices_pb2
from portal.billing.v1 import estimates_pb2 as pb
from portal_kit.db import Database
from portal_kit.outbox import OutboxRelay
from portal_kit.principal import required_principal
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import delivery as invoice_delivery
from services.billing import invoices
from services.billing.estimates import approvals, delivery, deposits, estimates, events, settings
from services.billing.estimates.estimates import EstimateRecord
from services.billing.estimates.messages import estimate_changes, estimate_to_pb, row_to_pb, settings_to_pb
from services.billing.messages import email_to_pb, invoice_to_pb

PdfReply = invoices_pb2.RenderInvoicePdfResponse


class EstimateServicer(estimates_pb2_grpc.EstimateServiceServicer):
    def __init__(self, db: Database, secret_key: bytes, relay: OutboxRelay) -> None:
        self.db = db
        self.secret_key = secret_key
        self.relay = relay

    def _pb(self, record: EstimateRecord) -> pb.Estimate:
        token = estimates.link_token(self.secret_key, record.estimate.link_nonce)
        return estimate_to_pb(record, token, utcnow())

    async def _recorded(
        self, session: AsyncSession, event_type: str, record: EstimateRecord, previous: pb.Estimate | None = None
    ) -> pb.Estimate:
        """The estimate's message, after recording the event about it in the same unit of work."""
        message = self._pb(record)
        await events.record(session, event_type, message, previous)
        return message

    # The business ------------------------------------------------------------------------------------------

    async def CreateEstimate(
        self, request: pb.CreateEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.EstimateResponse:
        async with self.db.unit_of_work() as session:
            record = await estimates.create_estimate(session, self.secret_key, estimate_changes(request.estimate))
            message = await self._recorded(session, "estimate.created", record)
        return pb.EstimateResponse(estimate=message)

    async def GetEstimate(
        self, request: pb.GetEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.EstimateResponse:
        async with self.db.unit_of_work() as session:
            record = await estimates.get_estimate(session, request.id)
        return pb.EstimateResponse(estimate=self._pb(record))

    async def UpdateEstimate(
        self, request: pb.UpdateEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.EstimateResponse:
        async with self.db.unit_of_work() as session:
            previous = self._pb(await estimates.get_estimate(session, request.id))
            record = await estimates.update_estimate(session, request.id, estimate_changes(request.changes))
            message = await self._recorded(session, "estimate.updated", record, previous)
        return pb.EstimateResponse(estimate=message)

    async def DeleteEstimate(
        self, request: pb.DeleteEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteEstimateResponse:
        async with self.db.unit_of_work() as session:
            before = self._pb(await estimates.get_estimate(session, request.id))
            await estimates.delete_estimate(session, request.id)
            await events.record(session, "estimate.deleted", before)
        return pb.DeleteEstimateResponse()

    async def VoidEstimate(
        self, request: pb.VoidEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.EstimateResponse:
        async with self.db.unit_of_work() as session:
            previous = self._pb(await estimates.get_estimate(session, request.id))
            record = await estimates.void_estimate(session, request.id)
            message = await self._recorded(session, "estimate.updated", record, previous)
        return pb.EstimateResponse(estimate=message)

    async def ListEstimates(
        self, request: pb.ListEstimatesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEstimatesResponse:
        async with self.db.unit_of_work() as session:
            filters = estimates.estimate_filters(request.filter)
            rows, total = await estimates.list_estimates(
                session, request.page.page, request.page.per_page, filters, dict(request.metadata)
            )
        return pb.ListEstimatesResponse(
            estimates=[self._pb(r) for r in rows], page_info=common_pb2.PageInfo(total_count=total)
        )

    async def SendEstimate(
        self, request: pb.SendEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.SendEstimateResponse:
        to = [invoice_delivery.Recipient(r.name, r.email) for r in request.to]
        presentation = invoice_delivery.Presentation(
            request.presentation.business_name, request.presentation.portal_url
        )
        subject = request.subject if request.HasField("subject") else None
        message = request.message if request.HasField("message") else None
        async with self.db.unit_of_work() as session:
            emails, record = await delivery.send_estimate(
                session, self.secret_key, request.id, to, subject, message, presentation
            )
            estimate = await self._recorded(session, "estimate.updated", record)
        self.relay.notify()
        return pb.SendEstimateResponse(emails=[email_to_pb(e) for e in emails], estimate=estimate)

    async def InvoiceEstimate(
        self, request: pb.InvoiceEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.InvoiceEstimateResponse:
        async with self.db.unit_of_work() as session:
            made = await approvals.invoice_estimate(session, self.secret_key, request.id)
            assert made.invoice is not None
            await self._invoice_made(session, made.record, made.invoice)
            estimate = await self._recorded(session, "estimate.updated", made.record)
        return pb.InvoiceEstimateResponse(invoice=self._invoice_pb(made.invoice), estimate=estimate)

    async def _invoice_made(
        self, session: AsyncSession, record: EstimateRecord, invoice: invoices.InvoiceRecord
    ) -> None:
        """`invoice.created`, then the estimate's received deposit applied to the new invoice (same transaction)."""
        await events.invoice_made(session, invoice, record.estimate.id)
        await deposits.apply_to_invoice(session, record.estimate, invoice.invoice.id)

    def _invoice_pb(self, record: invoices.InvoiceRecord) -> invoices_pb2.Invoice:
        return invoice_to_pb(record, invoices.link_token(self.secret_key, record.invoice.link_nonce), utcnow())

    async def RenderEstimatePdf(
        self, request: pb.RenderEstimatePdfRequest, context: grpc.aio.ServicerContext
    ) -> PdfReply:
        target = request.WhichOneof("target")
        async with self.db.unit_of_work() as session:
            found = (await estimates.get_estimate(session, request.id)).estimate if target == "id" else None
            token = request.link_token if target == "link_token" else None
            rendered = await delivery.estimate_pdf(
                session, self.secret_key, found, token, request.presentation.business_name
            )
        return PdfReply(pdf=rendered.content, filename=rendered.filename)

    async def RenderApprovalCertificate(
        self, request: pb.RenderApprovalCertificateRequest, context: grpc.aio.ServicerContext
    ) -> PdfReply:
        async with self.db.unit_of_work() as session:
            estimate = (await estimates.get_estimate(session, request.id)).estimate
            rendered = await delivery.certificate_pdf(session, estimate, request.presentation.business_name)
        return PdfReply(pdf=rendered.content, filename=rendered.filename)

    async def GetEstimateSettings(
        self, request: pb.GetEstimateSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetEstimateSettingsResponse:
        async with self.db.unit_of_work() as session:
            current = await settings.current(session)
        return pb.GetEstimateSettingsResponse(settings=settings_to_pb(current))

    async def UpdateEstimateSettings(
        self, request: pb.UpdateEstimateSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetEstimateSettingsResponse:
        changes = settings.SettingsChanges(
            approval_creates_invoice=request.approval_creates_invoice
            if request.HasField("approval_creates_invoice")
            else None,
            terms=request.terms if request.HasField("terms") else None,
            notify_email=request.notify_email if request.HasField("notify_email") else None,
        )
        async with self.db.unit_of_work() as session:
            updated = await settings.update(session, changes)
        return pb.GetEstimateSettingsResponse(settings=settings_to_pb(updated))

    async def ResolveEstimateLink(
        self, request: pb.ResolveEstimateLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveEstimateLinkResponse:
        async with self.db.unit_of_work() as session:
            estimate = await estimates.find_by_link(session, self.secret_key, request.token)
        return pb.ResolveEstimateLinkResponse(estimate_id=estimate.id, customer_id=estimate.customer_id)

    # The customer ------------------------------------------------------------------------------------------

    async def ListAccountEstimates(
        self, request: pb.ListAccountEstimatesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAccountEstimatesResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            rows = await approvals.account_estimates(session, principal)
        now = utcnow()
        return pb.ListAccountEstimatesResponse(estimates=[row_to_pb(row, now) for row in rows])

    async def _account_reply(
        self, session: AsyncSession, record: EstimateRecord, message: pb.Estimate
    ) -> pb.GetAccountEstimateResponse:
        customer = await estimates.customer_of(session, record.estimate)
        current = await settings.current(session)
        deposit = await deposits.state(session, record.estimate)
        now = utcnow()
        return pb.GetAccountEstimateResponse(
            deposit_payable=deposit.payable,
            deposit_pending=deposit.pending,
            estimate=message,
            customer_name=customer.name,
            terms=current.terms,
            approvable=approvals.approvable(record.estimate, now),
            expired=estimates.is_expired(record.estimate, now),
        )

    async def GetAccountEstimate(
        self, request: pb.GetAccountEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountEstimateResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            record, first_view = await approvals.view(session, principal, request.id)
            if first_view:
                message = await self._recorded(session, "estimate.viewed", record)
            else:
                message = self._pb(record)
            return await self._account_reply(session, record, message)

    async def RenderAccountEstimatePdf(
        self, request: pb.RenderAccountEstimatePdfRequest, context: grpc.aio.ServicerContext
    ) -> PdfReply:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            estimate = await approvals.visible_estimate(session, principal, request.id)
            rendered = await delivery.estimate_pdf(
                session, self.secret_key, estimate, None, request.presentation.business_name
            )
        return PdfReply(pdf=rendered.content, filename=rendered.filename)

    async def ApproveEstimate(
        self, request: pb.ApproveEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountEstimateResponse:
        principal = required_principal()
        evidence = approvals.Evidence(
            request.client.ip, request.client.user_agent, request.signed_in_email, request.guest_link
        )
        async with self.db.unit_of_work() as session:
            approved = await approvals.approve(
                session, principal, request.id, request.version, request.initials, request.accept_terms, evidence,
                self.secret_key,
            )  # fmt: skip
            record = approved.record
            if approved.invoice is not None:
                await self._invoice_made(session, record, approved.invoice)
            message = await self._recorded(session, "estimate.approved", record)
            number = approved.invoice.invoice.number if approved.invoice is not None else ""
            queued = await delivery.tell_business(session, record.estimate, request.presentation.business_name, number)
            reply = await self._account_reply(session, record, message)
        if queued:
            self.relay.notify()
        return reply

    async def DeclineEstimate(
        self, request: pb.DeclineEstimateRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountEstimateResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            record = await approvals.decide(
                session, principal, request.id, request.version, request.kind, request.reason
            )
            message = await self._recorded(session, "estimate.declined", record)
            queued = await delivery.tell_business(session, record.estimate, request.presentation.business_name)
            reply = await self._account_reply(session, record, message)
        if queued:
            self.relay.notify()
        return reply

    async def RenderAccountApprovalCertificate(
        self, request: pb.RenderAccountApprovalCertificateRequest, context: grpc.aio.ServicerContext
    ) -> PdfReply:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            estimate = await approvals.visible_estimate(session, principal, request.id)
            rendered = await delivery.certificate_pdf(session, estimate, request.presentation.business_name)
        return PdfReply(pdf=rendered.content, filename=rendered.filename)
