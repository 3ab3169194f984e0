"""Signing in: the emailed link and code, business SSO links, choosing an account, signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from portal.auth.v1 import auth_pb2
from portal_kit.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from starlette.responses import RedirectResponse, Response

from services.gateway.deps import (
    CsrfChecked,
    FullySignedIn,
    PortalAuth,
    PortalBilling,
    SignedInCustomer,
    Viewer,
    settings_of,
    site_of,
)
from services.gateway.portal import pages
from services.gateway.portal.sessions import end_cookie, start_session
from services.gateway.portal.web_security import FormExpired, attempt_id, client_of, safe_path

router = APIRouter()

SSO_FAILED = "This sign-in link is invalid or has expired. Enter your email address to get a new one."
# `?redirect_to=` after SSO takes one of these keys, never a URL. Pages that do not exist yet land on the account.
SSO_DESTINATIONS = {
    "account": "/",
    "invoices": "/",
    "estimates": "/account/estimates",
    "payments": "/",
    "subscriptions": "/",
    "payment_methods": "/",
}


def client(request: Request) -> auth_pb2.Client:
    ip, agent = client_of(request)
    return auth_pb2.Client(ip=ip, user_agent=agent)


def presentation(request: Request) -> auth_pb2.PortalPresentation:
    business = site_of(request).business
    if business is None:
        raise NotFound("There is no billing portal at this address.")
    return auth_pb2.PortalPresentation(
        business_name=business.display_name, portal_url=settings_of(request).portal_url(business.username)
    )


async def _signed_in(request: Request, reply: auth_pb2.RedeemResponse) -> Response:
    """After any sign-in: a new session cookie, then the account chooser or where the person was going."""
    target = safe_path(reply.return_to) or "/"
    if len(reply.session.customer_ids) > 1:
        target = "/choose-account" + (f"?next={target}" if target != "/" else "")
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, reply.session_token, reply.session)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/sign-in")
async def request_sign_in(
    request: Request,
    _: CsrfChecked,
    auth: PortalAuth,
    email: Annotated[str, Form()] = "",
    return_to: Annotated[str, Form()] = "",
) -> Response:
    """Always the same answer (a redirect to the "check your email" page), whatever the address."""
    await auth.request_sign_in(
        email=email[:320],
        client=client(request),
        presentation=presentation(request),
        return_to=safe_path(return_to) or "",
        attempt_id=attempt_id(request),
    )
    return RedirectResponse("/sign-in/check", status_code=303)


@router.get("/sign-in/check")
async def check_email(request: Request) -> Response:
    return pages.render(request, "check_email.html", {"error": None})


@router.post("/sign-in/code")
async def sign_in_with_code(
    request: Request, _: CsrfChecked, auth: PortalAuth, code: Annotated[str, Form()] = ""
) -> Response:
    digits = "".join(ch for ch in code if ch.isdigit())
    try:
        reply = await auth.redeem_sign_in_code(attempt_id(request), digits[:6], client(request))
    except (Unauthenticated, InvalidArgument) as refused:
        return pages.render(request, "check_email.html", {"error": refused.message}, status=400)
    return await _signed_in(request, reply)


def _link_expired(request: Request, email: str) -> Response:
    return pages.render(request, "link_expired.html", {"email": email}, status=410, referrer="no-referrer")


@router.api_route("/sign-in/{token}", methods=["GET", "HEAD"])
async def sign_in_link(request: Request, token: str, auth: PortalAuth) -> Response:
    """Opening the link signs nobody in: mail scanners open links too. The Continue button does."""
    reply = await auth.inspect_sign_in_link(token[:200])
    if reply.state == auth_pb2.InspectSignInLinkResponse.State.STATE_VALID:
        return pages.render(request, "continue.html", {"token": token}, referrer="no-referrer")
    return _link_expired(request, reply.email)


@router.post("/sign-in/{token}")
async def redeem_sign_in_link(request: Request, token: str, _: CsrfChecked, auth: PortalAuth) -> Response:
    try:
        reply = await auth.redeem_sign_in_link(token[:200], client(request))
    except Unauthenticated:
        inspected = await auth.inspect_sign_in_link(token[:200])
        return _link_expired(request, inspected.email)
    return await _signed_in(request, reply)


@router.get("/login/{token}")
async def single_sign_on(request: Request, token: str, auth: PortalAuth) -> Response:
    """Invoiced-compatible SSO: an HS256 JWT signed with the business's SSO key. The token leaves the URL at once."""
    try:
        reply = await auth.redeem_sso_token(token[:4000], client(request))
    except (Unauthenticated, InvalidArgument, NotFound):
        response = pages.sign_in_form(request, SSO_FAILED, status=401)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    destination = SSO_DESTINATIONS.get(request.query_params.get("redirect_to", ""), "/")
    response = RedirectResponse(destination, status_code=303)
    start_session(request, response, reply.session_token, reply.session)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/choose-account")
async def choose_account(request: Request, current: SignedInCustomer, billing: PortalBilling) -> Response:
    """The accounts auth says this person may use (the session's customer ids), by name."""
    accounts = await billing.customers_by_id(list(current.session.customer_ids))
    return pages.render(
        request,
        "choose_account.html",
        {"accounts": accounts, "next": safe_path(request.query_params.get("next")) or "/"},
    )


@router.post("/choose-account")
async def switch_account(
    _: CsrfChecked,
    current: SignedInCustomer,
    auth: PortalAuth,
    customer_id: Annotated[int, Form()] = 0,
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        await auth.switch_account(current.token, customer_id)
    except PermissionDenied:
        raise FormExpired() from None
    return RedirectResponse(safe_path(next) or "/", status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request, _: CsrfChecked, current: Viewer, auth: PortalAuth) -> Response:
    if current is not None:
        await auth.end_session(current.token)
    response = RedirectResponse("/", status_code=303)
    end_cookie(request, response)
    return response


@router.post("/sign-out/everywhere")
async def sign_out_everywhere(request: Request, _: CsrfChecked, current: FullySignedIn, auth: PortalAuth) -> Response:
    await auth.end_sessions_everywhere(current.token)
    response = RedirectResponse("/", status_code=303)
    end_cookie(request, response)
    return response
