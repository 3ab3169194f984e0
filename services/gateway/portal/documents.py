"""Links in the portal's emails ("View Invoice", its PDF): auth decides what opening one does, in one call.

The link's token leaves the address bar at once (303 to the document's own page). A business can require a
full sign-in first; then the link goes through the sign-in form and comes back. That holds for every document
URL, the PDF link included.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import invoices_pb2
from portal_kit.errors import InvalidArgument, NotFound
from starlette.responses import RedirectResponse, Response

from services.gateway.clients.auth import AuthClient
from services.gateway.deps import PortalAuth, PortalBilling, Settings, Tenant
from services.gateway.portal import pages
from services.gateway.portal.sessions import start_session, to_sign_in
from services.gateway.portal.signin import client
from services.gateway.portal.web_security import session_token

router = APIRouter()
INVALID_LINK = "This invoice link is not valid. Ask the business for a new one."
Outcome = auth_pb2.OpenDocumentLinkResponse.Outcome


def _away(target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _through_sign_in(return_to: str) -> RedirectResponse:
    response = to_sign_in(return_to)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/invoices/{token}")
async def invoice_link(request: Request, token: str, auth: PortalAuth, pay: bool = False) -> Response:
    return await _open_invoice_link(request, token, auth, paying=pay)


@router.get("/invoices/{token}/payment")
async def invoice_payment_link(token: str) -> Response:
    """The invoice's `payment_url`: the invoice link (same policy, same session), landing on its payment form."""
    return _away(f"/invoices/{token}?pay=1")


async def _open_invoice_link(request: Request, token: str, auth: AuthClient, paying: bool) -> Response:
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    opened = await auth.open_document_link(token, session_token(request) or "", client(request), True)
    if opened.outcome == Outcome.OUTCOME_REQUIRE_SIGN_IN:
        return _through_sign_in(f"/invoices/{token}" + ("?pay=1" if paying else ""))
    if opened.outcome not in (Outcome.OUTCOME_SIGNED_IN, Outcome.OUTCOME_GUEST_SESSION):
        return pages.not_found(request, INVALID_LINK)
    target = f"/account/pay?invoice={opened.document_id}" if paying else f"/account/invoices/{opened.document_id}"
    response = _away(target)
    if opened.outcome == Outcome.OUTCOME_GUEST_SESSION:
        start_session(request, response, opened.session_token, opened.session)
    return response


@router.get("/invoices/{token}/pdf")
async def invoice_pdf_link(
    request: Request, token: str, business: Tenant, auth: PortalAuth, billing: PortalBilling, settings: Settings
) -> Response:
    """The PDF by link, as the API's `pdf_url` promises. The link is the credential for this one document, unless
    the business requires a sign-in: then only a signed-in customer of that account gets it."""
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    opened = await auth.open_document_link(token, session_token(request) or "", client(request), False)
    if opened.outcome == Outcome.OUTCOME_REQUIRE_SIGN_IN:
        return _through_sign_in(f"/invoices/{token}/pdf")
    if opened.outcome not in (Outcome.OUTCOME_SIGNED_IN, Outcome.OUTCOME_OPEN_BY_LINK):
        return pages.not_found(request, INVALID_LINK)
    presentation = invoices_pb2.Presentation(
        business_name=business.display_name, portal_url=settings.portal_url(business.username)
    )
    try:
        pdf = await billing.invoice_pdf_by_link(token, presentation)
    except (NotFound, InvalidArgument):
        return pages.not_found(request, INVALID_LINK)
    return pdf_response(pdf)


def pdf_response(pdf: invoices_pb2.RenderInvoicePdfResponse) -> Response:
    return Response(
        pdf.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{pdf.filename}"',
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
