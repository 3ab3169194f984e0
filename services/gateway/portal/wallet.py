"""The customer's payment pages: Payment methods ("Update payment information") and Pay (one invoice or several).

Card numbers never reach these routes: Stripe.js sends them to Stripe and hands back a SetupIntent id. Billing
enforces every rule (settings, balances, ownership); these routes map forms to calls and answer the page's script
with JSON. Every POST is CSRF-checked like every portal form.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from portal.billing.v1 import card_payments_pb2 as pb
from portal_kit.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from portal_kit.money import from_minor, to_minor
from portal_kit.principal import Principal
from starlette.responses import JSONResponse, RedirectResponse, Response

from services.gateway.clients.card_payments import CardPaymentsClient
from services.gateway.clients.estimates import EstimatesClient
from services.gateway.deps import (
    AccountBilling,
    CsrfChecked,
    PortalAuth,
    Settings,
    SignedInCustomer,
    Tenant,
    backends_of,
)
from services.gateway.portal import pages, signin
from services.gateway.portal.sessions import FullSignInRequired, Visitor, start_session, to_sign_in
from services.gateway.settings import GatewaySettings

router = APIRouter()
CardId = Annotated[int, Path(ge=1, le=2**63 - 1)]
MAX_INVOICES = 50


PAYMENT_METHOD = "payment_method"  # auth's document type of a guest session from a card-update link
INVALID_LINK = "This link is not valid any more. Sign in to update your card."


def card_guest(current: Visitor) -> bool:
    """A guest session from an AutoPay email's "update your card" link."""
    return current.temporary and current.session.document_type == PAYMENT_METHOD


def wallet_principal(current: Visitor) -> Principal:
    """Who billing sees: the visitor, or, for a card-update guest, a guest limited to its payment methods."""
    if card_guest(current):
        return Principal(current.session.customer_id, PAYMENT_METHOD, current.session.document_id, guest=True)
    return current.principal


def wallet_client(request: Request, business: Tenant, current: SignedInCustomer) -> CardPaymentsClient:
    return backends_of(request).card_payments(business.id, wallet_principal(current))


async def card_manager(current: SignedInCustomer) -> Visitor:
    """Changing cards: a full sign-in, or the guest session of a card-update link (billing checks it again)."""
    if current.temporary and not card_guest(current):
        raise FullSignInRequired()
    return current


CardManager = Annotated[Visitor, Depends(card_manager)]


