"""AccountPaymentService: the principal's own payments, receipts and statements (see payments.proto)."""

from __future__ import annotations

import grpc
from portal.billing.v1 import payments_pb2 as pb
from portal.billing.v1 import payments_pb2_grpc
from portal_kit.db import Database
from portal_kit.principal import required_principal
from portal_kit.timestamps import unix

from services.billing.invoices import invoice_status
from services.billing.payments import account, receipts, statements
from services.billing.payments.messages import payment_to_pb
from services.billing.payments.records import PaymentRecord
from services.billing.payments.statement_pdf import statement_pdf
from services.billing.payments.statements import Period, Statement


def period_of(message: pb.StatementPeriod | None) -> Period:
    if message is None:
        return statements.period(None, None)
    return statements.period(message.start or None, message.end or None)


def statement_to_pb(statement: Statement) -> pb.Statement:
    customer = statement.customer
    message = pb.Statement(
        customer=customer.id,
        customer_name=customer.name,
        customer_number=customer.number,
        period=pb.StatementPeriod(start=unix(statement.period.start), end=unix(statement.period.end)),
        payments=[payment_to_pb(record) for record in statement.payments],
        totals=[
            pb.StatementTotal(currency=t.currency, balance=t.balance, received=t.received) for t in statement.totals
        ],
        generated_at=unix(statement.generated_at),
    )
    for invoice in statement.invoices:
        line = message.invoices.add(
            id=invoice.id, number=invoice.number, date=unix(invoice.date), currency=invoice.currency,
            total=invoice.total, amount_paid=invoice.amount_paid, balance=invoice.balance,
            status=invoice_status(invoice, statement.generated_at),
        )  # fmt: skip
        if invoice.due_date is not None:
            line.due_date = unix(invoice.due_date)
    return message


class AccountPaymentServicer(payments_pb2_grpc.AccountPaymentServiceServicer):
    def __init__(self, db: Database, secret_key: bytes) -> None:
        self.db = db
        self.secret_key = secret_key

    def _pb(self, record: PaymentRecord) -> pb.Payment:
        return payment_to_pb(record, receipts.receipt_token(self.secret_key, record.payment))

    async def ListAccountPayments(
        self, request: pb.ListAccountPaymentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAccountPaymentsResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            rows = await account.account_payments(session, principal, request.limit)
        return pb.ListAccountPaymentsResponse(payments=[self._pb(r) for r in rows])

    async def GetAccountPayment(
        self, request: pb.GetAccountPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountPaymentResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            record = await account.account_payment(session, principal, request.id)
        return pb.GetAccountPaymentResponse(payment=self._pb(record))

    async def RenderAccountReceiptPdf(
        self, request: pb.RenderAccountReceiptPdfRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenderReceiptPdfResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            record = await account.account_payment(session, principal, request.id)
            rendered = await receipts.receipt_pdf(session, record, request.presentation.business_name)
        return pb.RenderReceiptPdfResponse(pdf=rendered.content, filename=rendered.filename)

    async def GetAccountStatement(
        self, request: pb.GetAccountStatementRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountStatementResponse:
        principal = required_principal()
        account.require_whole_account(principal)
        within = period_of(request.period if request.HasField("period") else None)
        async with self.db.unit_of_work() as session:
            statement = await statements.build_statement(session, principal.customer_id, within)
        return pb.GetAccountStatementResponse(statement=statement_to_pb(statement))

    async def RenderAccountStatementPdf(
        self, request: pb.RenderAccountStatementPdfRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenderStatementPdfResponse:
        principal = required_principal()
        account.require_whole_account(principal)
        within = period_of(request.period if request.HasField("period") else None)
        async with self.db.unit_of_work() as session:
            rendered = await statement_pdf(session, principal.customer_id, within, request.presentation.business_name)
        return pb.RenderStatementPdfResponse(pdf=rendered.content, filename=rendered.filename)
