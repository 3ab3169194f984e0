"""AccountService: a customer's own account, for the principal the gateway sends (see account.proto)."""

from __future__ import annotations

from datetime import datetime

import grpc
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer
from portal.billing.v1 import account_pb2 as pb
from portal.billing.v1 import account_pb2_grpc, invoices_pb2
from portal_kit.db import Database
from portal_kit.principal import required_principal
from portal_kit.timestamps import unix, utcnow

from services.billing import account_summary, delivery, invoices
from services.billing.account_summary import Holder
from services.billing.customers import CustomerChanges
from services.billing.event_log import record as record_event
from services.billing.invoices import invoice_status
from services.billing.messages import customer_fields, customer_to_pb, invoice_to_pb
from services.billing.repository import InvoiceRow


def holder_to_pb(holder: Holder) -> pb.AccountHolder:
    return pb.AccountHolder(
        id=holder.id, name=holder.name, number=holder.number, email=holder.email, currency=holder.currency
    )


def add_rows(into: RepeatedCompositeFieldContainer[pb.InvoiceRow], rows: list[InvoiceRow], now: datetime) -> None:
    """Appends the rows in place (a message built apart and then added would be copied)."""
    add = into.add
    for invoice in rows:
        add(
            id=invoice.id,
            number=invoice.number,
            date=unix(invoice.date),
            status=invoice_status(invoice, now),
            total=invoice.total,
            balance=invoice.balance,
            currency=invoice.currency,
            due_date=unix(invoice.due_date) if invoice.due_date is not None else None,
        )


class AccountServicer(account_pb2_grpc.AccountServiceServicer):
    def __init__(self, db: Database, secret_key: bytes) -> None:
        self.db = db
        self.secret_key = secret_key

    async def GetAccountPage(
        self, request: pb.GetAccountPageRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountPageResponse:
        principal = required_principal()
        async with self.db.reads() as reader:
            page = await account_summary.account_page(reader, principal, request.per_page, request.after)
        response = pb.GetAccountPageResponse(
            holder=holder_to_pb(page.holder),
            balances=[
                pb.Balance(currency=b.currency, outstanding=b.outstanding, open_invoices=b.open_invoices)
                for b in page.balances
            ],  # fmt: skip
            next_page=page.next_page,
        )
        add_rows(response.invoices, page.rows, utcnow())
        return response

    async def GetAccountInvoice(
        self, request: pb.GetAccountInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountInvoiceResponse:
        principal = required_principal()
        async with self.db.reads() as reader:
            shown = await account_summary.account_invoice(reader, principal, request.id)
        token = invoices.link_token(self.secret_key, shown.invoice.link_nonce)
        return pb.GetAccountInvoiceResponse(
            invoice=invoice_to_pb(shown, token, utcnow()),
            holder=holder_to_pb(shown.holder),
            has_comments=shown.has_comments,
        )

    async def RenderAccountInvoicePdf(
        self, request: pb.RenderAccountInvoicePdfRequest, context: grpc.aio.ServicerContext
    ) -> invoices_pb2.RenderInvoicePdfResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            invoice = await account_summary.visible_invoice(session, principal, request.id)
            rendered = await delivery.invoice_pdf(
                session, self.secret_key, invoice.id, None, request.presentation.business_name
            )
        return invoices_pb2.RenderInvoicePdfResponse(pdf=rendered.content, filename=rendered.filename)

    async def GetAccountCustomer(
        self, request: pb.GetAccountCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountCustomerResponse:
        principal = required_principal()
        async with self.db.read_only() as session:
            record = await account_summary.account_customer(session, principal)
        return pb.GetAccountCustomerResponse(customer=customer_to_pb(record))

    async def UpdateAccountDetails(
        self, request: pb.UpdateAccountDetailsRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateAccountDetailsResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            before = customer_to_pb(await account_summary.account_customer(session, principal))
            record = await account_summary.update_details(
                session, principal, CustomerChanges(customer_fields(request.changes), list(request.cleared))
            )
            await record_event(session, "customer.updated", customer_to_pb(record), customer_id=before.id,
                               previous=before)  # fmt: skip
        return pb.UpdateAccountDetailsResponse(customer=customer_to_pb(record))
