"""Receipts by link: the API's payment `pdf_url`. The link's token is the credential for this one receipt."""

from __future__ import annotations

from fastapi import APIRouter, Request
from portal.billing.v1 import invoices_pb2, payments_pb2
from portal_kit.errors import InvalidArgument, NotFound
from starlette.responses import Response

from services.gateway.deps import PortalBilling, Settings, Tenant
from services.gateway.portal import pages

router = APIRouter()
INVALID_LINK = "This receipt link is not valid. Ask the business for a new one."


def receipt_pdf_response(pdf: payments_pb2.RenderReceiptPdfResponse) -> Response:
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


@router.get("/receipts/{token}/pdf")
async def receipt_pdf_link(
    request: Request, token: str, business: Tenant, billing: PortalBilling, settings: Settings
) -> Response:
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    presentation = invoices_pb2.Presentation(
        business_name=business.display_name, portal_url=settings.portal_url(business.username)
    )
    try:
        pdf = await billing.receipt_pdf(
            payments_pb2.RenderReceiptPdfRequest(receipt_token=token, presentation=presentation)
        )
    except (NotFound, InvalidArgument):
        return pages.not_found(request, INVALID_LINK)
    return receipt_pdf_response(pdf)
