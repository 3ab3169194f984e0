"""The signed-in customer's pages: the account home, an invoice, account details, sign-in security.

Billing decides what the visitor may see: every call here acts for the visitor's principal (deps.AccountBilling),
and another customer's invoice, or a draft, comes back as NOT_FOUND.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import customers_pb2, invoices_pb2
from portal_kit.errors import InvalidArgument, NotFound
from starlette.responses import RedirectResponse, Response

from services.gateway.clients.auth import AuthClient
from services.gateway.clients.billing import BillingClient
from services.gateway.deps import (
    AccountBilling,
    CsrfChecked,
    FullySignedIn,
    PortalAuth,
    Settings,
    SignedInCustomer,
    Tenant,
    backends_of,
    forget_visitor,
    settings_of,
    signed_in_visitor,
    site_of,
    visitor_of,
)
from services.gateway.portal import comment_thread, pages, signin
from services.gateway.portal.documents import pdf_response
from services.gateway.portal.sessions import FullSignInRequired, Visitor
from services.gateway.portal.web_security import attempt_id

router = APIRouter()
InvoiceId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DETAIL_FIELDS = ("phone", "attention_to", "address1", "address2", "city", "state", "postal_code")
NO_SUCH_INVOICE = "We could not find that invoice in your account."
INVOICES_PER_PAGE = 25
MAX_PAGE_LINK = 20  # `after`: an invoice id


async def _account_gone(request: Request, current: Visitor, auth: AuthClient) -> FullSignInRequired:
    """The account's customer no longer exists: the session ends."""
    await auth.end_session(current.token)
    forget_visitor(request)
    return FullSignInRequired()


async def current_customer(
    request: Request, current: Visitor, billing: BillingClient, auth: AuthClient
) -> customers_pb2.Customer:
    """The account in use. A customer that no longer exists ends the session."""
    try:
        return await billing.account_customer()
    except NotFound:
        raise await _account_gone(request, current, auth) from None


@router.get("/")
async def home(request: Request) -> Response:
    """The account home: who, what is owed per currency, and a page of invoices, in one billing call.

    The busiest page: it takes no FastAPI dependencies (each costs a resolution per request) and reads the site,
    the settings and the page link itself, with the same answers as the dependencies would give."""
    business = site_of(request).business
    if business is None:
        return pages.render(request, "landing.html", {"base_domain": settings_of(request).base_domain})
    after = request.query_params.get("after", "")
    if len(after) > MAX_PAGE_LINK:
        return pages.not_found(request)  # what a failed query validation answers on portal pages
    current = await visitor_of(request, business)
    if current is None:
        return pages.sign_in_form(request)
    if current.document_only:
        if current.session.document_type == "payment_method":  # a card-update link from an AutoPay email
            return RedirectResponse("/account/payment-methods", status_code=303)
        if current.session.document_type == "subscription":  # a "Manage Subscription" link, subscription scope
            return RedirectResponse(f"/account/subscriptions/{current.session.document_id}", status_code=303)
        return RedirectResponse(f"/account/invoices/{current.session.document_id}", status_code=303)
    backends = backends_of(request)
    try:
        account = await backends.billing(business.id, current.principal).account_page(INVOICES_PER_PAGE, after)
    except NotFound:
        raise await _account_gone(request, current, backends.auth(business.id)) from None
    except InvalidArgument:
        return RedirectResponse("/", status_code=303)  # a stale or edited page link: back to the first page
    context = {"holder": account.holder, "balances": account.balances, "invoices": account.invoices,
               "rows": pages.invoice_rows_html(account.invoices), "next_page": account.next_page}  # fmt: skip
    return pages.render(request, "account.html", context)


async def _invoice_page(
    request: Request,
    business: auth_pb2.Business,
    current: Visitor,
    billing: BillingClient,
    invoice_id: int,
    refused: comment_thread.Refused | None = None,
    draft: str = "",
    posted: bool = False,
) -> Response:
    """The invoice, and its comment thread only when there is one: a page without comments is one billing call
    (comment_thread.load_unless_empty; the business's comment settings are cached).

    Billing says whether the thread exists (`has_comments`, from the comment-flag events it consumes). That lags a
    new comment by the Kafka delay, so the page right after the visitor posts (`posted`, the redirect's `?posted=1`),
    or re-shows a refused comment, always asks the comments service. The thread never holds up or breaks the page.
    """
    try:
        shown = await billing.account_invoice(invoice_id)
    except NotFound:
        return pages.not_found(request, NO_SUCH_INVOICE)
    has_comments = shown.has_comments or posted or refused is not None
    thread = await comment_thread.load_unless_empty(
        backends_of(request), business.id, current, "invoice", invoice_id, has_comments
    )
    if refused is not None:
        thread = comment_thread.with_refusal(thread, refused, draft)
    context = {"invoice": shown.invoice, "body": pages.invoice_body(shown.invoice, shown.holder), "thread": thread}
    return pages.render(request, "invoice.html", context, status=refused.status if refused else 200)


