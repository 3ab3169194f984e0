"""The customer's subscriptions: the list, one subscription with the actions its business allows (change plan or
quantity after a preview, cancel, pause/resume), and the emailed "Manage Subscription" link.

The subscriptions service decides and enforces everything (what the visitor may see, every business setting, the
full-sign-in step-up for guests); these handlers translate forms to calls and render what it answers. A refusal
that a full sign-in would lift (param `sign_in`) becomes the account's usual "Sign in for full access" page, which
emails a link that comes back to this subscription.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal_kit.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from starlette.responses import RedirectResponse, Response

from services.gateway.clients.account_subscriptions import AccountSubscriptionsClient
from services.gateway.deps import CsrfChecked, PortalAuth, SignedInCustomer, Tenant, backends_of
from services.gateway.portal import pages
from services.gateway.portal.documents import Outcome, _away, _through_sign_in
from services.gateway.portal.sessions import FullSignInRequired, Visitor, start_session
from services.gateway.portal.signin import client
from services.gateway.portal.web_security import session_token

router = APIRouter()
SubscriptionId = Annotated[int, Path(ge=1, le=2**63 - 1)]
INVALID_LINK = "This subscription link is not valid any more. Sign in to manage your subscriptions."
NO_SUCH_SUBSCRIPTION = "We could not find that subscription in your account."
SUBSCRIPTION = "subscription"
SIGN_IN = "sign_in"
MAX_QUANTITY_DIGITS = 10


def subscription_guest(current: Visitor) -> bool:
    """A guest from a "Manage Subscription" link scoped to its one subscription."""
    return current.document_only and current.session.document_type == SUBSCRIPTION


async def account_subscriptions(
    request: Request, business: Tenant, current: SignedInCustomer
) -> AccountSubscriptionsClient:
    """The subscriptions service acting for the visitor: it refuses what the visitor's session may not see."""
    return backends_of(request).account_subscriptions(business.id, current.principal)


AccountSubscriptions = Annotated[AccountSubscriptionsClient, Depends(account_subscriptions)]


def _check_scope(current: Visitor, subscription_id: int) -> None:
    """A guest of one invoice or estimate sees no subscription; a subscription guest only its own."""
    if current.document_only and not current.may_see(SUBSCRIPTION, subscription_id):
        raise FullSignInRequired()


def _page_path(subscription_id: int) -> str:
    return f"/account/subscriptions/{subscription_id}"


@router.get("/subscriptions/{token}")
async def manage_link(request: Request, token: str, auth: PortalAuth) -> Response:
    """The "Manage Subscription" link of subscription emails: auth's link policy (OpenDocumentLink, subscription
    kind) opens a guest session scoped as the business's subscription settings say, and lands on the subscription."""
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    opened = await auth.open_document_link(token, session_token(request) or "", client(request), True, SUBSCRIPTION)
    if opened.outcome == Outcome.OUTCOME_REQUIRE_SIGN_IN:
        return _through_sign_in(f"/subscriptions/{token}")
    if opened.outcome not in (Outcome.OUTCOME_SIGNED_IN, Outcome.OUTCOME_GUEST_SESSION):
        return pages.not_found(request, INVALID_LINK)
    response = _away(_page_path(opened.document_id))
    if opened.outcome == Outcome.OUTCOME_GUEST_SESSION:
        start_session(request, response, opened.session_token, opened.session)
    return response


@router.get("/account/subscriptions")
async def subscriptions_page(
    request: Request, current: SignedInCustomer, subscriptions: AccountSubscriptions
) -> Response:
    if current.document_only:
        if subscription_guest(current):
            return RedirectResponse(_page_path(current.session.document_id), status_code=303)
        raise FullSignInRequired()
    rows = await subscriptions.rows()
    return pages.render(request, "subscriptions.html", {"rows": rows})


