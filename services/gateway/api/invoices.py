"""/api/invoices in Invoiced's shapes. Amounts are major-unit decimals here and exact minor units inside."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import invoices_pb2 as pb
from portal_kit.errors import InvalidArgument, NotFound
from portal_kit.money import from_minor, normalize_currency, to_minor

from services.gateway.api.customers import customer_json
from services.gateway.api.fields import (
    BOOL,
    INTEGER,
    STRING,
    TIMESTAMP,
    check_known,
    fill_scalars,
    read_bool,
    read_metadata,
    read_number,
    read_string,
    scalars_out,
)
from services.gateway.api.jsonio import JsonResponse, parse_body
from services.gateway.api.pagination import bracketed, list_headers, page_of
from services.gateway.clients.billing import BillingClient
from services.gateway.deps import ApiBilling, ApiBusiness, Settings
from services.gateway.settings import GatewaySettings

router = APIRouter()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]

INVOICE_FIELDS = {
    "name": STRING, "currency": STRING, "autopay": BOOL, "draft": BOOL, "closed": BOOL, "date": TIMESTAMP,
    "due_date": TIMESTAMP, "payment_terms": STRING, "purchase_order": STRING, "notes": STRING, "sent": BOOL,
}  # fmt: skip
ITEM_FIELDS = {"catalog_item", "type", "name", "description", "quantity", "unit_cost", "discountable", "taxable",
               "discounts", "taxes", "metadata", "amount", "id", "object", "plan"}  # fmt: skip
ACCEPTED_BUT_UNUSED = {"attachments", "disabled_payment_methods", "calculate_taxes", "ship_to", "payment_plan"}


def adjustments_in(value: Any, currency: str, param: str) -> pb.Adjustments:
    if not isinstance(value, list):
        raise InvalidArgument(f"{param} must be an array.", param)
    result = pb.Adjustments()
    for index, entry in enumerate(value):
        where = f"{param}[{index}]"
        if not isinstance(entry, dict):
            raise InvalidArgument(f"{where} must be an object with an amount.", where)
        if "amount" not in entry:
            raise InvalidArgument(f"{where}.amount is required (tax rates and coupons are not supported yet).", where)
        amount = to_minor(read_number(entry["amount"], f"{where}.amount"), currency, f"{where}.amount")
        if amount < 0:
            raise InvalidArgument(f"{where}.amount cannot be negative.", f"{where}.amount")
        result.values.append(pb.Adjustment(amount=amount))
    return result


def item_in(entry: Any, currency: str, index: int) -> pb.LineItem:
    where = f"items[{index}]"
    if not isinstance(entry, dict):
        raise InvalidArgument(f"{where} must be an object.", where)
    check_known(entry, ITEM_FIELDS, prefix=f"{where}.")
    item = pb.LineItem()
    for name in ("catalog_item", "type", "name", "description"):
        if entry.get(name) is not None:
            setattr(item, name, read_string(entry[name], f"{where}.{name}"))
    quantity = read_number(entry.get("quantity", 1), f"{where}.quantity")
    if quantity < 0:
        raise InvalidArgument(f"{where}.quantity cannot be negative.", f"{where}.quantity")
    item.quantity = format(quantity, "f")
    unit_cost = entry.get("unit_cost", entry.get("amount", 0))
    item.unit_cost = to_minor(read_number(unit_cost, f"{where}.unit_cost"), currency, f"{where}.unit_cost")
    item.discountable = read_bool(entry.get("discountable", True), f"{where}.discountable")
    item.taxable = read_bool(entry.get("taxable", True), f"{where}.taxable")
    if entry.get("discounts"):
        item.discounts.extend(adjustments_in(entry["discounts"], currency, f"{where}.discounts").values)
    if entry.get("taxes"):
        item.taxes.extend(adjustments_in(entry["taxes"], currency, f"{where}.taxes").values)
    if entry.get("metadata") is not None:
        item.metadata.values.update(read_metadata(entry["metadata"], f"{where}.metadata"))
    return item


def invoice_input(body: dict[str, Any], currency: str, creating: bool) -> pb.InvoiceInput:
    check_known(body, {*INVOICE_FIELDS, "customer", "items", "discounts", "taxes", "metadata", *ACCEPTED_BUT_UNUSED})
    cleared: list[str] = []
    invoice = pb.InvoiceInput()
    fill_scalars(invoice, body, {**INVOICE_FIELDS, "customer": INTEGER}, None if creating else cleared)
    if invoice.HasField("currency"):
        invoice.currency = normalize_currency(invoice.currency)
    if body.get("items") is not None:
        if not isinstance(body["items"], list):
            raise InvalidArgument("items must be an array of line items.", "items")
        invoice.items.values.extend(item_in(entry, currency, i) for i, entry in enumerate(body["items"]))
    for name in ("discounts", "taxes"):
        if body.get(name) is not None:
            getattr(invoice, name).CopyFrom(adjustments_in(body[name], currency, name))
    if body.get("metadata") is not None:
        invoice.metadata.values.update(read_metadata(body["metadata"]))
    invoice.cleared.extend(cleared)
    return invoice


def money(minor: int, currency: str) -> Decimal:
    return from_minor(minor, currency)


def adjustments_out(values: Any, currency: str, kind: str) -> list[dict[str, Any]]:
    return [{"id": a.id, "object": kind, "amount": money(a.amount, currency)} for a in values]


def invoice_json(invoice: pb.Invoice, portal_url: str) -> dict[str, Any]:
    cur = invoice.currency
    url = f"{portal_url}/invoices/{invoice.link_token}"
    data: dict[str, Any] = {"id": invoice.id, "object": "invoice", "customer": invoice.customer}
    data.update(scalars_out(invoice, {"name": STRING, "due_date": TIMESTAMP, "payment_terms": STRING,
                                      "purchase_order": STRING, "notes": STRING}))  # fmt: skip
    data.update({
        "number": invoice.number, "currency": cur, "autopay": invoice.autopay, "draft": invoice.draft,
        "closed": invoice.closed, "paid": invoice.paid, "voided": invoice.voided, "status": invoice.status,
        "sent": invoice.sent, "attempt_count": 0, "next_payment_attempt": None, "subscription": None,
        "date": invoice.date, "payment_plan": None, "ship_to": None,
        "items": [
            {
                "id": item.id, "object": "line_item", "catalog_item": item.catalog_item if item.HasField("catalog_item") else None,
                "type": item.type if item.HasField("type") else None, "name": item.name if item.HasField("name") else None,
                "description": item.description if item.HasField("description") else None,
                "quantity": Decimal(item.quantity), "unit_cost": money(item.unit_cost, cur), "amount": money(item.amount, cur),
                "discountable": item.discountable, "taxable": item.taxable,
                "discounts": adjustments_out(item.discounts, cur, "discount"),
                "taxes": adjustments_out(item.taxes, cur, "tax"), "metadata": dict(item.metadata.values),
            }
            for item in invoice.items
        ],
        "subtotal": money(invoice.subtotal, cur),
        "discounts": adjustments_out(invoice.discounts, cur, "discount"),
        "taxes": adjustments_out(invoice.taxes, cur, "tax"),
        "total": money(invoice.total, cur), "balance": money(invoice.balance, cur),
        "url": url, "payment_url": f"{url}/payment", "pdf_url": f"{url}/pdf",
        "metadata": dict(invoice.metadata.values), "created_at": invoice.created_at, "updated_at": invoice.updated_at,
    })  # fmt: skip
    return data


def presentation(settings: GatewaySettings, business: auth_pb2.Business) -> pb.Presentation:
    return pb.Presentation(business_name=business.display_name, portal_url=settings.portal_url(business.username))


def wants_customer(request: Request) -> bool:
    return "customer" in request.query_params.get("expand", "").split(",")


async def expand_customers(billing: BillingClient, rows: list[dict[str, Any]]) -> None:
    """Replaces customer ids with customer objects, all distinct customers in one lookup."""
    found = {c.id: c for c in await billing.customers_by_id(sorted({row["customer"] for row in rows}))}
    for row in rows:
        if row["customer"] not in found:
            raise NotFound(f"No such customer: {row['customer']}")
        row["customer"] = customer_json(found[row["customer"]])


async def currency_for_create(billing: BillingClient, body: dict[str, Any]) -> str:
    if body.get("currency") is not None:
        return normalize_currency(read_string(body["currency"], "currency"))
    customer_id = body.get("customer")
    if isinstance(customer_id, int) and not isinstance(customer_id, bool) and 0 < customer_id < 2**63:
        try:
            customer = await billing.get_customer(customer_id)
        except Exception:  # noqa: BLE001 - billing reports the unknown customer with the right message
            return "usd"
        if customer.HasField("currency") and customer.currency:
            return customer.currency
    return "usd"


@router.post("/invoices", status_code=201)
async def create_invoice(
    request: Request, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    body = parse_body(await request.body())
    if body.get("customer") is None:
        raise InvalidArgument("customer is required: the id of the customer to bill.", "customer")
    currency = await currency_for_create(billing, body)
    invoice = invoice_input(body, currency, creating=True)
    invoice.currency = currency
    created = await billing.create_invoice(invoice)
    return JsonResponse(invoice_json(created, settings.portal_url(business.username)), status_code=201)


@router.get("/invoices")
async def list_invoices(
    request: Request, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    page = page_of(request)
    invoices, total = await billing.list_invoices(
        page.to_pb(), bracketed(request, "filter"), bracketed(request, "metadata")
    )
    rows = [invoice_json(i, settings.portal_url(business.username)) for i in invoices]
    if wants_customer(request) and rows:
        await expand_customers(billing, rows)
    return JsonResponse(rows, headers=list_headers(request, page, total))


@router.get("/invoices/{invoice_id}")
async def get_invoice(
    invoice_id: ObjectId, request: Request, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> Response:
    if "application/pdf" in request.headers.get("accept", ""):
        pdf = await billing.invoice_pdf(invoice_id, presentation(settings, business))
        return Response(pdf.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'})  # fmt: skip
    row = invoice_json(await billing.get_invoice(invoice_id), settings.portal_url(business.username))
    if wants_customer(request):
        await expand_customers(billing, [row])
    return JsonResponse(row)


@router.patch("/invoices/{invoice_id}")
async def update_invoice(
    invoice_id: ObjectId, request: Request, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    body = parse_body(await request.body())
    currency = (await billing.get_invoice(invoice_id)).currency
    if body.get("currency") is not None:
        currency = normalize_currency(read_string(body["currency"], "currency"))
    changes = invoice_input(body, currency, creating=False)
    updated = await billing.update_invoice(invoice_id, changes)
    return JsonResponse(invoice_json(updated, settings.portal_url(business.username)))


@router.delete("/invoices/{invoice_id}", status_code=204)
async def delete_invoice(invoice_id: ObjectId, billing: ApiBilling) -> Response:
    await billing.delete_invoice(invoice_id)
    return Response(status_code=204)


@router.post("/invoices/{invoice_id}/void")
async def void_invoice(
    invoice_id: ObjectId, request: Request, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    parse_body(await request.body())
    voided = await billing.void_invoice(invoice_id)
    return JsonResponse(invoice_json(voided, settings.portal_url(business.username)))


def recipients_in(value: Any) -> list[pb.Recipient]:
    if not isinstance(value, list):
        raise InvalidArgument("to must be an array of {name, email}.", "to")
    recipients = []
    for index, entry in enumerate(value):
        where = f"to[{index}]"
        if not isinstance(entry, dict) or "email" not in entry:
            raise InvalidArgument(f"{where} must be an object with an email.", where)
        email = read_string(entry["email"], f"{where}.email", 254)
        if "@" not in email or email.startswith("@") or email.endswith("@") or any(c.isspace() for c in email):
            raise InvalidArgument(f"{where}.email is not a valid email address.", f"{where}.email")
        name = read_string(entry.get("name") or "", f"{where}.name", 200)
        recipients.append(pb.Recipient(name=name, email=email))
    return recipients


@router.post("/invoices/{invoice_id}/emails", status_code=201)
async def send_invoice(
    invoice_id: ObjectId, request: Request, business: ApiBusiness, billing: ApiBilling, settings: Settings
) -> JsonResponse:
    body = parse_body(await request.body())
    check_known(body, {"to", "bcc", "subject", "message", "template"})
    send = pb.SendInvoiceRequest(id=invoice_id, presentation=presentation(settings, business))
    if body.get("to") is not None:
        send.to.extend(recipients_in(body["to"]))
    if body.get("subject") is not None:
        send.subject = read_string(body["subject"], "subject", 300)
    if body.get("message") is not None:
        send.message = read_string(body["message"], "message", 10000)
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
