"""The customer portal's server-rendered pages, on `{username}.{base_domain}`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import invoices_pb2
from portal_kit.errors import DomainError, InvalidArgument, NotFound, Unavailable
from portal_kit.money import format_money
from starlette.responses import Response

from services.gateway.portal import security_headers

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()


def _date(seconds: int | None) -> str:
    if not seconds:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%b %d, %Y")


templates.env.filters["date"] = _date
templates.env.globals["money"] = format_money


def render(
    request: Request, name: str, context: dict[str, Any], status: int = 200, referrer: str = "same-origin"
) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    return security_headers.apply(response, request.app.state.settings.public_scheme == "https", referrer)


def business_of(request: Request) -> auth_pb2.Business:
    return request.state.site.business


def not_found(request: Request, message: str = "We could not find that page.") -> Response:
    return render(request, "not_found.html", {"business": getattr(request.state, "site", None) and request.state.site.business,
                                              "message": message}, status=404)  # fmt: skip


@router.get("/")
async def home(request: Request) -> Response:
    business = business_of(request)
    if business is None:
        return render(request, "landing.html", {"base_domain": request.app.state.settings.base_domain})
    return render(request, "home.html", {"business": business})


async def _invoice_by_link(request: Request, token: str) -> invoices_pb2.GetInvoiceByLinkResponse | None:
    backends = request.app.state.backends
    business = business_of(request)
    if business is None or not token or len(token) > 100:
        return None
    try:
        return await backends.call(
            backends.invoices.GetInvoiceByLink, invoices_pb2.GetInvoiceByLinkRequest(token=token), business.id
        )
    except (NotFound, InvalidArgument):
        return None


@router.get("/invoices/{token}")
async def invoice_page(request: Request, token: str) -> Response:
    found = await _invoice_by_link(request, token)
    if found is None:
        return not_found(request, "This invoice link is not valid. Ask the business for a new one.")
    context = {"business": business_of(request), "invoice": found.invoice, "customer": found.customer, "token": token}
    return render(request, "invoice.html", context, referrer="no-referrer")


@router.get("/invoices/{token}/payment")
async def invoice_payment(request: Request, token: str) -> Response:
    return RedirectResponse(f"/invoices/{token}", status_code=303)


@router.get("/invoices/{token}/pdf")
async def invoice_pdf(request: Request, token: str) -> Response:
    business = business_of(request)
    if business is None:
        return not_found(request)
    backends = request.app.state.backends
    try:
        pdf = await backends.call(
            backends.invoices.RenderInvoicePdf,
            invoices_pb2.RenderInvoicePdfRequest(
                link_token=token,
                presentation=invoices_pb2.Presentation(
                    business_name=business.display_name,
                    portal_url=request.app.state.settings.portal_url(business.username),
                ),
            ),
            business.id,
        )
    except (NotFound, InvalidArgument):
        return not_found(request, "This invoice link is not valid. Ask the business for a new one.")
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


def error_page(
    request: Request, error: DomainError | None, status: int | None = None, message: str | None = None
) -> Response:
    if isinstance(error, Unavailable) or status == 503:
        heading, text, code = (
            "Temporarily unavailable",
            "Part of the portal is not answering. Please try again in a minute.",
            503,
        )
    else:
        heading, text, code = "Something went wrong", message or (error.message if error else ""), status or 400
    business = getattr(getattr(request.state, "site", None), "business", None)
    return render(request, "error.html", {"business": business, "heading": heading, "message": text}, status=code)