async def _subscription_page(
    request: Request,
    subscriptions: AccountSubscriptionsClient,
    subscription_id: int,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    try:
        shown = await subscriptions.get(subscription_id)
    except NotFound:
        return pages.not_found(request, NO_SUCH_SUBSCRIPTION)
    context = {"shown": shown, "row": shown.row, "sub": shown.row.subscription, "settings": shown.settings,
               "notice": notice, "error": error}  # fmt: skip
    return pages.render(request, "subscription.html", context, status=status)


NOTICES = {
    "changed": "Your subscription was changed.",
    "canceled": "Your subscription was canceled.",
    "ending": "Your subscription will end at the end of the current period.",
    "paused": "Your subscription is paused: nothing is billed until you resume it.",
    "resumed": "Your subscription was resumed.",
}


@router.get("/account/subscriptions/{subscription_id}")
async def subscription_page(
    request: Request,
    subscription_id: SubscriptionId,
    current: SignedInCustomer,
    subscriptions: AccountSubscriptions,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    _check_scope(current, subscription_id)
    return await _subscription_page(request, subscriptions, subscription_id, NOTICES.get(done))


async def _refused(
    request: Request, subscriptions: AccountSubscriptionsClient, subscription_id: int, error: DomainError
) -> Response:
    """The subscription page with the service's refusal in words (403 a setting, 409 a state, 400 the form); a
    refusal a full sign-in lifts is the step-up page, coming back here afterwards."""
    if isinstance(error, PermissionDenied) and error.param == SIGN_IN:
        raise FullSignInRequired(_page_path(subscription_id))
    if isinstance(error, NotFound):
        return pages.not_found(request, NO_SUCH_SUBSCRIPTION)
    status = 403 if isinstance(error, PermissionDenied) else 409 if isinstance(error, FailedPrecondition) else 400
    return await _subscription_page(request, subscriptions, subscription_id, error=error.message, status=status)


def _change_request(subscription_id: int, plan: str, quantity: str) -> pb.AccountChangeRequest:
    change = pb.AccountChangeRequest(id=subscription_id)
    if plan.strip():
        change.plan = plan.strip()
    text = quantity.strip()
    if text:
        if not text.isdigit() or len(text) > MAX_QUANTITY_DIGITS:
            raise InvalidArgument("The quantity must be a whole number.", "quantity")
        change.quantity = int(text)
    return change


@router.post("/account/subscriptions/{subscription_id}/preview")
async def preview_change(
    request: Request,
    subscription_id: SubscriptionId,
    _: CsrfChecked,
    current: SignedInCustomer,
    subscriptions: AccountSubscriptions,
    plan: Annotated[str, Form(max_length=100)] = "",
    quantity: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """What the change costs today (the prorated credit and charge) and the next invoice, before confirming."""
    _check_scope(current, subscription_id)
    try:
        change = _change_request(subscription_id, plan, quantity)
        shown = await subscriptions.get(subscription_id)
        preview = await subscriptions.preview_change(change)
    except DomainError as refused:
        return await _refused(request, subscriptions, subscription_id, refused)
    plans = {p.id: p.name for p in shown.switchable_plans}
    context = {"shown": shown, "sub": shown.row.subscription, "row": shown.row, "preview": preview, "change": change,
               "new_plan_name": plans.get(change.plan, shown.row.plan_name) if change.HasField("plan") else None,
               "step_up_to": _page_path(subscription_id)}  # fmt: skip
    return pages.render(request, "subscription_preview.html", context)


@router.post("/account/subscriptions/{subscription_id}/change")
async def confirm_change(
    request: Request,
    subscription_id: SubscriptionId,
    _: CsrfChecked,
    current: SignedInCustomer,
    subscriptions: AccountSubscriptions,
    plan: Annotated[str, Form(max_length=100)] = "",
    quantity: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    _check_scope(current, subscription_id)
    try:
        await subscriptions.change(_change_request(subscription_id, plan, quantity))
    except DomainError as refused:
        return await _refused(request, subscriptions, subscription_id, refused)
    return RedirectResponse(f"{_page_path(subscription_id)}?done=changed", status_code=303)


@router.post("/account/subscriptions/{subscription_id}/cancel")
async def cancel(
    request: Request,
    subscription_id: SubscriptionId,
    _: CsrfChecked,
    current: SignedInCustomer,
    subscriptions: AccountSubscriptions,
    when: Annotated[str, Form(max_length=20)] = "period_end",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Cancels now or at the end of the period, as the business allows (the service checks)."""
    _check_scope(current, subscription_id)
    at_period_end = when != "now"
    try:
        await subscriptions.cancel(subscription_id, at_period_end, reason.strip() or None)
    except DomainError as refused:
        return await _refused(request, subscriptions, subscription_id, refused)
    done = "ending" if at_period_end else "canceled"
    return RedirectResponse(f"{_page_path(subscription_id)}?done={done}", status_code=303)


@router.post("/account/subscriptions/{subscription_id}/pause")
async def pause(
    request: Request,
    subscription_id: SubscriptionId,
    _: CsrfChecked,
    current: SignedInCustomer,
    subscriptions: AccountSubscriptions,
    paused: Annotated[str, Form(max_length=5)] = "1",
) -> Response:
    _check_scope(current, subscription_id)
    pausing = paused == "1"
    try:
        await subscriptions.pause(subscription_id, pausing)
    except DomainError as refused:
        return await _refused(request, subscriptions, subscription_id, refused)
    return RedirectResponse(f"{_page_path(subscription_id)}?done={'paused' if pausing else 'resumed'}",
                            status_code=303)  # fmt: skip
