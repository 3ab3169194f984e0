"""PaymentService: the business's payments (POST/GET/PATCH/DELETE /api/payments)."""

from __future__ import annotations

import secrets

import grpc
from portal.billing.v1 import common_pb2, invoices_pb2, payments_pb2_grpc
from portal.billing.v1 import payments_pb2 as pb
from portal_kit.db import Database
from portal_kit.outbox import OutboxRelay
from portal_kit.timestamps import unix, utcnow

from services.billing.delivery import Presentation, Recipient
from services.billing.payments import business, ledger, receipt_email, receipts, statements
from services.billing.payments.account_servicer import period_of
from services.billing.payments.business import AppliedInput, PaymentFields
from services.billing.payments.messages import payment_to_pb
from services.billing.payments.records import PaymentRecord
from services.billing.payments.statement_pdf import statement_pdf


def payment_fields(data: pb.PaymentInput) -> PaymentFields:
    return PaymentFields(
        customer=data.customer if data.HasField("customer") else None,
        date=data.date if data.HasField("date") else None,
        currency=data.currency if data.HasField("currency") else None,
        amount=data.amount if data.HasField("amount") else None,
        amount_text=data.amount_decimal if data.HasField("amount_decimal") else None,
        method=data.method if data.HasField("method") else None,
        reference=data.reference if data.HasField("reference") else None,
        notes=data.notes if data.HasField("notes") else None,
        applied_to=[
            AppliedInput(a.invoice, a.amount or None, a.amount_decimal if a.HasField("amount_decimal") else None)
            for a in data.applied_to
        ],
        metadata=dict(data.metadata.values) if data.HasField("metadata") else None,
        cleared=list(data.cleared),
    )


class PaymentServicer(payments_pb2_grpc.PaymentServiceServicer):
    def __init__(self, db: Database, secret_key: bytes, relay: OutboxRelay) -> None:
        self.db = db
        self.secret_key = secret_key
        self.relay = relay

    def _pb(self, record: PaymentRecord) -> pb.Payment:
        return payment_to_pb(record, receipts.receipt_token(self.secret_key, record.payment))

    async def CreatePayment(
        self, request: pb.CreatePaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePaymentResponse:
        given = payment_fields(request.payment)
        async with self.db.unit_of_work() as session:
            record = await business.create_offline_payment(session, given)
        return pb.CreatePaymentResponse(payment=self._pb(record))

    async def GetPayment(
        self, request: pb.GetPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPaymentResponse:
        async with self.db.unit_of_work() as session:
            record = await ledger.get_payment(session, request.id)
        return pb.GetPaymentResponse(payment=self._pb(record))

    async def UpdatePayment(
        self, request: pb.UpdatePaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdatePaymentResponse:
        given = payment_fields(request.changes)
        async with self.db.unit_of_work() as session:
            record = await business.update_payment(session, request.id, given)
        return pb.UpdatePaymentResponse(payment=self._pb(record))

    async def VoidPayment(
        self, request: pb.VoidPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.VoidPaymentResponse:
        async with self.db.unit_of_work() as session:
            record = await ledger.void_payment(session, request.id)
        return pb.VoidPaymentResponse(payment=self._pb(record))

    async def ListPayments(
        self, request: pb.ListPaymentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPaymentsResponse:
        filters = business.payment_filters(
            request.filter,
            request.start_date if request.HasField("start_date") else None,
            request.end_date if request.HasField("end_date") else None,
        )
        async with self.db.unit_of_work() as session:
            rows, total = await business.list_payments(session, filters, request.page.page, request.page.per_page)
        return pb.ListPaymentsResponse(
            payments=[self._pb(r) for r in rows], page_info=common_pb2.PageInfo(total_count=total)
        )

    async def RenderReceiptPdf(
        self, request: pb.RenderReceiptPdfRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenderReceiptPdfResponse:
        target = request.WhichOneof("target")
        async with self.db.unit_of_work() as session:
            if target == "receipt_token":
                payment = await receipts.find_by_token(session, self.secret_key, request.receipt_token)
            else:
                payment = await ledger.get_payment(session, request.id)
            rendered = await receipts.receipt_pdf(session, payment, request.presentation.business_name)
        return pb.RenderReceiptPdfResponse(pdf=rendered.content, filename=rendered.filename)

    async def SendReceipt(
        self, request: pb.SendReceiptRequest, context: grpc.aio.ServicerContext
    ) -> pb.SendReceiptResponse:
        to = [Recipient(r.name, r.email) for r in request.to]
        presentation = Presentation(request.presentation.business_name, request.presentation.portal_url)
        async with self.db.unit_of_work() as session:
            record = await ledger.get_payment(session, request.id)
            sent_to = await receipt_email.queue_receipt(session, record, presentation, to)
        self.relay.notify()
        subject = receipt_email.subject(record, presentation)
        now = unix(utcnow())
        return pb.SendReceiptResponse(
            emails=[
                invoices_pb2.Email(
                    id=secrets.token_hex(16),
                    state="queued",
                    email=r.email,
                    subject=subject,
                    message="",
                    template=receipt_email.TEMPLATE,
                    created_at=now,
                )
                for r in sent_to
            ]  # fmt: skip
        )

    async def RenderStatementPdfByLink(
        self, request: pb.RenderStatementPdfByLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenderStatementPdfResponse:
        within = period_of(request.period if request.HasField("period") else None)
        async with self.db.unit_of_work() as session:
            customer_id = await statements.customer_by_token(session, self.secret_key, request.statement_token)
            rendered = await statement_pdf(session, customer_id, within, request.presentation.business_name)
        return pb.RenderStatementPdfResponse(pdf=rendered.content, filename=rendered.filename)
