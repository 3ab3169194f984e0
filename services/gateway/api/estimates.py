"""/api/estimates in Invoiced's shapes, the approval certificate, and /api/estimate_settings.

Amounts are major-unit decimals here and exact minor units inside. Customers approve in the portal: the API has no
approve endpoint (as Invoiced), but shows the approval (`approved`, `approval`) and a decline (`decision`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from portal.billing.v1 import estimates_pb2 as pb
from portal.billing.v1 import invoices_pb2

from services.gateway.api.estimate_models import (
    Estimate,
    EstimateCreate,
    EstimateFields,
    EstimateSettings,
    EstimateSettingsUpdate,
    EstimateUpdate,
)
from services.gateway.api.fields import copy_scalars, scalars_out
from services.gateway.api.invoices import (
    PDF,
    Expand,
    ObjectId,
    adjustments_in,
    adjustments_out,
    decimal_text,
    expand_customers,
    invoice_json,
    item_in,
    line_item_json,
    money,
    presentation,
    valid_email,
    wants_customer,
)
from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.models import Email as EmailOut
from services.gateway.api.models import EmptyBody, Invoice, InvoiceEmail
from services.gateway.api.pagination import LIST_PARAMETERS, PageNumber, PerPage, bracketed, list_headers, page_of
from services.gateway.api.routing import api_router, errors
from services.gateway.clients.estimates import EstimatesClient
from services.gateway.deps import ApiBilling, ApiBusiness, Settings

router = api_router()

ESTIMATE_FIELDS = ("name", "currency", "draft", "closed", "date", "expiration_date", "payment_terms",
                   "purchase_order", "notes", "sent", "customer", "deposit_paid")  # fmt: skip
CERTIFICATE = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
               "description": "The approval certificate (PDF) of the estimate's standing approval, else its latest."}  # fmt: skip


def estimate_input(body: EstimateFields, creating: bool) -> pb.EstimateInput:
    cleared: list[str] = []
    estimate = pb.EstimateInput()
    copy_scalars(estimate, body, ESTIMATE_FIELDS, None if creating else cleared)
    if body.items is not None:
        estimate.items.values.extend(item_in(entry) for entry in body.items)
    for name in ("discounts", "taxes"):
        values = getattr(body, name)
        if values is not None:
            getattr(estimate, name).CopyFrom(adjustments_in(values))
    if body.metadata is not None:
        estimate.metadata.values.update(body.metadata)
    given = body.given()
    if "deposit" in given:
        if body.deposit is not None:
            estimate.deposit_decimal = decimal_text(body.deposit)
        elif not creating:
            cleared.append("deposit")
    estimate.cleared.extend(cleared)
    return estimate


def estimate_json(estimate: pb.Estimate, portal_url: str, api_url: str) -> dict[str, Any]:
    cur = estimate.currency
    url = f"{portal_url}/estimates/{estimate.link_token}"
    items = [line_item_json(item, cur) for item in estimate.items]
    data: dict[str, Any] = {"id": estimate.id, "object": "estimate", "customer": estimate.customer,
                            "invoice": estimate.invoice if estimate.HasField("invoice") else None}  # fmt: skip
    data.update(scalars_out(estimate, ("name", "expiration_date", "payment_terms", "purchase_order", "notes")))
    approval = None
    if estimate.HasField("approval"):
        a = estimate.approval
        approval = {
            "id": a.id, "timestamp": a.approved_at, "initials": a.initials, "ip": a.ip, "user_agent": a.user_agent,
            "version": a.version, "document_sha256": a.document_sha256, "terms_accepted": a.terms_accepted,
            "approved_by": a.approved_by, "certificate_url": f"{api_url}/estimates/{estimate.id}/approval_certificate",
        }  # fmt: skip
    decision = None
    if estimate.HasField("decision"):
        d = estimate.decision
        decision = {"kind": d.kind, "reason": d.reason, "decided_by": d.decided_by, "timestamp": d.decided_at,
                    "version": d.version}  # fmt: skip
    data.update({
        "number": estimate.number, "currency": cur, "draft": estimate.draft, "closed": estimate.closed,
        "voided": estimate.voided, "sent": estimate.sent, "viewed": estimate.viewed, "status": estimate.status,
        "date": estimate.date, "items": items, "subtotal": money(estimate.subtotal, cur),
        "discounts": adjustments_out(estimate.discounts, cur, "discount"),
        "taxes": adjustments_out(estimate.taxes, cur, "tax"), "total": money(estimate.total, cur),
        "deposit": money(estimate.deposit, cur), "deposit_paid": estimate.deposit_paid, "ship_to": None,
        "approved": approval["initials"] if approval is not None else None, "approval": approval,
        "decision": decision, "version": estimate.version, "document_sha256": estimate.document_sha256,
        "url": url, "pdf_url": f"{url}/pdf", "metadata": dict(estimate.metadata.values),
        "created_at": estimate.created_at, "updated_at": estimate.updated_at,
    })  # fmt: skip
    return data


def _api_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/api"


@router.post("/estimates", status_code=201, response_model=Estimate, responses=errors())
async def create_estimate(
    request: Request, body: EstimateCreate, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    created = await EstimatesClient(billing).create(estimate_input(body, creating=True))
    return JsonResponse(estimate_json(created, settings.portal_url(business.username), _api_url(request)), 201)


@router.get("/estimates", response_model=list[Estimate], responses=errors(), openapi_extra=LIST_PARAMETERS)
async def list_estimates(
    request: Request,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    page: PageNumber = 1,
    per_page: PerPage = 100,
    expand: Expand = None,
) -> JsonResponse:
    current = page_of(page, per_page)
    found, info = await EstimatesClient(billing).listing(
        current.to_pb(), bracketed(request, "filter"), bracketed(request, "metadata")
    )
    rows = [estimate_json(e, settings.portal_url(business.username), _api_url(request)) for e in found]
    if wants_customer(expand) and rows:
        await expand_customers(billing, rows)
    return JsonResponse(rows, headers=list_headers(request, current, info))


@router.get("/estimates/{estimate_id}", response_model=Estimate, responses={200: PDF, **errors(404)})
async def get_estimate(
    estimate_id: ObjectId,
    request: Request,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    expand: Expand = None,
) -> Response:
    estimates = EstimatesClient(billing)
    if "application/pdf" in request.headers.get("accept", ""):
        pdf = await estimates.pdf(estimate_id, presentation(settings, business))
        return Response(pdf.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'})  # fmt: skip
    row = estimate_json(await estimates.get(estimate_id), settings.portal_url(business.username), _api_url(request))
    if wants_customer(expand):
        await expand_customers(billing, [row])
    return JsonResponse(row)


@router.get("/estimates/{estimate_id}/approval_certificate", response_class=Response,
            responses={200: CERTIFICATE, **errors(404)})  # fmt: skip
async def approval_certificate(
    estimate_id: ObjectId, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> Response:
    pdf = await EstimatesClient(billing).certificate(estimate_id, presentation(settings, business))
    return Response(pdf.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'})  # fmt: skip


@router.patch("/estimates/{estimate_id}", response_model=Estimate, responses=errors(404))
async def update_estimate(
    estimate_id: ObjectId,
    request: Request,
    body: EstimateUpdate,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
) -> JsonResponse:
    updated = await EstimatesClient(billing).update(estimate_id, estimate_input(body, creating=False))
    return JsonResponse(estimate_json(updated, settings.portal_url(business.username), _api_url(request)))


@router.delete("/estimates/{estimate_id}", status_code=204, response_class=Response, responses=errors(404))
async def delete_estimate(estimate_id: ObjectId, billing: ApiBilling) -> Response:
    await EstimatesClient(billing).delete(estimate_id)
    return Response(status_code=204)


@router.post("/estimates/{estimate_id}/void", response_model=Estimate, responses=errors(404))
async def void_estimate(
    estimate_id: ObjectId,
    request: Request,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    body: EmptyBody | None = None,
) -> JsonResponse:
    voided = await EstimatesClient(billing).void(estimate_id)
    return JsonResponse(estimate_json(voided, settings.portal_url(business.username), _api_url(request)))


@router.post("/estimates/{estimate_id}/invoice", response_model=Invoice, responses=errors(404))
async def invoice_estimate(
    estimate_id: ObjectId, business: ApiBusiness, billing: ApiBilling, settings: Settings, body: EmptyBody | None = None
) -> JsonResponse:
    """An approved estimate becomes an invoice with the same items, amounts and terms (once)."""
    made = await EstimatesClient(billing).invoice(estimate_id)
    return JsonResponse(invoice_json(made.invoice, settings.portal_url(business.username)))


@router.post("/estimates/{estimate_id}/emails", status_code=201, response_model=list[EmailOut], responses=errors(404))
async def send_estimate(
    estimate_id: ObjectId,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    body: InvoiceEmail | None = None,
) -> JsonResponse:
    """Emails the estimate with a "View Estimate" link and its PDF."""
    body = body or InvoiceEmail()
    send = pb.SendEstimateRequest(id=estimate_id, presentation=presentation(settings, business))
    for index, recipient in enumerate(body.to or []):
        email = valid_email(recipient.email, f"to[{index}].email")
        send.to.append(invoices_pb2.Recipient(name=recipient.name or "", email=email))
    if body.subject is not None:
        send.subject = body.subject
    if body.message is not None:
        send.message = body.message
    emails = [
        {
            "id": e.id,
            "object": "email",
            "state": e.state,
            "email": e.email,
            "subject": e.subject,
            "message": e.message,
            "template": e.template,
            "reject_reason": None,
            "opens": 0,
            "created_at": e.created_at,
            "updated_at": e.created_at,
        }  # fmt: skip
        for e in await EstimatesClient(billing).send(send)
    ]
    return JsonResponse(emails, status_code=201)


def settings_json(settings: pb.EstimateSettings) -> dict[str, Any]:
    return {"id": "estimate_settings", "object": "estimate_settings",
            "approval_creates_invoice": settings.approval_creates_invoice, "terms": settings.terms,
            "notify_email": settings.notify_email}  # fmt: skip


@router.get("/estimate_settings", response_model=EstimateSettings, responses=errors())
async def get_estimate_settings(billing: ApiBilling) -> JsonResponse:
    return JsonResponse(settings_json(await EstimatesClient(billing).settings()))


@router.patch("/estimate_settings", response_model=EstimateSettings, responses=errors())
async def update_estimate_settings(body: EstimateSettingsUpdate, billing: ApiBilling) -> JsonResponse:
    """Only the fields sent change."""
    changes = pb.UpdateEstimateSettingsRequest(**{k: v for k, v in body.given().items() if v is not None})
    return JsonResponse(settings_json(await EstimatesClient(billing).update_settings(changes)))
