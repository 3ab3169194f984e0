"""/api/customers and /api/customers/{id}/contacts in Invoiced's shapes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import common_pb2
from portal.billing.v1 import customers_pb2 as pb

from services.gateway.api.fields import BOOL, STRING, check_known, fill_scalars, read_metadata, scalars_out
from services.gateway.api.jsonio import JsonResponse, parse_body
from services.gateway.api.pagination import bracketed, list_headers, page_of
from services.gateway.api.security import authenticate

router = APIRouter()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Business = auth_pb2.Business

CUSTOMER_FIELDS = {
    "name": STRING, "number": STRING, "email": STRING, "type": STRING, "autopay": BOOL, "payment_terms": STRING,
    "attention_to": STRING, "address1": STRING, "address2": STRING, "city": STRING, "state": STRING,
    "postal_code": STRING, "country": STRING, "language": STRING, "currency": STRING, "phone": STRING,
    "tax_id": STRING, "taxable": BOOL, "notes": STRING,
}  # fmt: skip
CONTACT_FIELDS = {
    "name": STRING, "title": STRING, "email": STRING, "phone": STRING, "primary": BOOL, "sms_enabled": BOOL,
    "department": STRING, "address1": STRING, "address2": STRING, "city": STRING, "state": STRING,
    "postal_code": STRING, "country": STRING,
}  # fmt: skip
# Shown for compatibility with Invoiced's customer object; features that fill them come in later issues.
CUSTOMER_EXTRAS: dict[str, Any] = {
    "payment_source": None, "autopay_delay_days": None, "chase": False, "credit_hold": False, "credit_limit": None,
    "owner": None, "parent_customer": None, "sign_up_page": None, "sign_up_url": None, "statement_pdf_url": None,
    "taxes": [], "chasing_cadence": None, "next_chase_step": None, "ach_gateway": None, "cc_gateway": None,
}  # fmt: skip


def customer_json(customer: pb.Customer) -> dict[str, Any]:
    data: dict[str, Any] = {"id": customer.id, "object": "customer"}
    data.update(scalars_out(customer, CUSTOMER_FIELDS))
    data["autopay"] = bool(data["autopay"])
    data["taxable"] = data["taxable"] if data["taxable"] is not None else True
    data.update(CUSTOMER_EXTRAS)
    data["metadata"] = dict(customer.metadata.values)
    data["created_at"] = customer.created_at
    data["updated_at"] = customer.updated_at
    return data


def contact_json(contact: pb.Contact) -> dict[str, Any]:
    data: dict[str, Any] = {"id": contact.id, "object": "contact", "customer": contact.customer}
    data.update(scalars_out(contact, CONTACT_FIELDS))
    data["primary"] = bool(data["primary"])
    data["sms_enabled"] = bool(data["sms_enabled"])
    data["created_at"] = contact.created_at
    data["updated_at"] = contact.updated_at
    return data


def customer_input(body: dict[str, Any], cleared: list[str] | None) -> pb.Customer:
    check_known(body, {*CUSTOMER_FIELDS, "metadata", "disabled_payment_methods"})
    customer = pb.Customer()
    fill_scalars(customer, body, CUSTOMER_FIELDS, cleared)
    if body.get("metadata") is not None:
        customer.metadata.values.update(read_metadata(body["metadata"]))
    elif "metadata" in body and cleared is not None:
        cleared.append("metadata")
    return customer


def contact_input(body: dict[str, Any], cleared: list[str] | None) -> pb.Contact:
    check_known(body, {*CONTACT_FIELDS, "customer"})
    contact = pb.Contact()
    fill_scalars(contact, body, CONTACT_FIELDS, cleared)
    return contact


@router.post("/customers", status_code=201)
async def create_customer(request: Request, business: Business = Depends(authenticate)) -> JsonResponse:
    body = parse_body(await request.body())
    backends = request.app.state.backends
    reply = await backends.call(
        backends.customers.CreateCustomer, pb.CreateCustomerRequest(customer=customer_input(body, None)), business.id
    )
    return JsonResponse(customer_json(reply.customer), status_code=201)


@router.get("/customers")
async def list_customers(request: Request, business: Business = Depends(authenticate)) -> JsonResponse:
    page = page_of(request)
    backends = request.app.state.backends
    reply = await backends.call(
        backends.customers.ListCustomers,
        pb.ListCustomersRequest(
            page=page.to_pb(), filter=bracketed(request, "filter"), metadata=bracketed(request, "metadata")
        ),
        business.id,
    )
    headers = list_headers(request, page, reply.page_info.total_count)
    return JsonResponse([customer_json(c) for c in reply.customers], headers=headers)


@router.get("/customers/{customer_id}")
async def get_customer(
    customer_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> JsonResponse:
    backends = request.app.state.backends
    reply = await backends.call(backends.customers.GetCustomer, pb.GetCustomerRequest(id=customer_id), business.id)
    return JsonResponse(customer_json(reply.customer))


@router.patch("/customers/{customer_id}")
async def update_customer(
    customer_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> JsonResponse:
    body = parse_body(await request.body())
    cleared: list[str] = []
    changes = customer_input(body, cleared)
    backends = request.app.state.backends
    reply = await backends.call(
        backends.customers.UpdateCustomer,
        pb.UpdateCustomerRequest(id=customer_id, changes=changes, cleared=cleared),
        business.id,
    )
    return JsonResponse(customer_json(reply.customer))


@router.delete("/customers/{customer_id}", status_code=204)
async def delete_customer(
    customer_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> Response:
    backends = request.app.state.backends
    await backends.call(backends.customers.DeleteCustomer, pb.DeleteCustomerRequest(id=customer_id), business.id)
    return Response(status_code=204)


@router.post("/customers/{customer_id}/contacts", status_code=201)
async def create_contact(
    customer_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> JsonResponse:
    body = parse_body(await request.body())
    backends = request.app.state.backends
    reply = await backends.call(
        backends.customers.CreateContact,
        pb.CreateContactRequest(customer_id=customer_id, contact=contact_input(body, None)),
        business.id,
    )
    return JsonResponse(contact_json(reply.contact), status_code=201)


@router.get("/customers/{customer_id}/contacts")
async def list_contacts(
    customer_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> JsonResponse:
    page = page_of(request)
    backends = request.app.state.backends
    reply = await backends.call(
        backends.customers.ListContacts,
        pb.ListContactsRequest(
            customer_id=customer_id, page=common_pb2.PageRequest(page=page.page, per_page=page.per_page)
        ),
        business.id,
    )
    headers = list_headers(request, page, reply.page_info.total_count)
    return JsonResponse([contact_json(c) for c in reply.contacts], headers=headers)


@router.get("/customers/{customer_id}/contacts/{contact_id}")
async def get_contact(
    customer_id: ObjectId, contact_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> JsonResponse:
    backends = request.app.state.backends
    reply = await backends.call(
        backends.customers.GetContact, pb.GetContactRequest(customer_id=customer_id, id=contact_id), business.id
    )
    return JsonResponse(contact_json(reply.contact))


@router.patch("/customers/{customer_id}/contacts/{contact_id}")
async def update_contact(
    customer_id: ObjectId, contact_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> JsonResponse:
    body = parse_body(await request.body())
    cleared: list[str] = []
    changes = contact_input(body, cleared)
    backends = request.app.state.backends
    reply = await backends.call(
        backends.customers.UpdateContact,
        pb.UpdateContactRequest(customer_id=customer_id, id=contact_id, changes=changes, cleared=cleared),
        business.id,
    )
    return JsonResponse(contact_json(reply.contact))


@router.delete("/customers/{customer_id}/contacts/{contact_id}", status_code=204)
async def delete_contact(
    customer_id: ObjectId, contact_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> Response:
    backends = request.app.state.backends
    await backends.call(
        backends.customers.DeleteContact, pb.DeleteContactRequest(customer_id=customer_id, id=contact_id), business.id
    )
    return Response(status_code=204)