def payment_csp(settings: GatewaySettings) -> str:
    """The portal's CSP, plus Stripe.js (its script, its API and its frames) on the payment pages only."""
    if settings.stripe_api_base:
        parts = urlsplit(settings.stripe_api_base)
        stripe = f"{parts.scheme}://{parts.netloc}"
        scripts, connect, frames = stripe, stripe, stripe
    else:
        scripts, connect = "https://js.stripe.com", "https://api.stripe.com"
        frames = "https://js.stripe.com https://hooks.stripe.com"
    return (
        f"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' {scripts}; "
        f"connect-src 'self' {connect}; frame-src {frames}; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    )


def _render(
    request: Request, settings: GatewaySettings, name: str, context: dict[str, object], status: int = 200
) -> Response:
    response = pages.render(request, name, {"stripe_js_url": settings.stripe_js_url, **context}, status=status)
    response.headers["Content-Security-Policy"] = payment_csp(settings)
    return response


def _refusal(error: DomainError) -> JSONResponse:
    status = 404 if isinstance(error, NotFound) else 403 if isinstance(error, PermissionDenied) else 400
    return JSONResponse({"error": error.message, "param": error.param}, status_code=status)


@router.get("/account/payment-methods")
async def payment_methods(
    request: Request, current: SignedInCustomer, business: Tenant, settings: Settings
) -> Response:
    if current.document_only and not card_guest(current):
        raise FullSignInRequired("/account/payment-methods")
    wallet = await wallet_client(request, business, current).wallet()
    return _render(request, settings, "payment_methods.html", {"wallet": wallet})


@router.post("/account/payment-methods/setup")
async def start_setup(request: Request, _: CsrfChecked, current: SignedInCustomer, business: Tenant) -> Response:
    """A SetupIntent for Stripe.js (JSON for the page's script). A guest may set up a card to pay its invoice with;
    saving it needs a full sign-in (billing decides)."""
    try:
        setup = await wallet_client(request, business, current).start_card_setup()
    except (InvalidArgument, FailedPrecondition, PermissionDenied) as refused:
        return _refusal(refused)
    return JSONResponse({"client_secret": setup.client_secret, "publishable_key": setup.publishable_key})


@router.post("/account/payment-methods")
async def add_card(
    request: Request,
    _: CsrfChecked,
    current: CardManager,
    business: Tenant,
    setup_intent: Annotated[str, Form(max_length=255)],
    make_default: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Saves the card Stripe.js just confirmed (billing checks the SetupIntent with Stripe)."""
    try:
        await wallet_client(request, business, current).finish_card_setup(setup_intent, make_default == "on")
    except (InvalidArgument, FailedPrecondition, NotFound, PermissionDenied) as refused:
        return _refusal(refused)
    return JSONResponse({"saved": True})


@router.post("/account/payment-methods/{card_id}/remove")
async def remove_card(
    request: Request, card_id: CardId, _: CsrfChecked, current: CardManager, business: Tenant
) -> Response:
    await wallet_client(request, business, current).remove_card(card_id)
    return RedirectResponse("/account/payment-methods", status_code=303)


@router.post("/account/payment-methods/{card_id}/default")
async def make_default(
    request: Request, card_id: CardId, _: CsrfChecked, current: CardManager, business: Tenant
) -> Response:
    await wallet_client(request, business, current).make_default(card_id)
    return RedirectResponse("/account/payment-methods", status_code=303)


@router.post("/account/autopay")
async def set_autopay(
    request: Request,
    _: CsrfChecked,
    current: CardManager,
    business: Tenant,
    enabled: Annotated[str, Form(max_length=5)] = "",
    card_id: Annotated[int, Form(ge=0, le=2**63 - 1)] = 0,
) -> Response:
    await wallet_client(request, business, current).set_autopay(enabled == "on", card_id)
    return RedirectResponse("/account/payment-methods", status_code=303)


@router.get("/account/pay")
async def pay_page(
    request: Request,
    current: SignedInCustomer,
    business: Tenant,
    billing: AccountBilling,
    settings: Settings,
    invoice: Annotated[list[int], Query(max_length=MAX_INVOICES)],
) -> Response:
    """The payment form for one or more open invoices, the amount prefilled to their balances."""
    ids = list(dict.fromkeys(i for i in invoice if 1 <= i < 2**63))
    if not ids or any(not current.may_see("invoice", i) for i in ids):
        return pages.not_found(request, "Choose invoices of your account to pay.")
    shown = []
    for invoice_id in ids:
        try:
            shown.append((await billing.account_invoice(invoice_id)).invoice)
        except NotFound:
            return pages.not_found(request, "We could not find that invoice in your account.")
    payable = [i for i in shown if i.balance > 0 and not i.paid and not i.voided]
    currencies = {i.currency for i in payable}
    error = None
    if not payable:
        error = "These invoices have nothing left to pay."
    elif len(currencies) > 1:
        error = "Invoices in different currencies are paid separately."
    wallet = await wallet_client(request, business, current).wallet()
    currency = payable[0].currency if payable else ""
    context = {
        "invoices": payable,
        "wallet": wallet,
        "error": error,
        "currency": currency,
        "total": sum(i.balance for i in payable),
        "minimum": wallet.minimum_payments.get(currency, 0),
        "request_key": secrets.token_urlsafe(24),
        "major": lambda minor: format(from_minor(minor, currency), "f"),
    }
    return _render(request, settings, "pay.html", context)


@router.get("/account/estimates/{estimate_id}/deposit")
async def deposit_page(
    request: Request,
    estimate_id: CardId,
    current: SignedInCustomer,
    business: Tenant,
    billing: AccountBilling,
    settings: Settings,
) -> Response:
    """The payment form of an approved estimate's deposit: the amount is the deposit, not the customer's choice."""
    if not current.may_see("estimate", estimate_id):
        raise FullSignInRequired()
    try:
        shown = await EstimatesClient(billing).account_get(estimate_id)
    except NotFound:
        return pages.not_found(request, "We could not find that estimate in your account.")
    estimate = shown.estimate
    error = None
    if not shown.deposit_payable:
        error = (
            "A payment of this deposit is already in progress." if shown.deposit_pending
            else "The deposit of this estimate is already paid." if estimate.deposit_paid
            else "This estimate asks for no deposit." if not estimate.deposit
            else "This estimate has been invoiced: pay the invoice instead." if estimate.HasField("invoice")
            else "Approve this estimate before you pay its deposit."
        )  # fmt: skip
    wallet = await wallet_client(request, business, current).wallet()
    context = {
        "deposit": estimate,
        "invoices": [],
        "wallet": wallet,
        "error": error,
        "currency": estimate.currency,
        "total": estimate.deposit,
        "minimum": wallet.minimum_payments.get(estimate.currency, 0),
        "request_key": secrets.token_urlsafe(24),
    }
    return _render(request, settings, "pay.html", context)


@router.post("/account/pay")
async def pay(request: Request, _: CsrfChecked, current: SignedInCustomer, business: Tenant) -> Response:
    """Starts the payment (JSON for the page's script): billing opens it, Stripe charges, the webhook settles.
    The form pays invoices (with amounts), or one estimate's deposit (billing takes the amount from the estimate)."""
    form = await request.form()
    currency = str(form.get("currency", ""))[:3]
    request_key = str(form.get("request_key", ""))[:64]
    start = pb.StartPaymentRequest(request_key=request_key, save_card=form.get("save_card") == "on")
    try:
        estimate = str(form.get("estimate", ""))
        if estimate:
            start.estimate_id = int(estimate[:19])
        invoice_ids = [int(str(v)) for v in form.getlist("invoice")][:MAX_INVOICES]
        amounts = [str(v)[:40] for v in form.getlist("amount")][:MAX_INVOICES]
        if len(invoice_ids) != len(amounts) or not (invoice_ids or estimate):
            raise InvalidArgument("Choose the invoices and amounts to pay.", "amount")
        for i, (invoice_id, amount) in enumerate(zip(invoice_ids, amounts, strict=True)):
            start.allocations.append(
                pb.Allocation(invoice_id=invoice_id, amount=to_minor(amount, currency, f"amount[{i}]"))
            )
        card = str(form.get("card", ""))
        if card.isdigit():
            start.card_id = int(card)
        elif card == "new" and str(form.get("setup_intent", "")).startswith("seti_"):
            start.setup_intent = str(form.get("setup_intent"))[:255]
        else:
            raise InvalidArgument("Choose a card to pay with.", "card")
        payment = await backends_of(request).card_payments(business.id, current.principal).start_payment(start)
    except ValueError:
        return JSONResponse({"error": "The payment form is not valid; reload the page."}, status_code=400)
    except (InvalidArgument, FailedPrecondition, NotFound, PermissionDenied) as refused:
        return _refusal(refused)
    return JSONResponse(_payment_json(payment))


def _payment_json(payment: pb.CardPayment) -> dict[str, object]:
    return {
        "payment": payment.payment_id,
        "status": payment.status,
        "client_secret": payment.client_secret or None,
        "error": payment.failure_message or None,
        "invoices": [a.invoice_id for a in payment.allocations],
        "estimate": payment.estimate or None,
    }


@router.get("/account/payments/{payment_id}/status")
async def payment_status(request: Request, payment_id: CardId, current: SignedInCustomer, business: Tenant) -> Response:
    """Where a payment is (the page polls it after Stripe.js returns)."""
    try:
        payment = await wallet_client(request, business, current).payment(payment_id)
    except NotFound as missing:
        return _refusal(missing)
    return JSONResponse(_payment_json(payment))


@router.api_route("/update-card/{token}", methods=["GET", "HEAD"])
async def update_card_link(request: Request, token: str) -> Response:
    """Opening the link changes nothing (mail scanners open links): the Continue button does."""
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    return pages.render(request, "update_card.html", {"token": token}, referrer="no-referrer")


@router.post("/update-card/{token}")
async def redeem_update_card_link(
    request: Request, token: str, _: CsrfChecked, business: Tenant, auth: PortalAuth
) -> Response:
    """Billing uses the link up and names its customer; auth starts a guest session for that page only."""
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    try:
        customer_id = (await backends_of(request).card_payments(business.id).redeem_card_update_link(token)).customer_id
        started = await auth.start_temporary_session(customer_id, PAYMENT_METHOD, customer_id, signin.client(request))
    except NotFound:
        return pages.not_found(request, INVALID_LINK)
    except FailedPrecondition:  # the business asks for a sign-in first
        return to_sign_in("/account/payment-methods")
    response = RedirectResponse("/account/payment-methods", status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    start_session(request, response, started.session_token, started.session)
    return response
