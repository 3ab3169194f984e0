"""/api/customers and /api/customers/{id}/contacts in Invoiced's shapes."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response
from portal.billing.v1 import customers_pb2 as pb
from portal_kit.errors import Unavailable

from services.gateway.api.fields import copy_scalars, scalars_out
from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.models import (
    Contact,
    ContactCreate,
    ContactFields,
    ContactUpdate,
    Customer,
    CustomerCreate,
    CustomerFields,
    CustomerUpdate,
)
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
from services.gateway.deps import ApiAuth, ApiBilling, ApiBusiness, Settings, backends_of

log = logging.getLogger("gateway.api.customers")

router = api_router()


def api_portal_url(business: ApiBusiness, settings: Settings) -> str:
    return settings.portal_url(business.username)


PortalUrl = Annotated[str, Depends(api_portal_url)]
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]

CUSTOMER_FIELDS = ("name", "number", "email", "type", "autopay", "payment_terms", "attention_to", "address1",
                   "address2", "city", "state", "postal_code", "country", "language", "currency", "phone", "tax_id",
                   "taxable", "notes")  # fmt: skip
CONTACT_FIELDS = ("name", "title", "email", "phone", "primary", "sms_enabled", "department", "address1", "address2",
                  "city", "state", "postal_code", "country")  # fmt: skip
# Shown for compatibility with Invoiced's customer object; features that fill them come in later issues.
CUSTOMER_EXTRAS: dict[str, Any] = {
    "payment_source": None, "autopay_delay_days": None, "chase": False, "credit_hold": False, "credit_limit": None,
    "owner": None, "parent_customer": None, "sign_up_page": None, "sign_up_url": None, "statement_pdf_url": None,
    "taxes": [], "chasing_cadence": None, "next_chase_step": None, "ach_gateway": None, "cc_gateway": None,
}  # fmt: skip


def customer_json(customer: pb.Customer, portal_url: str | None = None) -> dict[str, Any]:
    """`portal_url` (the business's portal) gives the customer its statement link when billing sent its token."""
    data: dict[str, Any] = {"id": customer.id, "object": "customer"}
    data.update(scalars_out(customer, CUSTOMER_FIELDS))
    data["autopay"] = bool(data["autopay"])
    data["taxable"] = data["taxable"] if data["taxable"] is not None else True
    data.update(CUSTOMER_EXTRAS)
    if portal_url is not None and customer.statement_token:
        data["statement_pdf_url"] = f"{portal_url}/statements/{customer.statement_token}/pdf"
    data["metadata"] = dict(customer.metadata.values)
    data["created_at"] = customer.created_at
    data["updated_at"] = customer.updated_at
    return data


async def with_sign_up_urls(
    request: Request, business: ApiBusiness, portal_url: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each customer's `sign_up_page` and `sign_up_url` (the business's default sign-up page, prefilled for it).

    Sign-up pages live in the subscriptions service; while it is down the customers API keeps answering, with
    these two fields null (and a warning in the log)."""
    if not rows:
        return rows
    try:
        links = await backends_of(request).sign_up_pages(business.id).customer_links([row["id"] for row in rows])
    except Unavailable:
        log.warning("sign_up_url left out: the subscriptions service is unavailable")
        return rows
    for row in rows:
        token = links.tokens.get(row["id"])
        if links.sign_up_page and token:
            row["sign_up_page"] = links.sign_up_page
            row["sign_up_url"] = f"{portal_url}/sign_up/{token}"
    return rows


def contact_json(contact: pb.Contact) -> dict[str, Any]:
    data: dict[str, Any] = {"id": contact.id, "object": "contact", "customer": contact.customer}
    data.update(scalars_out(contact, CONTACT_FIELDS))
    data["primary"] = bool(data["primary"])
    data["sms_enabled"] = bool(data["sms_enabled"])
    data["created_at"] = contact.created_at
    data["updated_at"] = contact.updated_at
    return data


def customer_input(body: CustomerFields, cleared: list[str] | None) -> pb.Customer:
    customer = pb.Customer()
    copy_scalars(customer, body, CUSTOMER_FIELDS, cleared)
    if body.metadata is not None:
        customer.metadata.values.update(body.metadata)
    elif "metadata" in body.model_fields_set and cleared is not None:
        cleared.append("metadata")
    return customer


def contact_input(body: ContactFields, cleared: list[str] | None) -> pb.Contact:
    contact = pb.Contact()
    copy_scalars(contact, body, CONTACT_FIELDS, cleared)
    return contact


@router.post("/customers", status_code=201, response_model=Customer, responses=errors())
async def create_customer(
    request: Request, body: CustomerCreate, business: ApiBusiness, billing: ApiBilling, portal_url: PortalUrl
) -> JsonResponse:
    customer = await billing.create_customer(customer_input(body, None))
    rows = await with_sign_up_urls(request, business, portal_url, [customer_json(customer, portal_url)])
    return JsonResponse(rows[0], status_code=201)


@router.get("/customers", response_model=list[Customer], responses=errors(), openapi_extra=LIST_PARAMETERS)
async def list_customers(
    request: Request,
    business: ApiBusiness,
    billing: ApiBilling,
    portal_url: PortalUrl,
    page: PageNumber = 1,
    per_page: PerPage = 100,
    cursor: PageCursor = None,
) -> JsonResponse:
    current = page_of(page, per_page, cursor)
    customers, info = await billing.list_customers(
        current.to_pb(), bracketed(request, "filter"), bracketed(request, "metadata")
    )
    headers = list_headers(request, current, info)
    rows = await with_sign_up_urls(request, business, portal_url, [customer_json(c, portal_url) for c in customers])
    return JsonResponse(rows, headers=headers)


@router.get("/customers/{customer_id}", response_model=Customer, responses=errors(404))
async def get_customer(
    request: Request, customer_id: ObjectId, business: ApiBusiness, billing: ApiBilling, portal_url: PortalUrl
) -> JsonResponse:
    row = customer_json(await billing.get_customer(customer_id), portal_url)
    return JsonResponse((await with_sign_up_urls(request, business, portal_url, [row]))[0])


@router.patch("/customers/{customer_id}", response_model=Customer, responses=errors(404))
async def update_customer(
    request: Request,
    customer_id: ObjectId,
    body: CustomerUpdate,
    business: ApiBusiness,
    billing: ApiBilling,
    portal_url: PortalUrl,
) -> JsonResponse:
    cleared: list[str] = []
    changes = customer_input(body, cleared)
    row = customer_json(await billing.update_customer(customer_id, changes, cleared), portal_url)
    return JsonResponse((await with_sign_up_urls(request, business, portal_url, [row]))[0])


@router.delete("/customers/{customer_id}", status_code=204, response_class=Response, responses=errors(404))
async def delete_customer(customer_id: ObjectId, billing: ApiBilling, auth: ApiAuth) -> Response:
    """Deleting a customer ends its portal sessions too (auth tells every gateway to drop its copies)."""
    await billing.delete_customer(customer_id)
    await auth.end_customer_sessions(customer_id)
    return Response(status_code=204)


@router.post("/customers/{customer_id}/contacts", status_code=201, response_model=Contact, responses=errors(404))
async def create_contact(customer_id: ObjectId, body: ContactCreate, billing: ApiBilling) -> JsonResponse:
    contact = await billing.create_contact(customer_id, contact_input(body, None))
    return JsonResponse(contact_json(contact), status_code=201)


@router.get("/customers/{customer_id}/contacts", response_model=list[Contact], responses=errors(404))
async def list_contacts(
    customer_id: ObjectId, request: Request, billing: ApiBilling, page: PageNumber = 1, per_page: PerPage = 100
) -> JsonResponse:
    current = page_of(page, per_page)
    contacts, info = await billing.list_contacts(customer_id, current.to_pb())
    headers = list_headers(request, current, info)
    return JsonResponse([contact_json(c) for c in contacts], headers=headers)


@router.get("/customers/{customer_id}/contacts/{contact_id}", response_model=Contact, responses=errors(404))
async def get_contact(customer_id: ObjectId, contact_id: ObjectId, billing: ApiBilling) -> JsonResponse:
    return JsonResponse(contact_json(await billing.get_contact(customer_id, contact_id)))


@router.patch("/customers/{customer_id}/contacts/{contact_id}", response_model=Contact, responses=errors(404))
async def update_contact(
    customer_id: ObjectId, contact_id: ObjectId, body: ContactUpdate, billing: ApiBilling
) -> JsonResponse:
    cleared: list[str] = []
    changes = contact_input(body, cleared)
    return JsonResponse(contact_json(await billing.update_contact(customer_id, contact_id, changes, cleared)))


@router.delete(
    "/customers/{customer_id}/contacts/{contact_id}", status_code=204, response_class=Response, responses=errors(404)
)
async def delete_contact(customer_id: ObjectId, contact_id: ObjectId, billing: ApiBilling) -> Response:
    await billing.delete_contact(customer_id, contact_id)
    return Response(status_code=204)
