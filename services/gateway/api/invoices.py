"""/api/invoices in Invoiced's shapes. Amounts are major-unit decimals here and exact minor units inside."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import invoices_pb2 as pb
from portal_kit.errors import InvalidArgument, NotFound
from portal_kit.money import from_minor, normalize_currency

from services.gateway.api.customers import customer_json
from services.gateway.api.fields import copy_scalars, scalars_out
from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.models import (
    Adjustment,
    EmptyBody,
    Invoice,
    InvoiceCreate,
    InvoiceEmail,
    InvoiceFields,
    InvoiceUpdate,
    LineItemIn,
)
from services.gateway.api.models import Email as EmailOut
from services.gateway.api.pagination import (
    LIST_PARAMETERS,
    PageCursor,
    PageNumber,
    PerPage,
    bracketed,
    list_headers,
    page_of,
)
from services.gateway.api.routing import api_router, errors
from services.gateway.clients.billing import BillingClient
from services.gateway.deps import ApiBilling, ApiBusiness, Settings, api_business, backends_of, settings_of
from services.gateway.settings import GatewaySettings

router = api_router()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Expand = Annotated[str | None, Query(max_length=200, description="customer: the customer object instead of its id")]

INVOICE_FIELDS = ("name", "currency", "autopay", "draft", "closed", "date", "due_date", "payment_terms",
                  "purchase_order", "notes", "sent", "customer")  # fmt: skip
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
       "description": "The invoice, or its PDF with `Accept: application/pdf`."}  # fmt: skip


def decimal_text(value: Decimal) -> str:
    """An exact major-unit amount as text; billing converts it in the currency it resolves."""
    return format(value, "f")


def adjustments_in(values: list[Adjustment]) -> pb.Adjustments:
    return pb.Adjustments(values=[pb.Adjustment(amount_decimal=decimal_text(entry.amount)) for entry in values])


def item_in(entry: LineItemIn) -> pb.LineItem:
    item = pb.LineItem()
    copy_scalars(item, entry, ("catalog_item", "type", "name", "description"), None)
    quantity = entry.quantity if entry.quantity is not None else Decimal(1)
    item.quantity = format(quantity, "f")
    unit_cost = entry.unit_cost if entry.unit_cost is not None else entry.amount
    item.unit_cost_decimal = decimal_text(unit_cost if unit_cost is not None else Decimal(0))
    item.discountable = entry.discountable if entry.discountable is not None else True
    item.taxable = entry.taxable if entry.taxable is not None else True
    if entry.discounts:
        item.discounts.extend(adjustments_in(entry.discounts).values)
    if entry.taxes:
        item.taxes.extend(adjustments_in(entry.taxes).values)
    if entry.metadata is not None:
        item.metadata.values.update(entry.metadata)
    return item


def invoice_input(body: InvoiceFields, creating: bool) -> pb.InvoiceInput:
    cleared: list[str] = []
    invoice = pb.InvoiceInput()
    copy_scalars(invoice, body, INVOICE_FIELDS, None if creating else cleared)
    if invoice.HasField("currency"):
        invoice.currency = normalize_currency(invoice.currency)
    if body.items is not None:
        invoice.items.values.extend(item_in(entry) for entry in body.items)
    for name in ("discounts", "taxes"):
        values = getattr(body, name)
        if values is not None:
            getattr(invoice, name).CopyFrom(adjustments_in(values))
    if body.metadata is not None:
        invoice.metadata.values.update(body.metadata)
    invoice.cleared.extend(cleared)
    return invoice


def money(minor: int, currency: str) -> Decimal:
    return from_minor(minor, currency)


def adjustments_out(values: Any, currency: str, kind: str) -> list[dict[str, Any]]:
    return [{"id": a.id, "object": kind, "amount": money(a.amount, currency)} for a in values]


def line_item_json(item: pb.LineItem, cur: str) -> dict[str, Any]:
    return {
        "id": item.id, "object": "line_item", "catalog_item": item.catalog_item if item.HasField("catalog_item") else None,
        "type": item.type if item.HasField("type") else None, "name": item.name if item.HasField("name") else None,
        "description": item.description if item.HasField("description") else None,
        "quantity": Decimal(item.quantity), "unit_cost": money(item.unit_cost, cur), "amount": money(item.amount, cur),
        "discountable": item.discountable, "taxable": item.taxable,
        "discounts": adjustments_out(item.discounts, cur, "discount"),
        "taxes": adjustments_out(item.taxes, cur, "tax"), "metadata": dict(item.metadata.values),
    }  # fmt: skip


def invoice_json(invoice: pb.Invoice, portal_url: str) -> dict[str, Any]:
    cur = invoice.currency
    url = f"{portal_url}/invoices/{invoice.link_token}"
    data: dict[str, Any] = {"id": invoice.id, "object": "invoice", "customer": invoice.customer}
    data.update(scalars_out(invoice, ("name", "due_date", "payment_terms", "purchase_order", "notes")))
    data.update({
        "number": invoice.number, "currency": cur, "autopay": invoice.autopay, "draft": invoice.draft,
        "closed": invoice.closed, "paid": invoice.paid, "voided": invoice.voided, "status": invoice.status,
        "sent": invoice.sent, "attempt_count": 0, "next_payment_attempt": None,
        "subscription": invoice.subscription if invoice.HasField("subscription") else None,
        "date": invoice.date, "payment_plan": None, "ship_to": None,
        "items": [line_item_json(item, cur) for item in invoice.items],
        "subtotal": money(invoice.subtotal, cur),
        "discounts": adjustments_out(invoice.discounts, cur, "discount"),
        "taxes": adjustments_out(invoice.taxes, cur, "tax"),
        "total": money(invoice.total, cur), "balance": money(invoice.balance, cur),
        "amount_paid": money(invoice.amount_paid, cur),
        "url": url, "payment_url": f"{url}/payment", "pdf_url": f"{url}/pdf",
        "metadata": dict(invoice.metadata.values), "needs_attention": invoice.needs_attention,
        "created_at": invoice.created_at, "updated_at": invoice.updated_at,
    })  # fmt: skip
    return data


def presentation(settings: GatewaySettings, business: auth_pb2.Business) -> pb.Presentation:
    return pb.Presentation(business_name=business.display_name, portal_url=settings.portal_url(business.username))


def wants_customer(expand: str | None) -> bool:
    return "customer" in (expand or "").split(",")


async def expand_customers(billing: BillingClient, rows: list[dict[str, Any]]) -> None:
    """Replaces customer ids with customer objects, all distinct customers in one lookup."""
    found = {c.id: c for c in await billing.customers_by_id(sorted({row["customer"] for row in rows}))}
    for row in rows:
        if row["customer"] not in found:
            raise NotFound(f"No such customer: {row['customer']}")
        row["customer"] = customer_json(found[row["customer"]])


@router.post("/invoices", status_code=201, response_model=Invoice, responses=errors())
async def create_invoice(body: InvoiceCreate, request: Request) -> JsonResponse:
    """The busiest API call: its business, client and settings are looked up here rather than by FastAPI
    dependencies (each costs a resolution per request); the answers are the same."""
    business = await api_business(request)
    created = await backends_of(request).billing(business.id).create_invoice(invoice_input(body, creating=True))
    portal_url = settings_of(request).portal_url(business.username)
    return JsonResponse(invoice_json(created, portal_url), status_code=201)


@router.get("/invoices", response_model=list[Invoice], responses=errors(), openapi_extra=LIST_PARAMETERS)
async def list_invoices(
    request: Request,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    page: PageNumber = 1,
    per_page: PerPage = 100,
    cursor: PageCursor = None,
    expand: Expand = None,
) -> JsonResponse:
    current = page_of(page, per_page, cursor)
    invoices, info = await billing.list_invoices(
        current.to_pb(), bracketed(request, "filter"), bracketed(request, "metadata")
    )
    rows = [invoice_json(i, settings.portal_url(business.username)) for i in invoices]
    if wants_customer(expand) and rows:
        await expand_customers(billing, rows)
    return JsonResponse(rows, headers=list_headers(request, current, info))


@router.get("/invoices/{invoice_id}", response_model=Invoice, responses={200: PDF, **errors(404)})
async def get_invoice(
    invoice_id: ObjectId,
    request: Request,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    expand: Expand = None,
) -> Response:
    if "application/pdf" in request.headers.get("accept", ""):
        pdf = await billing.invoice_pdf(invoice_id, presentation(settings, business))
        return Response(pdf.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'})  # fmt: skip
    row = invoice_json(await billing.get_invoice(invoice_id), settings.portal_url(business.username))
    if wants_customer(expand):
        await expand_customers(billing, [row])
    return JsonResponse(row)


@router.patch("/invoices/{invoice_id}", response_model=Invoice, responses=errors(404))
async def update_invoice(
    invoice_id: ObjectId, body: InvoiceUpdate, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    changes = invoice_input(body, creating=False)
    updated = await billing.update_invoice(invoice_id, changes)
    return JsonResponse(invoice_json(updated, settings.portal_url(business.username)))


@router.delete("/invoices/{invoice_id}", status_code=204, response_class=Response, responses=errors(404))
async def delete_invoice(invoice_id: ObjectId, billing: ApiBilling) -> Response:
    await billing.delete_invoice(invoice_id)
    return Response(status_code=204)


@router.post("/invoices/{invoice_id}/void", response_model=Invoice, responses=errors(404))
async def void_invoice(
    invoice_id: ObjectId, business: ApiBusiness, billing: ApiBilling, settings: Settings, body: EmptyBody | None = None
) -> JsonResponse:
    voided = await billing.void_invoice(invoice_id)
    return JsonResponse(invoice_json(voided, settings.portal_url(business.username)))


def valid_email(address: str, param: str) -> str:
    if "@" not in address or address.startswith("@") or address.endswith("@") or any(c.isspace() for c in address):
        raise InvalidArgument(f"{param} is not a valid email address.", param)
    return address


@router.post("/invoices/{invoice_id}/emails", status_code=201, response_model=list[EmailOut], responses=errors(404))
async def send_invoice(
    invoice_id: ObjectId,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    body: InvoiceEmail | None = None,
) -> JsonResponse:
    body = body or InvoiceEmail()
    send = pb.SendInvoiceRequest(id=invoice_id, presentation=presentation(settings, business))
    for index, recipient in enumerate(body.to or []):
        email = valid_email(recipient.email, f"to[{index}].email")
        send.to.append(pb.Recipient(name=recipient.name or "", email=email))
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
        for e in await billing.send_invoice(send)
    ]
    return JsonResponse(emails, status_code=201)
