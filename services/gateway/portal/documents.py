"""Links in the portal's emails ("View Invoice"): they start a temporary session and land on the document.

The link's token leaves the address bar at once (303 to the document's own page). A business can require a
full sign-in first; then the link goes through the sign-in form and comes back.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import invoices_pb2
from portal_kit.errors import InvalidArgument, NotFound
from starlette.responses import RedirectResponse, Response

from services.gateway.portal import pages
from services.gateway.portal.sessions import start_session, to_sign_in, visitor
from services.gateway.portal.web_security import client_of

router = APIRouter()
INVALID_LINK = "This invoice link is not valid. Ask the business for a new one."


def _away(target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/invoices/{token}")
async def invoice_link(request: Request, token: str) -> Response:
    backends = request.app.state.backends
    business = pages.business_of(request)
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    try:
        found = await backends.call(
            backends.invoices.GetInvoiceByLink, invoices_pb2.GetInvoiceByLinkRequest(token=token), business.id
        )
    except (NotFound, InvalidArgument):
        return pages.not_found(request, INVALID_LINK)
    invoice = found.invoice
    target = f"/account/invoices/{invoice.id}"

    current = await visitor(request)
    if current is not None and not current.temporary and invoice.customer in current.session.customer_ids:
        if current.session.customer_id != invoice.customer:
            await backends.call(
                backends.sessions.SwitchAccount,
                auth_pb2.SwitchAccountRequest(session_token=current.token, customer_id=invoice.customer),
                business.id,
            )
        return _away(target)

    settings = await backends.call(
        backends.portal_settings.GetPortalSettings, auth_pb2.GetPortalSettingsRequest(), business.id
    )
    if settings.settings.require_sign_in:
        response = to_sign_in(f"/invoices/{token}")
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    ip, agent = client_of(request)
    started = await backends.call(
        backends.sessions.StartTemporarySession,
        auth_pb2.StartTemporarySessionRequest(
            customer_id=invoice.customer,
            document_type="invoice",
            document_id=invoice.id,
            client=auth_pb2.Client(ip=ip, user_agent=agent),
        ),
        business.id,
    )
    response = _away(target)
    start_session(request, response, started.session_token, started.session)
    return response


@router.get("/invoices/{token}/payment")
async def invoice_payment_link(request: Request, token: str) -> Response:
    """Paying online comes with the payments issue; until then the payment link opens the invoice."""
    return _away(f"/invoices/{token}")


@router.get("/invoices/{token}/pdf")
async def invoice_pdf_link(request: Request, token: str) -> Response:
    """The PDF by link, as the API's `pdf_url` promises: the token is the credential for this one document."""
    business = pages.business_of(request)
    backends = request.app.state.backends
    try:
        pdf = await backends.call(
            backends.invoices.RenderInvoicePdf,
            invoices_pb2.RenderInvoicePdfRequest(
                link_token=token[:100],
                presentation=invoices_pb2.Presentation(
                    business_name=business.display_name,
                    portal_url=request.app.state.settings.portal_url(business.username),
                ),
            ),
            business.id,
        )
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
