"""The customer's Payments page, its receipts (page and PDF) and its statement (page and PDF), plus the
statement link of the API's `statement_pdf_url`.

Billing decides what the visitor may see (deps.AccountBilling carries the principal): another customer's payment
reads as missing, and a guest limited to one document is sent to sign in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from portal.billing.v1 import invoices_pb2, payments_pb2
from portal_kit.errors import InvalidArgument, NotFound
from starlette.responses import Response

from services.gateway.deps import AccountBilling, PortalBilling, Settings, SignedInCustomer, Tenant
from services.gateway.portal import pages
from services.gateway.portal.receipts import receipt_pdf_response
from services.gateway.portal.sessions import FullSignInRequired, Visitor

router = APIRouter()
PaymentId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DateText = Annotated[str, Query(max_length=10)]
NO_SUCH_PAYMENT = "We could not find that payment in your account."
INVALID_LINK = "This statement link is not valid. Ask the business for a new one."
PAYMENTS_SHOWN = 100
METHOD_NAMES = {
    "ach": "ACH", "cash": "Cash", "check": "Check", "credit_card": "Card", "direct_debit": "Direct debit",
    "eft": "EFT", "other": "Other", "paypal": "PayPal", "wire_transfer": "Wire transfer",
}  # fmt: skip


def _whole_account(current: Visitor) -> None:
    if current.document_only:
        raise FullSignInRequired()


def _presentation(business: Tenant, settings: Settings) -> invoices_pb2.Presentation:
    return invoices_pb2.Presentation(
        business_name=business.display_name, portal_url=settings.portal_url(business.username)
    )


def _day(text: str, param: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{param} must be a date such as 2026-01-31.", param) from None


def statement_period(start: str, end: str) -> tuple[payments_pb2.StatementPeriod | None, str, str]:
    """The chosen period (whole days, the end day included) and the dates to show in the form."""
    first, last = _day(start, "start"), _day(end, "end")
    if first is None and last is None:
        return None, "", ""
    last = last or datetime.now(UTC).date()
    first = first or last - timedelta(days=365)
    begin = datetime(first.year, first.month, first.day, tzinfo=UTC)
    finish = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    period = payments_pb2.StatementPeriod(start=int(begin.timestamp()), end=int(finish.timestamp()))
    return period, first.isoformat(), last.isoformat()


def _pdf(pdf: payments_pb2.RenderStatementPdfResponse | payments_pb2.RenderReceiptPdfResponse) -> Response:
    return receipt_pdf_response(payments_pb2.RenderReceiptPdfResponse(pdf=pdf.pdf, filename=pdf.filename))


@router.get("/account/payments")
async def payments_page(request: Request, current: SignedInCustomer, billing: AccountBilling) -> Response:
    _whole_account(current)
    payments = await billing.account_payments(PAYMENTS_SHOWN)
    return pages.render(request, "payments.html", {"payments": payments, "methods": METHOD_NAMES})


@router.get("/account/payments/{payment_id}")
async def receipt_page(
    request: Request, payment_id: PaymentId, current: SignedInCustomer, billing: AccountBilling
) -> Response:
    _whole_account(current)
    try:
        payment = await billing.account_payment(payment_id)
    except NotFound:
        return pages.not_found(request, NO_SUCH_PAYMENT)
    return pages.render(request, "receipt.html", {"payment": payment, "methods": METHOD_NAMES})


@router.get("/account/payments/{payment_id}/pdf")
async def receipt_pdf(
    request: Request,
    payment_id: PaymentId,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
) -> Response:
    _whole_account(current)
    try:
        pdf = await billing.account_receipt_pdf(payment_id, _presentation(business, settings))
    except NotFound:
        return pages.not_found(request, NO_SUCH_PAYMENT)
    return _pdf(pdf)


@router.get("/account/statement")
async def statement_page(
    request: Request, current: SignedInCustomer, billing: AccountBilling, start: DateText = "", end: DateText = ""
) -> Response:
    _whole_account(current)
    try:
        period, shown_start, shown_end = statement_period(start, end)
        statement = await billing.account_statement(period)
    except InvalidArgument as refused:
        return pages.error_page(request, refused, status=400)
    first = datetime.fromtimestamp(statement.period.start, UTC).date()
    last = datetime.fromtimestamp(statement.period.end - 1, UTC).date()
    context = {
        "statement": statement, "methods": METHOD_NAMES, "start": shown_start or first.isoformat(),
        "end": shown_end or last.isoformat(),
    }  # fmt: skip
    return pages.render(request, "statement.html", context)


@router.get("/account/statement/pdf")
async def statement_pdf(
    request: Request,
    business: Tenant,
    current: SignedInCustomer,
    billing: AccountBilling,
    settings: Settings,
    start: DateText = "",
    end: DateText = "",
) -> Response:
    _whole_account(current)
    try:
        period, _, _ = statement_period(start, end)
        pdf = await billing.account_statement_pdf(period, _presentation(business, settings))
    except InvalidArgument as refused:
        return pages.error_page(request, refused, status=400)
    return _pdf(pdf)


@router.get("/statements/{token}/pdf")
async def statement_pdf_link(
    request: Request, token: str, business: Tenant, billing: PortalBilling, settings: Settings
) -> Response:
    """The API's `statement_pdf_url`: the customer's current statement; the link's token is the credential."""
    if not token or len(token) > 100:
        return pages.not_found(request, INVALID_LINK)
    render = payments_pb2.RenderStatementPdfByLinkRequest(
        statement_token=token, presentation=_presentation(business, settings)
    )
    try:
        pdf = await billing.statement_pdf_by_link(render)
    except (NotFound, InvalidArgument):
        return pages.not_found(request, INVALID_LINK)
    return _pdf(pdf)
