"""The billing service as the gateway uses it: customers, contacts, invoices and their documents."""

from __future__ import annotations

from portal.billing.v1 import (
    account_pb2,
    account_pb2_grpc,
    common_pb2,
    customers_pb2,
    customers_pb2_grpc,
    estimates_pb2_grpc,
    event_log_pb2,
    event_log_pb2_grpc,
    invoices_pb2,
    invoices_pb2_grpc,
    payments_pb2,
    payments_pb2_grpc,
)
from portal_kit.balancing import Channel

from services.gateway.clients.calls import CallScope, unary


class BillingStubs:
    def __init__(self, channel: Channel) -> None:
        self.customers = customers_pb2_grpc.CustomerServiceStub(channel)
        self.invoices = invoices_pb2_grpc.InvoiceServiceStub(channel)
        self.account = account_pb2_grpc.AccountServiceStub(channel)
        self.estimates = estimates_pb2_grpc.EstimateServiceStub(channel)
        self.events = event_log_pb2_grpc.EventLogServiceStub(channel)
        self.payments = payments_pb2_grpc.PaymentServiceStub(channel)
        self.account_payments = payments_pb2_grpc.AccountPaymentServiceStub(channel)


class BillingClient:
    """Calls to billing for one request's scope (tenant, principal, deadline)."""

    def __init__(self, stubs: BillingStubs, scope: CallScope) -> None:
        self.stubs = stubs
        self.scope = scope

    # Customers
    async def create_customer(self, customer: customers_pb2.Customer) -> customers_pb2.Customer:
        request = customers_pb2.CreateCustomerRequest(customer=customer)
        return (await unary(self.stubs.customers.CreateCustomer, request, self.scope)).customer

    async def get_customer(self, customer_id: int) -> customers_pb2.Customer:
        request = customers_pb2.GetCustomerRequest(id=customer_id)
        return (await unary(self.stubs.customers.GetCustomer, request, self.scope, read=True)).customer

    async def customers_by_id(self, customer_ids: list[int]) -> list[customers_pb2.Customer]:
        """The customers that exist among these ids (at most 100), in the order asked: one call."""
        if not customer_ids:
            return []
        request = customers_pb2.BatchGetCustomersRequest(ids=customer_ids)
        reply: customers_pb2.BatchGetCustomersResponse = await unary(
            self.stubs.customers.BatchGetCustomers, request, self.scope, read=True
        )
        return list(reply.customers)

    async def update_customer(
        self, customer_id: int, changes: customers_pb2.Customer, cleared: list[str]
    ) -> customers_pb2.Customer:
        request = customers_pb2.UpdateCustomerRequest(id=customer_id, changes=changes, cleared=cleared)
        return (await unary(self.stubs.customers.UpdateCustomer, request, self.scope)).customer

    async def delete_customer(self, customer_id: int) -> None:
        await unary(
            self.stubs.customers.DeleteCustomer, customers_pb2.DeleteCustomerRequest(id=customer_id), self.scope
        )

    async def list_customers(
        self, page: common_pb2.PageRequest, filters: dict[str, str], metadata: dict[str, str]
    ) -> tuple[list[customers_pb2.Customer], common_pb2.PageInfo]:
        request = customers_pb2.ListCustomersRequest(page=page, filter=filters, metadata=metadata)
        reply: customers_pb2.ListCustomersResponse = await unary(
            self.stubs.customers.ListCustomers, request, self.scope, read=True
        )
        return list(reply.customers), reply.page_info

    # Contacts
    async def create_contact(self, customer_id: int, contact: customers_pb2.Contact) -> customers_pb2.Contact:
        request = customers_pb2.CreateContactRequest(customer_id=customer_id, contact=contact)
        return (await unary(self.stubs.customers.CreateContact, request, self.scope)).contact

    async def get_contact(self, customer_id: int, contact_id: int) -> customers_pb2.Contact:
        request = customers_pb2.GetContactRequest(customer_id=customer_id, id=contact_id)
        return (await unary(self.stubs.customers.GetContact, request, self.scope, read=True)).contact

    async def update_contact(
        self, customer_id: int, contact_id: int, changes: customers_pb2.Contact, cleared: list[str]
    ) -> customers_pb2.Contact:
        request = customers_pb2.UpdateContactRequest(
            customer_id=customer_id, id=contact_id, changes=changes, cleared=cleared
        )
        return (await unary(self.stubs.customers.UpdateContact, request, self.scope)).contact

    async def delete_contact(self, customer_id: int, contact_id: int) -> None:
        request = customers_pb2.DeleteContactRequest(customer_id=customer_id, id=contact_id)
        await unary(self.stubs.customers.DeleteContact, request, self.scope)

    async def list_contacts(
        self, customer_id: int, page: common_pb2.PageRequest
    ) -> tuple[list[customers_pb2.Contact], common_pb2.PageInfo]:
        request = customers_pb2.ListContactsRequest(customer_id=customer_id, page=page)
        reply: customers_pb2.ListContactsResponse = await unary(
            self.stubs.customers.ListContacts, request, self.scope, read=True
        )
        return list(reply.contacts), reply.page_info

    # Invoices
    async def create_invoice(self, invoice: invoices_pb2.InvoiceInput) -> invoices_pb2.Invoice:
        request = invoices_pb2.CreateInvoiceRequest(invoice=invoice)
        return (await unary(self.stubs.invoices.CreateInvoice, request, self.scope)).invoice

    async def get_invoice(self, invoice_id: int) -> invoices_pb2.Invoice:
        request = invoices_pb2.GetInvoiceRequest(id=invoice_id)
        return (await unary(self.stubs.invoices.GetInvoice, request, self.scope, read=True)).invoice

    async def update_invoice(self, invoice_id: int, changes: invoices_pb2.InvoiceInput) -> invoices_pb2.Invoice:
        request = invoices_pb2.UpdateInvoiceRequest(id=invoice_id, changes=changes)
        return (await unary(self.stubs.invoices.UpdateInvoice, request, self.scope)).invoice

    async def delete_invoice(self, invoice_id: int) -> None:
        await unary(self.stubs.invoices.DeleteInvoice, invoices_pb2.DeleteInvoiceRequest(id=invoice_id), self.scope)

    async def void_invoice(self, invoice_id: int) -> invoices_pb2.Invoice:
        request = invoices_pb2.VoidInvoiceRequest(id=invoice_id)
        return (await unary(self.stubs.invoices.VoidInvoice, request, self.scope)).invoice

    async def list_invoices(
        self, page: common_pb2.PageRequest, filters: dict[str, str], metadata: dict[str, str]
    ) -> tuple[list[invoices_pb2.Invoice], common_pb2.PageInfo]:
        request = invoices_pb2.ListInvoicesRequest(page=page, filter=filters, metadata=metadata)
        reply: invoices_pb2.ListInvoicesResponse = await unary(
            self.stubs.invoices.ListInvoices, request, self.scope, read=True
        )
        return list(reply.invoices), reply.page_info

    async def send_invoice(self, request: invoices_pb2.SendInvoiceRequest) -> list[invoices_pb2.Email]:
        reply: invoices_pb2.SendInvoiceResponse = await unary(self.stubs.invoices.SendInvoice, request, self.scope)
        return list(reply.emails)

    async def invoice_pdf(
        self, invoice_id: int, presentation: invoices_pb2.Presentation
    ) -> invoices_pb2.RenderInvoicePdfResponse:
        request = invoices_pb2.RenderInvoicePdfRequest(id=invoice_id, presentation=presentation)
        return await unary(self.stubs.invoices.RenderInvoicePdf, request, self.scope, read=True)

    async def invoice_pdf_by_link(
        self, link_token: str, presentation: invoices_pb2.Presentation
    ) -> invoices_pb2.RenderInvoicePdfResponse:
        request = invoices_pb2.RenderInvoicePdfRequest(link_token=link_token, presentation=presentation)
        return await unary(self.stubs.invoices.RenderInvoicePdf, request, self.scope, read=True)

    # The event log
    async def list_events(
        self, request: event_log_pb2.ListEventsRequest
    ) -> tuple[list[event_log_pb2.Event], common_pb2.PageInfo]:
        reply: event_log_pb2.ListEventsResponse = await unary(
            self.stubs.events.ListEvents, request, self.scope, read=True
        )
        return list(reply.events), reply.page_info

    async def get_event(self, event_id: int) -> event_log_pb2.Event:
        request = event_log_pb2.GetEventRequest(id=event_id)
        reply: event_log_pb2.GetEventResponse = await unary(self.stubs.events.GetEvent, request, self.scope, read=True)
        return reply.event

    # Payments
    async def create_payment(self, payment: payments_pb2.PaymentInput) -> payments_pb2.Payment:
        request = payments_pb2.CreatePaymentRequest(payment=payment)
        reply: payments_pb2.CreatePaymentResponse = await unary(self.stubs.payments.CreatePayment, request, self.scope)
        return reply.payment

    async def get_payment(self, payment_id: int) -> payments_pb2.Payment:
        request = payments_pb2.GetPaymentRequest(id=payment_id)
        reply: payments_pb2.GetPaymentResponse = await unary(
            self.stubs.payments.GetPayment, request, self.scope, read=True
        )
        return reply.payment

    async def update_payment(self, payment_id: int, changes: payments_pb2.PaymentInput) -> payments_pb2.Payment:
        request = payments_pb2.UpdatePaymentRequest(id=payment_id, changes=changes)
        reply: payments_pb2.UpdatePaymentResponse = await unary(self.stubs.payments.UpdatePayment, request, self.scope)
        return reply.payment

    async def void_payment(self, payment_id: int) -> payments_pb2.Payment:
        request = payments_pb2.VoidPaymentRequest(id=payment_id)
        reply: payments_pb2.VoidPaymentResponse = await unary(self.stubs.payments.VoidPayment, request, self.scope)
        return reply.payment

    async def list_payments(
        self, request: payments_pb2.ListPaymentsRequest
    ) -> tuple[list[payments_pb2.Payment], common_pb2.PageInfo]:
        reply: payments_pb2.ListPaymentsResponse = await unary(
            self.stubs.payments.ListPayments, request, self.scope, read=True
        )
        return list(reply.payments), reply.page_info

    async def receipt_pdf(self, request: payments_pb2.RenderReceiptPdfRequest) -> payments_pb2.RenderReceiptPdfResponse:
        return await unary(self.stubs.payments.RenderReceiptPdf, request, self.scope, read=True)

    async def send_receipt(self, request: payments_pb2.SendReceiptRequest) -> list[invoices_pb2.Email]:
        reply: payments_pb2.SendReceiptResponse = await unary(self.stubs.payments.SendReceipt, request, self.scope)
        return list(reply.emails)

    async def statement_pdf_by_link(
        self, request: payments_pb2.RenderStatementPdfByLinkRequest
    ) -> payments_pb2.RenderStatementPdfResponse:
        return await unary(self.stubs.payments.RenderStatementPdfByLink, request, self.scope, read=True)

    # The principal's own payments, receipts and statements
    async def account_payments(self, limit: int) -> list[payments_pb2.Payment]:
        request = payments_pb2.ListAccountPaymentsRequest(limit=limit)
        reply: payments_pb2.ListAccountPaymentsResponse = await unary(
            self.stubs.account_payments.ListAccountPayments, request, self.scope, read=True
        )
        return list(reply.payments)

    async def account_payment(self, payment_id: int) -> payments_pb2.Payment:
        request = payments_pb2.GetAccountPaymentRequest(id=payment_id)
        reply: payments_pb2.GetAccountPaymentResponse = await unary(
            self.stubs.account_payments.GetAccountPayment, request, self.scope, read=True
        )
        return reply.payment

    async def account_receipt_pdf(
        self, payment_id: int, presentation: invoices_pb2.Presentation
    ) -> payments_pb2.RenderReceiptPdfResponse:
        request = payments_pb2.RenderAccountReceiptPdfRequest(id=payment_id, presentation=presentation)
        return await unary(self.stubs.account_payments.RenderAccountReceiptPdf, request, self.scope, read=True)

    async def account_statement(self, period: payments_pb2.StatementPeriod | None) -> payments_pb2.Statement:
        request = payments_pb2.GetAccountStatementRequest(period=period)
        reply: payments_pb2.GetAccountStatementResponse = await unary(
            self.stubs.account_payments.GetAccountStatement, request, self.scope, read=True
        )
        return reply.statement

    async def account_statement_pdf(
        self, period: payments_pb2.StatementPeriod | None, presentation: invoices_pb2.Presentation
    ) -> payments_pb2.RenderStatementPdfResponse:
        request = payments_pb2.RenderAccountStatementPdfRequest(period=period, presentation=presentation)
        return await unary(self.stubs.account_payments.RenderAccountStatementPdf, request, self.scope, read=True)

    # The principal's own account (the scope must carry a principal: see services.gateway.deps)
    async def account_page(self, per_page: int, after: str) -> account_pb2.GetAccountPageResponse:
        request = account_pb2.GetAccountPageRequest(per_page=per_page, after=after)
        return await unary(self.stubs.account.GetAccountPage, request, self.scope, read=True)

    async def account_invoice(self, invoice_id: int) -> account_pb2.GetAccountInvoiceResponse:
        request = account_pb2.GetAccountInvoiceRequest(id=invoice_id)
        return await unary(self.stubs.account.GetAccountInvoice, request, self.scope, read=True)

    async def account_invoice_pdf(
        self, invoice_id: int, presentation: invoices_pb2.Presentation
    ) -> invoices_pb2.RenderInvoicePdfResponse:
        request = account_pb2.RenderAccountInvoicePdfRequest(id=invoice_id, presentation=presentation)
        return await unary(self.stubs.account.RenderAccountInvoicePdf, request, self.scope, read=True)

    async def account_customer(self) -> customers_pb2.Customer:
        request = account_pb2.GetAccountCustomerRequest()
        reply: account_pb2.GetAccountCustomerResponse = await unary(
            self.stubs.account.GetAccountCustomer, request, self.scope, read=True
        )
        return reply.customer

    async def update_account_details(
        self, changes: customers_pb2.Customer, cleared: list[str]
    ) -> customers_pb2.Customer:
        request = account_pb2.UpdateAccountDetailsRequest(changes=changes, cleared=cleared)
        reply: account_pb2.UpdateAccountDetailsResponse = await unary(
            self.stubs.account.UpdateAccountDetails, request, self.scope
        )
        return reply.customer
