"""The customer's estimates: the list, an estimate's page with its PDF, approving with initials, declining or
asking for changes, the approval certificate, and the emailed "View Estimate" link.

Billing decides and enforces everything (what the visitor may see, the version, expiry, terms, the business's
settings); these handlers translate forms to calls and render what billing answers.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import estimates_pb2 as pb
from portal.billing.v1 import invoices_pb2
from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from starlette.responses import RedirectResponse, Response

from services.gateway.clients.estimates import EstimatesClient
from services.gateway.deps import (
    AccountBilling,
    CsrfChecked,
    PortalAuth,
    PortalBilling,
    Settings,
    SignedInCustomer,
    Tenant,
    backends_of,
    site_of,
)
from services.gateway.portal import comment_thread, pages
from services.gateway.portal.documents import Outcome, _away, _through_sign_in, pdf_response
from services.gateway.portal.sessions import FullSignInRequired, Visitor, start_session
from services.gateway.portal.signin import client
from services.gateway.portal.web_security import session_token
from services.gateway.settings import GatewaySettings

router = APIRouter()
EstimateId = Annotated[int, Path(ge=1, le=2**63 - 1)]
INVALID_LINK = "This estimate link is not valid. Ask the business for a new one."
NO_SUCH_ESTIMATE = "We could not find that estimate in your account."
GROUPS = (("open", "Awaiting your approval", ("sent", "viewed", "not_sent", "changes_requested")),
          ("approved", "Approved", ("approved", "invoiced")), ("declined", "Declined", ("declined",)),
          ("expired", "Expired", ("expired",)))  # fmt: skip


def _presentation(business: auth_pb2.Business, settings: GatewaySettings) -> invoices_pb2.Presentation:
    return invoices_pb2.Presentation(
        business_name=business.display_name, portal_url=settings.portal_url(business.username)
    )


def _version(text: str) -> int:
    """The version carried in the form; anything else is version 0, which billing refuses as stale."""
    return int(text) if text.isdigit() and len(text) <= 9 else 0


def _check_scope(current: Visitor, estimate_id: int) -> None:
    if not current.may_see("estimate", estimate_id):
        raise FullSignInRequired()


@router.get("/estimates/{token}")
async def estimate_link(request: Request, token: str, auth: PortalAuth) -> Response:
    """The "View Estimate" link: the same policy as invoice links (auth's OpenDocumentLink, estimate kind)."""
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    opened = await auth.open_document_link(token, session_token(request) or "", client(request), True, "estimate")
    if opened.outcome == Outcome.OUTCOME_REQUIRE_SIGN_IN:
        return _through_sign_in(f"/estimates/{token}")
    if opened.outcome not in (Outcome.OUTCOME_SIGNED_IN, Outcome.OUTCOME_GUEST_SESSION):
        return pages.not_found(request, INVALID_LINK)
    response = _away(f"/account/estimates/{opened.document_id}")
    if opened.outcome == Outcome.OUTCOME_GUEST_SESSION:
        start_session(request, response, opened.session_token, opened.session)
    return response


@router.get("/estimates/{token}/pdf")
async def estimate_pdf_link(
    request: Request, token: str, business: Tenant, auth: PortalAuth, billing: PortalBilling, settings: Settings
) -> Response:
    """The PDF by link (the API's `pdf_url`), under the same rules as an invoice's PDF link."""
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    opened = await auth.open_document_link(token, session_token(request) or "", client(request), False, "estimate")
    if opened.outcome == Outcome.OUTCOME_REQUIRE_SIGN_IN:
        return _through_sign_in(f"/estimates/{token}/pdf")
    if opened.outcome not in (Outcome.OUTCOME_SIGNED_IN, Outcome.OUTCOME_OPEN_BY_LINK):
        return pages.not_found(request, INVALID_LINK)
    try:
        pdf = await EstimatesClient(billing).pdf_by_link(token, _presentation(business, settings))
    except (NotFound, InvalidArgument):
        return pages.not_found(request, INVALID_LINK)
    return pdf_response(pdf)


@router.get("/account/estimates")
async def estimates_page(request: Request, current: SignedInCustomer, billing: AccountBilling) -> Response:
    if current.document_only:
        if current.session.document_type == "estimate":
            return RedirectResponse(f"/account/estimates/{current.session.document_id}", status_code=303)
        raise FullSignInRequired()
    rows = await EstimatesClient(billing).account_list()
    groups = [(key, title, [row for row in rows if row.status in statuses]) for key, title, statuses in GROUPS]
    return pages.render(request, "estimates.html", {"groups": groups})


async def _estimate_page(
    request: Request,
    estimates: EstimatesClient,
    estimate_id: int,
    error: str | None = None,
    status: int = 200,
    refused: comment_thread.Refused | None = None,
    draft: str = "",
) -> Response:
    """The estimate and its comment thread, fetched at once; the thread never holds up or breaks the page."""
    business, visitor = site_of(request).business, getattr(request.state, "visitor", None)
    try:
        async with asyncio.TaskGroup() as group:
            estimate_call = group.create_task(estimates.account_get(estimate_id))
            thread_call = (
                group.create_task(
                    comment_thread.load(backends_of(request), business.id, visitor, "estimate", estimate_id)
                )
                if business is not None and visitor is not None
                else None
            )
    except ExceptionGroup as failed:  # only billing's call can fail: comment_thread.load never raises
        if isinstance(failed.exceptions[0], NotFound):
            return pages.not_found(request, NO_SUCH_ESTIMATE)
        raise failed.exceptions[0] from None
    shown = estimate_call.result()
    context: dict[str, object] = {"shown": shown, "estimate": shown.estimate, "error": error}
    if thread_call is not None:
        thread = thread_call.result()
        context["thread"] = comment_thread.with_refusal(thread, refused, draft) if refused is not None else thread
    return pages.render(request, "estimate.html", context, status=refused.status if refused else status)


@router.get("/account/estimates/{estimate_id}")
async def estimate_page(
    request: Request, estimate_id: EstimateId, current: SignedInCustomer, billing: AccountBilling
) -> Response:
    _check_scope(current, estimate_id)
    return await _estimate_page(request, EstimatesClient(billing), estimate_id)


@router.get("/account/estimates/{estimate_id}/pdf")
async def estimate_pdf(
    request: Request,
    estimate_id: EstimateId,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
) -> Response:
    _check_scope(current, estimate_id)
    try:
        pdf = await EstimatesClient(billing).account_pdf(estimate_id, _presentation(business, settings))
    except NotFound:
        return pages.not_found(request, NO_SUCH_ESTIMATE)
    return pdf_response(pdf)


@router.get("/account/estimates/{estimate_id}/certificate")
async def approval_certificate(
    request: Request,
    estimate_id: EstimateId,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
) -> Response:
    _check_scope(current, estimate_id)
    try:
        pdf = await EstimatesClient(billing).account_certificate(estimate_id, _presentation(business, settings))
    except NotFound:
        return pages.not_found(request, NO_SUCH_ESTIMATE)
    except FailedPrecondition as refused:
        return pages.error_page(request, refused, status=409)
    return pdf_response(pdf)


@router.post("/account/estimates/{estimate_id}/approve")
async def approve(
    request: Request,
    estimate_id: EstimateId,
    _: CsrfChecked,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
    version: Annotated[str, Form(max_length=1000)] = "",
    initials: Annotated[str, Form(max_length=1000)] = "",
    accept_terms: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Approves the version the customer saw; billing refuses a stale version, an expiry, missing initials or
    terms, with a message shown on the page (409 for a changed or closed estimate, 400 for the form)."""
    _check_scope(current, estimate_id)
    seen = client(request)
    estimates = EstimatesClient(billing)
    approval = pb.ApproveEstimateRequest(
        id=estimate_id,
        version=_version(version),
        initials=initials,
        accept_terms=accept_terms == "yes",
        client=pb.ClientInfo(ip=seen.ip, user_agent=seen.user_agent),
        signed_in_email=current.session.email,
        presentation=_presentation(business, settings),
    )
    if current.temporary and current.session.document_id:
        approval.guest_link = f"{current.session.document_type}:{current.session.document_id}"
    try:
        await estimates.approve(approval)
    except NotFound:
        return pages.not_found(request, NO_SUCH_ESTIMATE)
    except FailedPrecondition as refused:
        return await _estimate_page(request, estimates, estimate_id, refused.message, status=409)
    except InvalidArgument as invalid:
        return await _estimate_page(request, estimates, estimate_id, invalid.message, status=400)
    return RedirectResponse(f"/account/estimates/{estimate_id}", status_code=303)


@router.post("/account/estimates/{estimate_id}/decline")
async def decline(
    request: Request,
    estimate_id: EstimateId,
    _: CsrfChecked,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
    version: Annotated[str, Form(max_length=1000)] = "",
    kind: Annotated[str, Form(max_length=1000)] = "",
    reason: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    _check_scope(current, estimate_id)
    estimates = EstimatesClient(billing)
    request_pb = pb.DeclineEstimateRequest(
        id=estimate_id,
        version=_version(version),
        kind=kind,
        reason=reason,
        presentation=_presentation(business, settings),
    )
    try:
        await estimates.decline(request_pb)
    except NotFound:
        return pages.not_found(request, NO_SUCH_ESTIMATE)
    except FailedPrecondition as refused:
        return await _estimate_page(request, estimates, estimate_id, refused.message, status=409)
    except InvalidArgument as invalid:
        return await _estimate_page(request, estimates, estimate_id, invalid.message, status=400)
    return RedirectResponse(f"/account/estimates/{estimate_id}", status_code=303)


@router.post("/account/estimates/{estimate_id}/comments")
async def comment_on_estimate(
    request: Request,
    estimate_id: EstimateId,
    _: CsrfChecked,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """A customer's comment on the estimate (the comments service enforces the business's settings and limits)."""
    _check_scope(current, estimate_id)
    estimates = EstimatesClient(billing)
    try:
        shown = await estimates.account_get(estimate_id)
    except NotFound:
        return pages.not_found(request, NO_SUCH_ESTIMATE)
    owner = comment_thread.Owner(shown.estimate.customer, shown.customer_name)
    refused = await comment_thread.post(backends_of(request), business, settings.portal_url(business.username),
                                        current, "estimate", estimate_id, owner, body)  # fmt: skip
    if refused is not None:
        return await _estimate_page(request, estimates, estimate_id, refused=refused, draft=body)
    return RedirectResponse(f"/account/estimates/{estimate_id}#comments", status_code=303)
