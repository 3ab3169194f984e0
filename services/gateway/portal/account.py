"""The signed-in customer's pages: the account home, an invoice, account details, sign-in security."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import common_pb2, customers_pb2, invoices_pb2
from portal_kit.errors import InvalidArgument, NotFound
from starlette.responses import RedirectResponse, Response

from services.gateway.portal import pages, signin
from services.gateway.portal.documents import pdf_response
from services.gateway.portal.sessions import (
    FullSignInRequired,
    Visitor,
    require_full,
    require_visitor,
    visitor,
)
from services.gateway.portal.web_security import attempt_id, csrf_valid

router = APIRouter()
InvoiceId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DETAIL_FIELDS = ("phone", "attention_to", "address1", "address2", "city", "state", "postal_code")


async def current_customer(request: Request, current: Visitor) -> customers_pb2.Customer:
    """The account in use. A customer that no longer exists ends the session."""
    backends = request.app.state.backends
    business = pages.business_of(request)
    try:
        reply = await backends.call(
            backends.customers.GetCustomer,
            customers_pb2.GetCustomerRequest(id=current.session.customer_id),
            business.id,
        )
    except NotFound:
        await backends.call(
            backends.sessions.EndSession, auth_pb2.EndSessionRequest(session_token=current.token), business.id
        )
        request.state.clear_session = True
        request.state.visitor = None
        raise FullSignInRequired() from None
    return reply.customer


@router.get("/")
async def home(request: Request) -> Response:
    if pages.business_of(request) is None:
        return pages.render(request, "landing.html", {"base_domain": request.app.state.settings.base_domain})
    current = await visitor(request)
    if current is None:
        return pages.sign_in_form(request)
    if current.document_only:
        return RedirectResponse(f"/account/invoices/{current.session.document_id}", status_code=303)
    backends = request.app.state.backends
    business = pages.business_of(request)
    customer, invoices = await pages.fan_out(
        [
            current_customer(request, current),
            backends.call(
                backends.invoices.ListInvoices,
                invoices_pb2.ListInvoicesRequest(
                    page=common_pb2.PageRequest(page=1, per_page=100),
                    filter={"customer": str(current.session.customer_id)},
                ),
                business.id,
            ),
        ]
    )
    rows = [i for i in invoices.invoices if i.status != "draft"] if invoices else []
    outstanding = sum(i.balance for i in rows if i.status not in ("voided", "paid"))
    return pages.render(request, "account.html", {"customer": customer, "invoices": rows, "outstanding": outstanding})


async def _own_invoice(request: Request, current: Visitor, invoice_id: int) -> invoices_pb2.Invoice:
    if not current.may_see("invoice", invoice_id):
        raise FullSignInRequired()
    backends = request.app.state.backends
    reply = await backends.call(
        backends.invoices.GetInvoice, invoices_pb2.GetInvoiceRequest(id=invoice_id), pages.business_of(request).id
    )
    if reply.invoice.customer != current.session.customer_id or reply.invoice.status == "draft":
        raise NotFound(f"No such invoice: {invoice_id}")
    return reply.invoice


@router.get("/account/invoices/{invoice_id}")
async def invoice_page(request: Request, invoice_id: InvoiceId) -> Response:
    current = await require_visitor(request)
    try:
        invoice = await _own_invoice(request, current, invoice_id)
    except NotFound:
        return pages.not_found(request, "We could not find that invoice in your account.")
    customer = await current_customer(request, current)
    return pages.render(request, "invoice.html", {"invoice": invoice, "customer": customer})


@router.get("/account/invoices/{invoice_id}/pdf")
async def invoice_pdf(request: Request, invoice_id: InvoiceId) -> Response:
    current = await require_visitor(request)
    try:
        await _own_invoice(request, current, invoice_id)
    except NotFound:
        return pages.not_found(request, "We could not find that invoice in your account.")
    business = pages.business_of(request)
    backends = request.app.state.backends
    pdf = await backends.call(
        backends.invoices.RenderInvoicePdf,
        invoices_pb2.RenderInvoicePdfRequest(
            id=invoice_id,
            presentation=invoices_pb2.Presentation(
                business_name=business.display_name, portal_url=request.app.state.settings.portal_url(business.username)
            ),
        ),
        business.id,
    )
    return pdf_response(pdf)


@router.get("/account/details")
async def details(request: Request) -> Response:
    current = await require_visitor(request)
    if current.document_only:
        raise FullSignInRequired()
    customer = await current_customer(request, current)
    return pages.render(
        request, "details.html", {"customer": customer, "fields": DETAIL_FIELDS, "saved": False, "error": None}
    )


@router.post("/account/details")
async def save_details(request: Request) -> Response:
    """Changing contact details needs a full sign-in: checked here, on the server, for every request."""
    form = await request.form()
    if not csrf_valid(request, str(form.get("csrf_token", ""))):
        return pages.render(
            request,
            "error.html",
            {"heading": "This form has expired", "message": "Reload the page and try again."},
            status=403,
        )
    current = await require_full(request)
    changes = customers_pb2.Customer()
    cleared = []
    for name in DETAIL_FIELDS:
        value = str(form.get(name, "")).strip()[:255]
        if value:
            setattr(changes, name, value)
        else:
            cleared.append(name)
    backends = request.app.state.backends
    business = pages.business_of(request)
    try:
        reply = await backends.call(
            backends.customers.UpdateCustomer,
            customers_pb2.UpdateCustomerRequest(id=current.session.customer_id, changes=changes, cleared=cleared),
            business.id,
        )
    except InvalidArgument as invalid:
        customer = await current_customer(request, current)
        return pages.render(request, "details.html", {"customer": customer, "fields": DETAIL_FIELDS, "saved": False,
                                                      "error": invalid.message}, status=400)  # fmt: skip
    return pages.render(
        request, "details.html", {"customer": reply.customer, "fields": DETAIL_FIELDS, "saved": True, "error": None}
    )


@router.post("/account/full-sign-in")
async def send_full_sign_in_link(request: Request) -> Response:
    """One click from a guest (temporary) session: a sign-in link to the customer's own email."""
    form = await request.form()
    if not csrf_valid(request, str(form.get("csrf_token", ""))):
        return pages.render(
            request,
            "error.html",
            {"heading": "This form has expired", "message": "Reload the page and try again."},
            status=403,
        )
    current = await require_visitor(request)
    customer = await current_customer(request, current)
    backends = request.app.state.backends
    business = pages.business_of(request)
    if customer.HasField("email") and customer.email:
        await backends.call(
            backends.sign_in.RequestSignIn,
            auth_pb2.RequestSignInRequest(
                email=customer.email,
                client=signin.client(request),
                presentation=signin.presentation(request),
                return_to=str(form.get("return_to", ""))
                if str(form.get("return_to", "")).startswith("/account/")
                else "",
                attempt_id=attempt_id(request),
            ),
            business.id,
        )
    return RedirectResponse("/sign-in/check", status_code=303)


@router.get("/account/security")
async def security(request: Request) -> Response:
    current = await require_full(request)
    backends = request.app.state.backends
    reply = await backends.call(
        backends.sessions.ListRecentSignIns,
        auth_pb2.ListRecentSignInsRequest(session_token=current.token, limit=10),
        pages.business_of(request).id,
    )
    customer = await current_customer(request, current)
    return pages.render(request, "security.html", {"sign_ins": reply.sign_ins, "customer": customer})
