"""/api/sign_up_pages in Invoiced's shapes: plans as ids in, plan objects out; `url` is the public page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response
from portal.billing.v1 import common_pb2
from portal.subscriptions.v1 import plans_pb2
from portal.subscriptions.v1 import subscriptions_pb2 as pb

from services.gateway.api.invoices import money
from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.pagination import PageNumber, PerPage, list_headers, page_of
from services.gateway.api.routing import api_router, errors
from services.gateway.api.sign_up_page_models import SignUpPage, SignUpPageCreate, SignUpPageFields, SignUpPageUpdate
from services.gateway.clients.sign_up_pages import SignUpPagesClient
from services.gateway.deps import ApiBusiness, Settings, backends_of

router = api_router()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SCALARS = ("name", "type", "has_quantity", "trial_period_days", "billing_address", "shipping_address",
           "allow_multiple_subscriptions", "header_text", "thanks_text", "tos_url", "thanks_url", "is_default")  # fmt: skip
COMPATIBLE = ("setup_fee", "taxes", "snap_to_nth_day", "has_coupon_code", "custom_fields")


async def api_sign_up_pages(request: Request, business: ApiBusiness) -> SignUpPagesClient:
    return backends_of(request).sign_up_pages(business.id)


ApiSignUpPages = Annotated[SignUpPagesClient, Depends(api_sign_up_pages)]


def plan_json(plan: plans_pb2.Plan) -> dict[str, Any]:
    return {
        "id": plan.id, "object": "plan", "name": plan.name, "currency": plan.currency,
        "amount": money(plan.amount, plan.currency), "interval": plan.interval, "interval_count": plan.interval_count,
        "pricing_mode": "per_unit", "quantity_type": "constant", "metadata": dict(plan.metadata),
        "created_at": plan.created_at,
    }  # fmt: skip


def page_url(portal_url: str, page: pb.SignUpPage) -> str:
    return f"{portal_url}/pages/{page.token}"


def sign_up_page_json(
    reply: pb.SignUpPageResponse | pb.SignUpPage, portal_url: str, plans: list[Any]
) -> dict[str, Any]:
    page = reply.page if isinstance(reply, pb.SignUpPageResponse) else reply
    by_id = {p.id: p for p in plans}
    return {
        "id": page.id, "object": "sign_up_page", "name": page.name, "type": page.type,
        "plans": [plan_json(by_id[p]) for p in page.plans if p in by_id],
        "setup_fee": None, "taxes": [], "has_quantity": page.has_quantity,
        "trial_period_days": page.trial_period_days, "snap_to_nth_day": None, "has_coupon_code": False,
        "header_text": page.header_text, "thanks_text": page.thanks_text,
        "billing_address": page.billing_address, "shipping_address": page.shipping_address, "custom_fields": [],
        "tos_url": page.tos_url if page.HasField("tos_url") else None,
        "thanks_url": page.thanks_url if page.HasField("thanks_url") else None,
        "allow_multiple_subscriptions": page.allow_multiple_subscriptions, "is_default": page.is_default,
        "url": page_url(portal_url, page), "metadata": dict(page.metadata),
        "created_at": page.created_at, "updated_at": page.updated_at,
    }  # fmt: skip


def _reply_json(reply: pb.SignUpPageResponse, portal_url: str) -> dict[str, Any]:
    return sign_up_page_json(reply, portal_url, list(reply.plans))


def page_input(body: SignUpPageFields) -> tuple[pb.SignUpPage, list[str]]:
    """The page message and the names of the fields the body sets."""
    page = pb.SignUpPage()
    fields: list[str] = []
    for name, value in body.given().items():
        if name in COMPATIBLE:
            continue
        fields.append(name)
        if value is None:
            continue  # an explicit null: the field in `fields` with its empty value clears it
        if name == "plans":
            page.plans.extend(value)
        elif name == "metadata":
            page.metadata.update(value)
        else:
            setattr(page, name, value)
    return page, fields


@router.post("/sign_up_pages", status_code=201, response_model=SignUpPage, responses=errors())
async def create_sign_up_page(
    body: SignUpPageCreate, business: ApiBusiness, pages: ApiSignUpPages, settings: Settings
) -> JsonResponse:
    page, _ = page_input(body)
    created = await pages.create(page)
    return JsonResponse(_reply_json(created, settings.portal_url(business.username)), status_code=201)


@router.get("/sign_up_pages", response_model=list[SignUpPage], responses=errors())
async def list_sign_up_pages(
    request: Request,
    business: ApiBusiness,
    pages: ApiSignUpPages,
    settings: Settings,
    page: PageNumber = 1,
    per_page: PerPage = 100,
) -> JsonResponse:
    current = page_of(page, per_page)
    listed = await pages.list_pages(current.page, current.per_page)
    portal_url = settings.portal_url(business.username)
    rows = [sign_up_page_json(p, portal_url, list(listed.plans)) for p in listed.pages]
    info = common_pb2.PageInfo(total_count=listed.total_count)
    return JsonResponse(rows, headers=list_headers(request, current, info))


@router.get("/sign_up_pages/{page_id}", response_model=SignUpPage, responses=errors(404))
async def get_sign_up_page(
    page_id: ObjectId, business: ApiBusiness, pages: ApiSignUpPages, settings: Settings
) -> JsonResponse:
    return JsonResponse(_reply_json(await pages.get(page_id), settings.portal_url(business.username)))


@router.patch("/sign_up_pages/{page_id}", response_model=SignUpPage, responses=errors(404))
async def update_sign_up_page(
    page_id: ObjectId, body: SignUpPageUpdate, business: ApiBusiness, pages: ApiSignUpPages, settings: Settings
) -> JsonResponse:
    page, fields = page_input(body)
    updated = await pages.update(page_id, page, fields)
    return JsonResponse(_reply_json(updated, settings.portal_url(business.username)))


@router.delete("/sign_up_pages/{page_id}", status_code=204, responses=errors(404))
async def delete_sign_up_page(page_id: ObjectId, pages: ApiSignUpPages) -> Response:
    """Deletes the page: its public url answers 404 from then on."""
    await pages.delete(page_id)
    return Response(status_code=204)
