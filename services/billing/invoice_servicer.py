from __future__ import annotations

import grpc
from portal.billing.v1 import invoices_pb2 as pb
from portal.billing.v1 import invoices_pb2_grpc
from portal_kit.db import Database
from portal_kit.keyset import CursorCodec
from portal_kit.outbox import OutboxRelay
from portal_kit.reads import CoreReader
from portal_kit.replays import mark_written
from portal_kit.timestamps import utcnow

from services.billing import customers, delivery, invoices
from services.billing.event_log import record as record_event
from services.billing.invoices import InvoiceRecord
from services.billing.messages import customer_to_pb, email_to_pb, invoice_changes, invoice_to_pb, page_info, paging_of
from services.billing.new_invoices import creation
from services.billing.subscription_invoices import presentation as presentations


def logged(record: InvoiceRecord) -> pb.Invoice:
    """The invoice as the event log keeps it: without its link token (bearer secrets stay out of the log)."""
    return invoice_to_pb(record, "", utcnow())


def without_link(invoice: pb.Invoice) -> pb.Invoice:
    """`logged()` of an invoice already made into a message (with its link token)."""
    copy = pb.Invoice()
    copy.CopyFrom(invoice)
    copy.ClearField("link_token")
    return copy


class InvoiceServicer(invoices_pb2_grpc.InvoiceServiceServicer):
    def __init__(self, db: Database, secret_key: bytes, relay: OutboxRelay) -> None:
        self.db = db
        self.secret_key = secret_key
        self.relay = relay
        self.cursors = CursorCodec(secret_key)

    def _pb(self, record: InvoiceRecord) -> pb.Invoice:
        token = invoices.link_token(self.secret_key, record.invoice.link_nonce)
        return invoice_to_pb(record, token, utcnow())

    async def CreateInvoice(
        self, request: pb.CreateInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateInvoiceResponse:
        changes = invoice_changes(request.invoice)
        if self.db.single_statement_writes():
            async with self.db.reads() as reader:
                return pb.CreateInvoiceResponse(invoice=await creation.create_invoice(reader, self.secret_key, changes))
        if self.db.engine.dialect.name == "postgresql":  # a keyed call: the same statements, in its transaction
            async with self.db.unit_of_work() as session:
                created = await creation.create_invoice(
                    CoreReader(await session.connection()), self.secret_key, changes
                )
                mark_written(session)
            return pb.CreateInvoiceResponse(invoice=created)
        async with self.db.unit_of_work() as session:  # SQLite
            record = await invoices.create_invoice(session, self.secret_key, changes)
            created = self._pb(record)
            await record_event(session, "invoice.created", without_link(created), customer_id=created.customer)
        return pb.CreateInvoiceResponse(invoice=created)

    async def GetInvoice(
        self, request: pb.GetInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetInvoiceResponse:
        async with self.db.read_only() as session:
            record = await invoices.get_invoice(session, request.id)
        return pb.GetInvoiceResponse(invoice=self._pb(record))

    async def UpdateInvoice(
        self, request: pb.UpdateInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateInvoiceResponse:
        changes = invoice_changes(request.changes)
        async with self.db.unit_of_work() as session:
            before = logged(await invoices.get_invoice(session, request.id))
            record = await invoices.update_invoice(session, request.id, changes)
            await record_event(session, "invoice.updated", logged(record), customer_id=record.invoice.customer_id,
                               previous=before)  # fmt: skip
        return pb.UpdateInvoiceResponse(invoice=self._pb(record))

    async def DeleteInvoice(
        self, request: pb.DeleteInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteInvoiceResponse:
        async with self.db.unit_of_work() as session:
            before = logged(await invoices.get_invoice(session, request.id))
            await invoices.delete_invoice(session, request.id)
            await record_event(session, "invoice.deleted", before, customer_id=before.customer)
        return pb.DeleteInvoiceResponse()

    async def VoidInvoice(
        self, request: pb.VoidInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.VoidInvoiceResponse:
        async with self.db.unit_of_work() as session:
            before = logged(await invoices.get_invoice(session, request.id))
            record = await invoices.void_invoice(session, request.id)
            await record_event(session, "invoice.updated", logged(record), customer_id=record.invoice.customer_id,
                               previous=before)  # fmt: skip
        return pb.VoidInvoiceResponse(invoice=self._pb(record))

    async def ListInvoices(
        self, request: pb.ListInvoicesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListInvoicesResponse:
        async with self.db.read_only() as session:
            rows, walk = await invoices.list_invoices(
                session, self.cursors, paging_of(request.page), dict(request.filter), dict(request.metadata)
            )
        return pb.ListInvoicesResponse(invoices=[self._pb(r) for r in rows], page_info=page_info(walk))

    async def SendInvoice(
        self, request: pb.SendInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.SendInvoiceResponse:
        to = [delivery.Recipient(r.name, r.email) for r in request.to]
        presentation = delivery.Presentation(request.presentation.business_name, request.presentation.portal_url)
        subject = request.subject if request.HasField("subject") else None
        message = request.message if request.HasField("message") else None
        async with self.db.unit_of_work() as session:
            emails, record = await delivery.send_invoice(
                session, self.secret_key, request.id, to, subject, message, presentation
            )
            await presentations.remember(session, presentation)  # for emails sent by jobs (subscription invoices)
        self.relay.notify()
        return pb.SendInvoiceResponse(emails=[email_to_pb(e) for e in emails], invoice=self._pb(record))

    async def GetInvoiceByLink(
        self, request: pb.GetInvoiceByLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetInvoiceByLinkResponse:
        async with self.db.unit_of_work() as session:
            invoice = await invoices.find_by_link(session, self.secret_key, request.token)
            record = await invoices.load(session, invoice)
            customer = await customers.get_customer(session, invoice.customer_id)
        return pb.GetInvoiceByLinkResponse(invoice=self._pb(record), customer=customer_to_pb(customer))

    async def ResolveInvoiceLink(
        self, request: pb.ResolveInvoiceLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveInvoiceLinkResponse:
        async with self.db.read_only() as session:
            invoice = await invoices.find_by_link(session, self.secret_key, request.token)
        return pb.ResolveInvoiceLinkResponse(invoice_id=invoice.id, customer_id=invoice.customer_id)

    async def RenderInvoicePdf(
        self, request: pb.RenderInvoicePdfRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenderInvoicePdfResponse:
        target = request.WhichOneof("target")
        invoice_id = request.id if target == "id" else None
        token = request.link_token if target == "link_token" else None
        async with self.db.unit_of_work() as session:
            rendered = await delivery.invoice_pdf(
                session, self.secret_key, invoice_id, token, request.presentation.business_name
            )
        return pb.RenderInvoicePdfResponse(pdf=rendered.content, filename=rendered.filename)