@router.get("/account/invoices/{invoice_id}")
async def invoice_page(request: Request, invoice_id: InvoiceId, posted: Annotated[bool, Query()] = False) -> Response:
    """The second busiest page: its business and visitor come from `signed_in_visitor`, not dependencies."""
    business, current = await signed_in_visitor(request)
    if not current.may_see("invoice", invoice_id):
        raise FullSignInRequired()
    billing = backends_of(request).billing(business.id, current.principal)
    return await _invoice_page(request, business, current, billing, invoice_id, posted=posted)


@router.post("/account/invoices/{invoice_id}/comments")
async def comment_on_invoice(
    request: Request,
    invoice_id: InvoiceId,
    _: CsrfChecked,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """A customer's comment on the invoice; the comments service enforces the business's settings and limits."""
    if not current.may_see("invoice", invoice_id):
        raise FullSignInRequired()
    try:
        shown = await billing.account_invoice(invoice_id)
    except NotFound:
        return pages.not_found(request, NO_SUCH_INVOICE)
    owner = comment_thread.Owner(shown.invoice.customer, shown.holder.name)
    portal_url = settings.portal_url(business.username)
    refused = await comment_thread.post(
        backends_of(request), business, portal_url, current, "invoice", invoice_id, owner, body
    )
    if refused is not None:
        return await _invoice_page(request, business, current, billing, invoice_id, refused, body)
    return RedirectResponse(f"/account/invoices/{invoice_id}?posted=1#comments", status_code=303)


@router.get("/account/invoices/{invoice_id}/pdf")
async def invoice_pdf(
    request: Request,
    invoice_id: InvoiceId,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
) -> Response:
    if not current.may_see("invoice", invoice_id):
        raise FullSignInRequired()
    presentation = invoices_pb2.Presentation(
        business_name=business.display_name, portal_url=settings.portal_url(business.username)
    )
    try:
        pdf = await billing.account_invoice_pdf(invoice_id, presentation)
    except NotFound:
        return pages.not_found(request, NO_SUCH_INVOICE)
    return pdf_response(pdf)


def _details_page(
    request: Request, customer: customers_pb2.Customer, saved: bool, error: str | None, status: int = 200
) -> Response:
    context = {"customer": customer, "fields": DETAIL_FIELDS, "saved": saved, "error": error}
    return pages.render(request, "details.html", context, status=status)


@router.get("/account/details")
async def details(request: Request, current: SignedInCustomer, billing: AccountBilling, auth: PortalAuth) -> Response:
    if current.document_only:
        raise FullSignInRequired()
    return _details_page(request, await current_customer(request, current, billing, auth), False, None)


@router.post("/account/details")
async def save_details(
    request: Request, _: CsrfChecked, current: FullySignedIn, billing: AccountBilling, auth: PortalAuth
) -> Response:
    """Changing contact details needs a full sign-in: billing checks it again, and which fields may change."""
    form = await request.form()
    changes = customers_pb2.Customer()
    cleared = []
    for name in DETAIL_FIELDS:
        value = str(form.get(name, "")).strip()[:255]
        if value:
            setattr(changes, name, value)
        else:
            cleared.append(name)
    try:
        customer = await billing.update_account_details(changes, cleared)
    except InvalidArgument as invalid:
        customer = await current_customer(request, current, billing, auth)
        return _details_page(request, customer, False, invalid.message, status=400)
    return _details_page(request, customer, True, None)


@router.post("/account/full-sign-in")
async def send_full_sign_in_link(
    request: Request,
    _: CsrfChecked,
    current: SignedInCustomer,
    billing: AccountBilling,
    auth: PortalAuth,
    return_to: Annotated[str, Form()] = "",
) -> Response:
    """One click from a guest (temporary) session: a sign-in link to the customer's own email."""
    customer = await current_customer(request, current, billing, auth)
    if customer.HasField("email") and customer.email:
        await auth.request_sign_in(
            email=customer.email,
            client=signin.client(request),
            presentation=signin.presentation(request),
            return_to=return_to if return_to.startswith("/account/") else "",
            attempt_id=attempt_id(request),
        )
    return RedirectResponse("/sign-in/check", status_code=303)


@router.get("/account/security")
async def security(request: Request, current: FullySignedIn, billing: AccountBilling, auth: PortalAuth) -> Response:
    sign_ins = await auth.recent_sign_ins(current.token, 10)
    customer = await current_customer(request, current, billing, auth)
    return pages.render(request, "security.html", {"sign_ins": sign_ins, "customer": customer})
