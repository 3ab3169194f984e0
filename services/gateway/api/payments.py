"""/api/payments in Invoiced's shapes: payments the business records (check, wire, cash) and every payment's
receipt. Amounts are major-unit decimals here and exact minor units inside."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from portal.billing.v1 import invoices_pb2
from portal.billing.v1 import payments_pb2 as pb
from portal_kit.errors import InvalidArgument
from portal_kit.money import normalize_currency

from services.gateway.api.fields import copy_scalars
from services.gateway.api.invoices import decimal_text, money, presentation, valid_email
from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.models import Email as EmailOut
from services.gateway.api.models import InvoiceEmail
from services.gateway.api.pagination import LIST_PARAMETERS, PageNumber, PerPage, bracketed, list_headers, page_of
from services.gateway.api.payment_models import Payment, PaymentCreate, PaymentFields, PaymentUpdate
from services.gateway.api.routing import api_router, errors
from services.gateway.deps import ApiBilling, ApiBusiness, Settings

router = api_router()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DateBound = Annotated[int | None, Query(ge=0, le=2**53 - 1, description="Unix time, inclusive")]
PAYMENT_FIELDS = ("customer", "date", "currency", "method", "reference", "notes")
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
       "description": "The payment, or its receipt PDF with `Accept: application/pdf`."}  # fmt: skip


def receipt_url(portal_url: str, token: str) -> str | None:
    return f"{portal_url}/receipts/{token}/pdf" if token else None


def _applied_to(payment: pb.Payment) -> list[dict[str, Any]]:
    """Invoiced's applied_to: the invoices, then an estimate's deposit not yet applied to an invoice (the payment's
    unapplied balance, held for the estimate until it is invoiced)."""
    cur = payment.currency
    applied: list[dict[str, Any]] = [
        {"id": index + 1, "type": "invoice", "invoice": a.invoice, "amount": money(a.amount, cur),
         "amount_refunded": money(a.amount_refunded, cur), "invoice_number": a.invoice_number}
        for index, a in enumerate(payment.applied_to)
    ]  # fmt: skip
    if payment.HasField("estimate") and payment.balance > 0:
        applied.append({"id": len(applied) + 1, "type": "estimate", "estimate": payment.estimate,
                        "amount": money(payment.balance, cur), "estimate_number": payment.estimate_number})  # fmt: skip
    return applied


def payment_json(payment: pb.Payment, portal_url: str) -> dict[str, Any]:
    cur = payment.currency
    held = payment.balance if payment.HasField("estimate") else 0  # shown as applied to the estimate
    return {
        "id": payment.id, "object": "payment", "customer": payment.customer, "date": payment.date, "currency": cur,
        "amount": money(payment.amount, cur), "balance": money(payment.balance - held, cur),
        "amount_refunded": money(payment.amount_refunded, cur), "matched": None, "voided": payment.voided,
        "status": payment.status, "method": payment.method,
        "reference": payment.reference if payment.HasField("reference") else None, "ach_sender_id": None,
        "source": payment.source, "notes": payment.notes if payment.HasField("notes") else None,
        "failure_message": payment.failure_message if payment.HasField("failure_message") else None,
        "charge": None,
        "applied_to": _applied_to(payment),
        "pdf_url": receipt_url(portal_url, payment.receipt_token),
        "metadata": dict(payment.metadata.values), "created_at": payment.created_at, "updated_at": payment.updated_at,
    }  # fmt: skip


def payment_input(body: PaymentFields, creating: bool) -> pb.PaymentInput:
    cleared: list[str] = []
    payment = pb.PaymentInput()
    copy_scalars(payment, body, PAYMENT_FIELDS, None if creating else cleared)
    if payment.HasField("currency"):
        payment.currency = normalize_currency(payment.currency)
    if body.amount is not None:
        payment.amount_decimal = decimal_text(body.amount)
    for index, entry in enumerate(body.applied_to or []):
        if (entry.type or "invoice") != "invoice":
            raise InvalidArgument("Only invoices can be paid here (type must be invoice).", f"applied_to[{index}].type")
        if entry.invoice is None:
            raise InvalidArgument("Name the invoice to apply the payment to.", f"applied_to[{index}].invoice")
        payment.applied_to.append(
            pb.PaymentApplication(invoice=entry.invoice, amount_decimal=decimal_text(entry.amount))
        )
    if body.applied_to is not None and not creating:
        raise InvalidArgument("applied_to cannot be changed: void the payment and record it again.", "applied_to")
    if body.metadata is not None:
        payment.metadata.values.update(body.metadata)
    payment.cleared.extend(cleared)
    return payment


@router.post("/payments", status_code=201, response_model=Payment, responses=errors())
async def create_payment(
    body: PaymentCreate, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    created = await billing.create_payment(payment_input(body, creating=True))
    return JsonResponse(payment_json(created, settings.portal_url(business.username)), status_code=201)


@router.get("/payments", response_model=list[Payment], responses=errors(), openapi_extra=LIST_PARAMETERS)
async def list_payments(
    request: Request,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    page: PageNumber = 1,
    per_page: PerPage = 100,
    start_date: DateBound = None,
    end_date: DateBound = None,
) -> JsonResponse:
    current = page_of(page, per_page)
    query = pb.ListPaymentsRequest(page=current.to_pb(), filter=bracketed(request, "filter"))
    if start_date is not None:
        query.start_date = start_date
    if end_date is not None:
        query.end_date = end_date
    payments, info = await billing.list_payments(query)
    rows = [payment_json(p, settings.portal_url(business.username)) for p in payments]
    return JsonResponse(rows, headers=list_headers(request, current, info))


@router.get("/payments/{payment_id}", response_model=Payment, responses={200: PDF, **errors(404)})
async def get_payment(
    payment_id: ObjectId, request: Request, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> Response:
    if "application/pdf" in request.headers.get("accept", ""):
        render = pb.RenderReceiptPdfRequest(id=payment_id, presentation=presentation(settings, business))
        pdf = await billing.receipt_pdf(render)
        return Response(pdf.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'})  # fmt: skip
    return JsonResponse(payment_json(await billing.get_payment(payment_id), settings.portal_url(business.username)))


@router.patch("/payments/{payment_id}", response_model=Payment, responses=errors(404))
async def update_payment(
    payment_id: ObjectId, body: PaymentUpdate, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    updated = await billing.update_payment(payment_id, payment_input(body, creating=False))
    return JsonResponse(payment_json(updated, settings.portal_url(business.username)))


@router.delete("/payments/{payment_id}", response_model=Payment, responses=errors(404))
async def void_payment(
    payment_id: ObjectId, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    """Voids the payment (Invoiced's DELETE): its invoices get their balances back. 200 with `voided: true`."""
    voided = await billing.void_payment(payment_id)
    return JsonResponse(payment_json(voided, settings.portal_url(business.username)))


@router.post("/payments/{payment_id}/emails", status_code=201, response_model=list[EmailOut], responses=errors(404))
async def send_receipt(
    payment_id: ObjectId,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    body: InvoiceEmail | None = None,
) -> JsonResponse:
    """Emails the payment's receipt (with its PDF) to `to`, or to the customer's email and primary contacts."""
    body = body or InvoiceEmail()
    send = pb.SendReceiptRequest(id=payment_id, presentation=presentation(settings, business))
    for index, recipient in enumerate(body.to or []):
        email = valid_email(recipient.email, f"to[{index}].email")
        send.to.append(invoices_pb2.Recipient(name=recipient.name or "", email=email))
    emails = [
        {"id": e.id, "object": "email", "state": e.state, "email": e.email, "subject": e.subject,
         "message": e.message, "template": e.template, "reject_reason": None, "opens": 0,
         "created_at": e.created_at, "updated_at": e.created_at}
        for e in await billing.send_receipt(send)
    ]  # fmt: skip
    return JsonResponse(emails, status_code=201)
