"""Public sign-up pages: `/pages/{token}` (a business's page) and `/sign_up/{token}` (a customer's `sign_up_url`).

The subscriptions service runs the sign-up (its saga: card charged first, then customer, subscription and first
invoice); these routes render the form, hand Stripe.js a SetupIntent, and after a sign-up start the customer's
guest session (auth) and show the thank-you page. Every POST is CSRF-checked; the limits per IP and per business
are the subscriptions service's.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from portal.auth.v1 import auth_pb2
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal_kit.errors import (
    Aborted,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
)
from portal_kit.money import format_money
from starlette.responses import JSONResponse, Response

from services.gateway.clients.sign_up_pages import SignUpPagesClient
from services.gateway.deps import CsrfChecked, PortalAuth, Settings, Tenant, Viewer, backends_of
from services.gateway.portal import pages, signin
from services.gateway.portal.sessions import start_session
from services.gateway.portal.wallet import payment_csp
from services.gateway.portal.web_security import client_of
from services.gateway.settings import GatewaySettings

router = APIRouter()
Kind = Literal["pages", "sign_up"]
Token = Annotated[str, Path(min_length=1, max_length=100)]
GONE = "This sign-up page does not exist or is no longer available."
INTERVALS = {"day": "day", "week": "week", "month": "month", "year": "year"}
SIGN_UP_DOCUMENT = "subscription"  # auth's document type of the guest session a sign-up starts


async def public_pages(request: Request, business: Tenant) -> SignUpPagesClient:
    return backends_of(request).sign_up_pages(business.id)


PublicPages = Annotated[SignUpPagesClient, Depends(public_pages)]


def price(plan: object) -> str:
    amount = format_money(plan.amount, plan.currency)  # type: ignore[attr-defined]
    count, interval = plan.interval_count, INTERVALS.get(plan.interval, plan.interval)  # type: ignore[attr-defined]
    return f"{amount} / {interval}" if count == 1 else f"{amount} every {count} {interval}s"


async def _page(pages_client: SignUpPagesClient, kind: Kind, token: str) -> pb.PublicSignUpPageResponse:
    if kind == "pages":
        return await pages_client.public_page(token=token)
    return await pages_client.public_page(customer_token=token)


def _client(request: Request) -> pb.SignUpClient:
    ip, agent = client_of(request)
    return pb.SignUpClient(ip=ip, user_agent=agent)


def _refusal(error: DomainError) -> JSONResponse:
    """JSON for the page's script: the message to show, and a status that says what kind of refusal it is."""
    status = {NotFound: 404, PermissionDenied: 403, ResourceExhausted: 429, Aborted: 409, Unavailable: 503}.get(
        type(error), 400
    )
    return JSONResponse({"error": error.message, "param": error.param}, status_code=status)


async def _show(request: Request, kind: Kind, token: str, business: Tenant, settings: Settings) -> Response:
    pages_client = backends_of(request).sign_up_pages(business.id)
    try:
        shown = await _page(pages_client, kind, token)
    except NotFound:
        return pages.not_found(request, GONE)
    payment = await backends_of(request).card_payments(business.id).settings()
    context = {
        "page": shown.page,
        "plans": [(plan, price(plan)) for plan in shown.plans],
        "customer_name": shown.customer_name,
        "customer_email": shown.customer_email,
        "known_customer": shown.customer > 0,
        "card_accepted": payment.connected and "card" in payment.accepted_methods,
        "publishable_key": payment.publishable_key,
        "stripe_js_url": settings.stripe_js_url,
        "idempotency_key": secrets.token_urlsafe(24),
        "action": f"/{kind}/{token}",
    }
    response = pages.render(request, "sign_up.html", context, referrer="no-referrer")
    response.headers["Content-Security-Policy"] = payment_csp(settings)
    return response


@router.get("/pages/{token}")
async def sign_up_page(request: Request, token: Token, business: Tenant, settings: Settings) -> Response:
    return await _show(request, "pages", token, business, settings)


@router.get("/sign_up/{token}")
async def customer_sign_up_page(request: Request, token: Token, business: Tenant, settings: Settings) -> Response:
    return await _show(request, "sign_up", token, business, settings)


async def _card_setup(request: Request, kind: Kind, token: str, pages_client: SignUpPagesClient) -> Response:
    """A SetupIntent for Stripe.js (JSON for the page's script)."""
    try:
        page_token = (await _page(pages_client, kind, token)).page.token
        setup = await pages_client.start_card_setup(page_token, _client(request))
    except DomainError as refused:
        return _refusal(refused)
    return JSONResponse({"client_secret": setup.client_secret, "publishable_key": setup.publishable_key})


@router.post("/pages/{token}/card-setup")
async def page_card_setup(request: Request, token: Token, _: CsrfChecked, pages_client: PublicPages) -> Response:
    return await _card_setup(request, "pages", token, pages_client)


