"""Signing in: the emailed link and code, business SSO links, choosing an account, signing out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import customers_pb2
from portal_kit.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from starlette.responses import RedirectResponse, Response

from services.gateway.portal import pages
from services.gateway.portal.sessions import end_cookie, require_full, require_visitor, start_session, visitor
from services.gateway.portal.web_security import attempt_id, client_of, csrf_valid, safe_path

router = APIRouter()

SSO_FAILED = "This sign-in link is invalid or has expired. Enter your email address to get a new one."
# `?redirect_to=` after SSO takes one of these keys, never a URL. Pages that do not exist yet land on the account.
SSO_DESTINATIONS = {
    "account": "/",
    "invoices": "/",
    "estimates": "/",
    "payments": "/",
    "subscriptions": "/",
    "payment_methods": "/",
}


def client(request: Request) -> auth_pb2.Client:
    ip, agent = client_of(request)
    return auth_pb2.Client(ip=ip, user_agent=agent)


def presentation(request: Request) -> auth_pb2.PortalPresentation:
    business = pages.business_of(request)
    return auth_pb2.PortalPresentation(
        business_name=business.display_name, portal_url=request.app.state.settings.portal_url(business.username)
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
    request: Request, email: str = Form(""), return_to: str = Form(""), csrf_token: str = Form("")
) -> Response:
    """Always the same answer (a redirect to the "check your email" page), whatever the address."""
    if not csrf_valid(request, csrf_token):
        return pages.form_expired(request)
    backends = request.app.state.backends
    await backends.call(
        backends.sign_in.RequestSignIn,
        auth_pb2.RequestSignInRequest(
            email=email[:320],
            client=client(request),
            presentation=presentation(request),
            return_to=safe_path(return_to) or "",
            attempt_id=attempt_id(request),
        ),
        pages.business_of(request).id,
    )
    return RedirectResponse("/sign-in/check", status_code=303)


@router.get("/sign-in/check")
async def check_email(request: Request) -> Response:
    return pages.render(request, "check_email.html", {"error": None})


@router.post("/sign-in/code")
async def sign_in_with_code(request: Request, code: str = Form(""), csrf_token: str = Form("")) -> Response:
    if not csrf_valid(request, csrf_token):
        return pages.form_expired(request)
    digits = "".join(ch for ch in code if ch.isdigit())
    backends = request.app.state.backends
    try:
        reply = await backends.call(
            backends.sign_in.RedeemSignInCode,
            auth_pb2.RedeemSignInCodeRequest(attempt_id=attempt_id(request), code=digits[:6], client=client(request)),
            pages.business_of(request).id,
        )
    except (Unauthenticated, InvalidArgument) as refused:
        return pages.render(request, "check_email.html", {"error": refused.message}, status=400)
    return await _signed_in(request, reply)


@router.api_route("/sign-in/{token}", methods=["GET", "HEAD"])
async def sign_in_link(request: Request, token: str) -> Response:
    """Opening the link signs nobody in: mail scanners open links too. The Continue button does."""
    backends = request.app.state.backends
    reply = await backends.call(
        backends.sign_in.InspectSignInLink,
        auth_pb2.InspectSignInLinkRequest(token=token[:200]),
        pages.business_of(request).id,
    )
    if reply.state == auth_pb2.InspectSignInLinkResponse.State.STATE_VALID:
        return pages.render(request, "continue.html", {"token": token}, referrer="no-referrer")
    return pages.render(request, "link_expired.html", {"email": reply.email}, status=410, referrer="no-referrer")


@router.post("/sign-in/{token}")
async def redeem_sign_in_link(request: Request, token: str, csrf_token: str = Form("")) -> Response:
    if not csrf_valid(request, csrf_token):
        return pages.form_expired(request)
    backends = request.app.state.backends
    try:
        reply = await backends.call(
            backends.sign_in.RedeemSignInLink,
            auth_pb2.RedeemSignInLinkRequest(token=token[:200], client=client(request)),
            pages.business_of(request).id,
        )
    except Unauthenticated:
        inspected = await backends.call(
            backends.sign_in.InspectSignInLink,
            auth_pb2.InspectSignInLinkRequest(token=token[:200]),
            pages.business_of(request).id,
        )
        return pages.render(
            request, "link_expired.html", {"email": inspected.email}, status=410, referrer="no-referrer"
        )
    return await _signed_in(request, reply)


@router.get("/login/{token}")
async def single_sign_on(request: Request, token: str) -> Response:
    """Invoiced-compatible SSO: an HS256 JWT signed with the business's SSO key. The token leaves the URL at once."""
    backends = request.app.state.backends
    try:
        reply = await backends.call(
            backends.sign_in.RedeemSsoToken,
            auth_pb2.RedeemSsoTokenRequest(token=token[:4000], client=client(request)),
            pages.business_of(request).id,
        )
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
async def choose_account(request: Request) -> Response:
    current = await require_visitor(request)
    backends = request.app.state.backends
    business = pages.business_of(request)
    customers = await pages.fan_out(
        [
            backends.call(backends.customers.GetCustomer, customers_pb2.GetCustomerRequest(id=cid), business.id)
            for cid in current.session.customer_ids
        ]
    )
    accounts = [reply.customer for reply in customers if reply is not None]
    return pages.render(
        request,
        "choose_account.html",
        {"accounts": accounts, "next": safe_path(request.query_params.get("next")) or "/"},
    )


@router.post("/choose-account")
async def switch_account(
    request: Request, customer_id: int = Form(0), next: str = Form("/"), csrf_token: str = Form("")
) -> Response:
    if not csrf_valid(request, csrf_token):
        return pages.form_expired(request)
    current = await require_visitor(request)
    backends = request.app.state.backends
    try:
        await backends.call(
            backends.sessions.SwitchAccount,
            auth_pb2.SwitchAccountRequest(session_token=current.token, customer_id=customer_id),
            pages.business_of(request).id,
        )
    except PermissionDenied:
        return pages.form_expired(request)
    return RedirectResponse(safe_path(next) or "/", status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request, csrf_token: str = Form("")) -> Response:
    if not csrf_valid(request, csrf_token):
        return pages.form_expired(request)
    current = await visitor(request)
    if current is not None:
        backends = request.app.state.backends
        await backends.call(
            backends.sessions.EndSession,
            auth_pb2.EndSessionRequest(session_token=current.token),
            pages.business_of(request).id,
        )
    response = RedirectResponse("/", status_code=303)
    end_cookie(request, response)
    return response


@router.post("/sign-out/everywhere")
async def sign_out_everywhere(request: Request, csrf_token: str = Form("")) -> Response:
    if not csrf_valid(request, csrf_token):
        return pages.form_expired(request)
    current = await require_full(request)
    backends = request.app.state.backends
    await backends.call(
        backends.sessions.EndSessionsEverywhere,
        auth_pb2.EndSessionsEverywhereRequest(session_token=current.token),
        pages.business_of(request).id,
    )
    response = RedirectResponse("/", status_code=303)
    end_cookie(request, response)
    return response
