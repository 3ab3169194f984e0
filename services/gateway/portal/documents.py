"""Links in the portal's emails ("View Invoice"): they start a temporary session and land on the document.

The link's token leaves the address bar at once (303 to the document's own page). A business can require a
full sign-in first; then the link goes through the sign-in form and comes back.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from portal.billing.v1 import invoices_pb2
from portal_kit.errors import InvalidArgument, NotFound
from starlette.responses import RedirectResponse, Response

from services.gateway.deps import PortalAuth, PortalBilling, Settings, Tenant, visitor_of
from services.gateway.portal import pages
from services.gateway.portal.sessions import start_session, to_sign_in
from services.gateway.portal.signin import client

router = APIRouter()
INVALID_LINK = "This invoice link is not valid. Ask the business for a new one."


def _away(target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/invoices/{token}")
async def invoice_link(
    request: Request, token: str, business: Tenant, auth: PortalAuth, billing: PortalBilling
) -> Response:
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    try:
        found = await billing.invoice_by_link(token)
    except (NotFound, InvalidArgument):
        return pages.not_found(request, INVALID_LINK)
    invoice = found.invoice
    target = f"/account/invoices/{invoice.id}"

    current = await visitor_of(request, business)
    if current is not None and not current.temporary and invoice.customer in current.session.customer_ids:
        if current.session.customer_id != invoice.customer:
            await auth.switch_account(current.token, invoice.customer)
        return _away(target)

    if (await auth.portal_settings()).require_sign_in:
        response = to_sign_in(f"/invoices/{token}")
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    started = await auth.start_temporary_session(invoice.customer, "invoice", invoice.id, client(request))
    response = _away(target)
    start_session(request, response, started.session_token, started.session)
    return response


@router.get("/invoices/{token}/payment")
async def invoice_payment_link(token: str) -> Response:
    """Paying online comes with the payments issue; until then the payment link opens the invoice."""
    return _away(f"/invoices/{token}")


@router.get("/invoices/{token}/pdf")
async def invoice_pdf_link(
    request: Request, token: str, business: Tenant, billing: PortalBilling, settings: Settings
) -> Response:
    """The PDF by link, as the API's `pdf_url` promises: the token is the credential for this one document."""
    presentation = invoices_pb2.Presentation(
        business_name=business.display_name, portal_url=settings.portal_url(business.username)
    )
    try:
        pdf = await billing.invoice_pdf_by_link(token[:100], presentation)
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