@router.post("/sign_up/{token}/card-setup")
async def customer_card_setup(request: Request, token: Token, _: CsrfChecked, pages_client: PublicPages) -> Response:
    return await _card_setup(request, "sign_up", token, pages_client)


class SignUpForm:
    """The form's fields, each bounded before anything reads it."""

    def __init__(
        self,
        plan: Annotated[str, Form(max_length=100)] = "",
        quantity: Annotated[str, Form(max_length=12)] = "1",
        name: Annotated[str, Form(max_length=200)] = "",
        email: Annotated[str, Form(max_length=254)] = "",
        address1: Annotated[str, Form(max_length=200)] = "",
        address2: Annotated[str, Form(max_length=200)] = "",
        city: Annotated[str, Form(max_length=100)] = "",
        state: Annotated[str, Form(max_length=100)] = "",
        postal_code: Annotated[str, Form(max_length=20)] = "",
        country: Annotated[str, Form(max_length=2)] = "",
        setup_intent: Annotated[str, Form(max_length=255)] = "",
        idempotency_key: Annotated[str, Form(max_length=64)] = "",
        accept_terms: Annotated[str, Form(max_length=5)] = "",
    ) -> None:
        self.plan, self.quantity, self.name, self.email = plan, quantity, name, email
        self.address = pb.SignUpAddress(address1=address1, address2=address2, city=city, state=state,
                                        postal_code=postal_code, country=country.upper())  # fmt: skip
        self.setup_intent, self.idempotency_key, self.accept_terms = setup_intent, idempotency_key, accept_terms


async def _subscribe(
    request: Request,
    kind: Kind,
    token: str,
    form: SignUpForm,
    pages_client: SignUpPagesClient,
    auth: PortalAuth,
    business: auth_pb2.Business,
    settings: GatewaySettings,
) -> Response:
    if not form.quantity.strip().isdigit():
        return JSONResponse({"error": "The quantity must be a whole number.", "param": "quantity"}, status_code=400)
    request_pb = pb.SignUpRequest(
        token=token if kind == "pages" else "",
        customer_token=token if kind == "sign_up" else "",
        plan=form.plan,
        quantity=int(form.quantity),
        name=form.name,
        email=form.email,
        address=form.address,
        setup_intent=form.setup_intent,
        idempotency_key=form.idempotency_key,
        client=_client(request),
        business_name=business.display_name,
        portal_url=settings.portal_url(business.username),
    )
    try:
        shown = await _page(pages_client, kind, token)
        if shown.page.HasField("tos_url") and form.accept_terms != "on":
            raise InvalidArgument("Accept the terms of service to subscribe.", "accept_terms")
        signed_up = await pages_client.sign_up(request_pb)
    except DomainError as refused:
        return _refusal(refused)
    response = JSONResponse({"redirect": f"/{kind}/{token}/thanks", "subscription": signed_up.subscription})
    try:
        started = await auth.start_temporary_session(
            signed_up.customer, SIGN_UP_DOCUMENT, signed_up.subscription, signin.client(request)
        )
    except FailedPrecondition:  # the business asks for a full sign-in: the thank-you page's button leads there
        return response
    start_session(request, response, started.session_token, started.session)
    return response


@router.post("/pages/{token}/subscribe")
async def page_subscribe(
    request: Request,
    token: Token,
    _: CsrfChecked,
    form: Annotated[SignUpForm, Depends()],
    pages_client: PublicPages,
    auth: PortalAuth,
    business: Tenant,
    settings: Settings,
) -> Response:
    return await _subscribe(request, "pages", token, form, pages_client, auth, business, settings)


@router.post("/sign_up/{token}/subscribe")
async def customer_subscribe(
    request: Request,
    token: Token,
    _: CsrfChecked,
    form: Annotated[SignUpForm, Depends()],
    pages_client: PublicPages,
    auth: PortalAuth,
    business: Tenant,
    settings: Settings,
) -> Response:
    return await _subscribe(request, "sign_up", token, form, pages_client, auth, business, settings)


async def _thanks(request: Request, kind: Kind, token: str, pages_client: SignUpPagesClient) -> Response:
    try:
        shown = await _page(pages_client, kind, token)
    except NotFound:
        return pages.not_found(request, GONE)
    return pages.render(request, "sign_up_thanks.html", {"page": shown.page}, referrer="no-referrer")


@router.get("/pages/{token}/thanks")
async def page_thanks(request: Request, token: Token, pages_client: PublicPages, _: Viewer) -> Response:
    return await _thanks(request, "pages", token, pages_client)


@router.get("/sign_up/{token}/thanks")
async def customer_thanks(request: Request, token: Token, pages_client: PublicPages, _: Viewer) -> Response:
    return await _thanks(request, "sign_up", token, pages_client)
