"""/api/plans and /api/subscriptions in Invoiced's shapes. Amounts are major-unit decimals here and exact minor
units inside; a subscription's `url` is its customer's Manage Subscription page in the business's portal."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from portal.billing.v1 import common_pb2
from portal.subscriptions.v1 import plans_pb2
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal_kit.errors import InvalidArgument
from portal_kit.money import normalize_currency, to_minor

from services.gateway.api.invoices import decimal_text, money
from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.pagination import LIST_PARAMETERS, PageNumber, PerPage, bracketed, list_headers, page_of
from services.gateway.api.routing import api_router, errors
from services.gateway.api.subscription_models import (
    Plan,
    PlanCreate,
    PlanUpdate,
    Preview,
    Subscription,
    SubscriptionCancel,
    SubscriptionCreate,
    SubscriptionFields,
    SubscriptionPreview,
    SubscriptionUpdate,
)
from services.gateway.deps import ApiBusiness, ApiSubscriptions, Settings

router = api_router()
PlanPath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Switch = Annotated[str | None, Query(max_length=5, description="true/false (also True/False, 1/0)")]
SUBSCRIPTION_FILTERS = {"customer", "plan"}
CLEARABLE = ("amount", "cycles", "trial_end")


def flag(value: str | None, param: str) -> bool:
    """A boolean query parameter in any of the spellings clients send (Python's True/False, 1/0, true/false)."""
    if value is None:
        return False
    spelled = value.strip().lower()
    if spelled in ("true", "1"):
        return True
    if spelled in ("false", "0", ""):
        return False
    raise InvalidArgument(f"{param} must be true or false.", param)


# Plans ---------------------------------------------------------------------------------------------------------


def plan_json(plan: plans_pb2.Plan) -> dict[str, Any]:
    return {
        "id": plan.id, "object": "plan", "name": plan.name, "currency": plan.currency,
        "amount": money(plan.amount, plan.currency), "pricing_mode": "per_unit", "quantity_type": "constant",
        "interval": plan.interval, "interval_count": plan.interval_count, "tiers": None, "catalog_item": None,
        "metadata": dict(plan.metadata), "created_at": plan.created_at, "updated_at": plan.updated_at,
    }  # fmt: skip


@router.post("/plans", status_code=201, response_model=Plan, responses=errors())
async def create_plan(body: PlanCreate, subscriptions: ApiSubscriptions) -> JsonResponse:
    currency = normalize_currency(body.currency)
    plan = plans_pb2.Plan(
        id=body.id or "",
        name=body.name,
        currency=currency,
        amount=to_minor(body.amount, currency, "amount"),
        interval=body.interval,
        interval_count=body.interval_count or 1,
        metadata=body.metadata or {},
    )
    return JsonResponse(plan_json(await subscriptions.create_plan(plan)), 201)


@router.get("/plans", response_model=list[Plan], responses=errors())
async def list_plans(
    request: Request, subscriptions: ApiSubscriptions, page: PageNumber = 1, per_page: PerPage = 100
) -> JsonResponse:
    current = page_of(page, per_page)
    found, total = await subscriptions.list_plans(current.page, current.per_page)
    info = common_pb2.PageInfo(total_count=total)
    return JsonResponse([plan_json(p) for p in found], headers=list_headers(request, current, info))


@router.get("/plans/{plan_id}", response_model=Plan, responses=errors(404))
async def get_plan(plan_id: PlanPath, subscriptions: ApiSubscriptions) -> JsonResponse:
    return JsonResponse(plan_json(await subscriptions.get_plan(plan_id)))


@router.patch("/plans/{plan_id}", response_model=Plan, responses=errors(404))
async def update_plan(plan_id: PlanPath, body: PlanUpdate, subscriptions: ApiSubscriptions) -> JsonResponse:
    """Name and metadata change; currency, amount and interval are fixed (a different value is a 400)."""
    given = body.given()
    request = plans_pb2.UpdatePlanRequest(id=plan_id)
    if given.get("name") is not None:
        request.name = given["name"]
    if "metadata" in given:
        request.metadata_set = True
        request.metadata.update(given["metadata"] or {})
    fixed = {name for name in ("currency", "amount", "interval", "interval_count") if name in given}
    if fixed:
        current = await subscriptions.get_plan(plan_id)
        if given.get("currency") is not None:
            request.currency = normalize_currency(given["currency"])
        if given.get("amount") is not None:
            request.amount = to_minor(given["amount"], current.currency, "amount")
        if given.get("interval") is not None:
            request.interval = given["interval"]
        if given.get("interval_count") is not None:
            request.interval_count = given["interval_count"]
        for name in fixed:
            if given[name] is None:
                raise InvalidArgument(f"A plan's {name} cannot be cleared.", name)
    return JsonResponse(plan_json(await subscriptions.update_plan(request)))


@router.delete("/plans/{plan_id}", status_code=204, response_class=Response, responses=errors(404))
async def delete_plan(plan_id: PlanPath, subscriptions: ApiSubscriptions) -> Response:
    """Refused (400) while a live subscription bills the plan."""
    await subscriptions.delete_plan(plan_id)
    return Response(status_code=204)


# Subscriptions -------------------------------------------------------------------------------------------------


def subscription_json(sub: pb.Subscription, portal_url: str) -> dict[str, Any]:
    cur = sub.currency
    addons = [
        {
            "id": a.id,
            "object": "subscription_addon",
            "plan": a.plan,
            "quantity": a.quantity,
            "description": a.description if a.HasField("description") else None,
            "amount": money(a.amount, cur) if a.HasField("amount") else None,
            "created_at": a.created_at,
            "updated_at": a.updated_at,
        }  # fmt: skip
        for a in sub.addons
    ]
    return {
        "id": sub.id, "object": "subscription", "customer": sub.customer, "plan": sub.plan, "quantity": sub.quantity,
        "amount": money(sub.amount, cur) if sub.HasField("amount") else None, "currency": cur,
        "start_date": sub.start_date, "bill_in": "advance", "bill_in_advance_days": 0,
        "cycles": sub.cycles if sub.HasField("cycles") else None,
        "period_start": sub.period_start, "period_end": sub.period_end,
        "cancel_at_period_end": sub.cancel_at_period_end,
        "canceled_at": sub.canceled_at if sub.HasField("canceled_at") else None,
        "canceled_reason": sub.canceled_reason if sub.HasField("canceled_reason") else None,
        "status": sub.status, "paused": sub.paused,
        "trial_end": sub.trial_end if sub.HasField("trial_end") else None,
        "contract_period_start": None, "contract_period_end": None, "contract_renewal_cycles": None,
        "contract_renewal_mode": "none", "addons": addons, "discounts": [], "taxes": [], "ship_to": None,
        "recurring_total": money(sub.recurring_total, cur), "mrr": money(sub.mrr, cur),
        "url": f"{portal_url}/subscriptions/{sub.manage_token}" if sub.manage_token else None,
        "metadata": dict(sub.metadata), "created_at": sub.created_at, "updated_at": sub.updated_at,
    }  # fmt: skip


def subscription_input(body: SubscriptionFields, creating: bool) -> pb.SubscriptionInput:
    """The body as the service's input: amounts stay exact decimals (the service knows the plan's currency)."""
    given = body.given()
    message = pb.SubscriptionInput()
    for name in ("customer", "plan", "quantity", "start_date", "cycles", "cancel_at_period_end", "trial_end"):
        if given.get(name) is not None:
            setattr(message, name, given[name])
    if given.get("amount") is not None:
        message.amount_decimal = decimal_text(given["amount"])
    if not creating:
        message.cleared.extend(name for name in CLEARABLE if name in given and given[name] is None)
        for name in ("plan", "quantity", "start_date", "cancel_at_period_end", "customer"):
            if name in given and given[name] is None:
                raise InvalidArgument(f"{name} cannot be cleared.", name)
    if body.addons is not None:
        addons = message.addons
        addons.SetInParent()
        for entry in body.addons:
            addon = pb.AddonInput(plan=entry.plan, quantity=entry.quantity or 1)
            if entry.description is not None:
                addon.description = entry.description
            if entry.amount is not None:
                addon.amount_decimal = decimal_text(entry.amount)
            addons.addons.append(addon)
    elif "addons" in given and not creating:
        message.addons.SetInParent()  # null: no addons
    if "metadata" in given:
        message.metadata_set = True
        message.metadata.update(given["metadata"] or {})
    if isinstance(body, SubscriptionUpdate):
        if body.prorate is not None:
            message.prorate = body.prorate
        if body.proration_date is not None:
            message.proration_date = body.proration_date
    return message


def _portal(settings: Settings, business: ApiBusiness) -> str:
    return settings.portal_url(business.username)


@router.post("/subscriptions", status_code=201, response_model=Subscription, responses=errors())
async def create_subscription(
    body: SubscriptionCreate, business: ApiBusiness, subscriptions: ApiSubscriptions, settings: Settings
) -> JsonResponse:
    created = await subscriptions.create_subscription(subscription_input(body, creating=True))
    return JsonResponse(subscription_json(created, _portal(settings, business)), 201)


@router.post("/subscriptions/preview", response_model=Preview, responses=errors())
async def preview_subscription(body: SubscriptionPreview, subscriptions: ApiSubscriptions) -> JsonResponse:
    """The first invoice (`id` null), recurring_total and mrr of the subscription this would create; creates nothing."""
    reply = await subscriptions.preview_subscription(subscription_input(body, creating=True))
    cur = reply.currency
    invoice = reply.first_invoice
    items: list[dict[str, Any]] = [
        {
            "id": None,
            "object": "line_item",
            "catalog_item": None,
            "type": "plan",
            "name": line.name,
            "description": line.description,
            "quantity": Decimal(line.quantity),
            "unit_cost": money(line.unit_cost, cur),
            "amount": money(line.amount, cur),
            "plan": line.plan or None,
            "period_start": line.period_start,
            "period_end": line.period_end,
            "prorated": line.proration,
            "discountable": True,
            "taxable": True,
            "discounts": [],
            "taxes": [],
            "metadata": {},
        }  # fmt: skip
        for line in invoice.lines
    ]
    first = {
        "id": None, "object": "invoice", "customer": body.customer, "currency": cur, "date": invoice.date,
        "items": items, "subtotal": money(invoice.subtotal, cur), "discounts": [], "taxes": [],
        "total": money(invoice.total, cur), "balance": money(invoice.total, cur),
    }  # fmt: skip
    return JsonResponse(
        {"first_invoice": first, "recurring_total": money(reply.recurring_total, cur), "mrr": money(reply.mrr, cur)}
    )


@router.get("/subscriptions", response_model=list[Subscription], responses=errors(), openapi_extra=LIST_PARAMETERS)
async def list_subscriptions(
    request: Request,
    business: ApiBusiness,
    subscriptions: ApiSubscriptions,
    settings: Settings,
    page: PageNumber = 1,
    per_page: PerPage = 100,
    canceled: Switch = None,
    finished: Switch = None,
) -> JsonResponse:
    """Live subscriptions (not canceled, not finished) by default; `canceled=true` / `finished=true` list those."""
    current = page_of(page, per_page)
    query = pb.ListSubscriptionsRequest(page=current.page, per_page=current.per_page,
                                        canceled=flag(canceled, "canceled"), finished=flag(finished, "finished"))  # fmt: skip
    filters = bracketed(request, "filter")
    unknown = sorted(set(filters) - SUBSCRIPTION_FILTERS)
    if unknown:
        raise InvalidArgument(f"Subscriptions cannot be filtered by {unknown[0]}.", f"filter[{unknown[0]}]")
    if "customer" in filters:
        if not filters["customer"].isdigit() or len(filters["customer"]) > 18:
            raise InvalidArgument("filter[customer] must be a customer id.", "filter[customer]")
        query.customer = int(filters["customer"])
    if "plan" in filters:
        query.plan = filters["plan"]
    reply = await subscriptions.list_subscriptions(query)
    rows = [subscription_json(s, _portal(settings, business)) for s in reply.subscriptions]
    info = common_pb2.PageInfo(total_count=reply.total_count, last_page=reply.last_page)
    return JsonResponse(rows, headers=list_headers(request, current, info))


@router.get("/subscriptions/{subscription_id}", response_model=Subscription, responses=errors(404))
async def get_subscription(
    subscription_id: ObjectId, business: ApiBusiness, subscriptions: ApiSubscriptions, settings: Settings
) -> JsonResponse:
    found = await subscriptions.get_subscription(subscription_id)
    return JsonResponse(subscription_json(found, _portal(settings, business)))


@router.patch("/subscriptions/{subscription_id}", response_model=Subscription, responses=errors(404))
async def update_subscription(
    subscription_id: ObjectId,
    body: SubscriptionUpdate,
    business: ApiBusiness,
    subscriptions: ApiSubscriptions,
    settings: Settings,
) -> JsonResponse:
    updated = await subscriptions.update_subscription(subscription_id, subscription_input(body, creating=False))
    return JsonResponse(subscription_json(updated, _portal(settings, business)))


@router.delete("/subscriptions/{subscription_id}", response_model=Subscription, responses=errors(404))
async def cancel_subscription(
    subscription_id: ObjectId,
    business: ApiBusiness,
    subscriptions: ApiSubscriptions,
    settings: Settings,
    canceled_reason: Annotated[str | None, Query(max_length=1000)] = None,
    cancel_at_period_end: Switch = None,
    body: SubscriptionCancel | None = None,
) -> JsonResponse:
    """Cancels (never erases): 200 with the subscription, `status` canceled and `canceled_at` set; with
    `cancel_at_period_end=true` it runs to `period_end` and ends then. The reason may come in the query or body."""
    request = pb.CancelSubscriptionRequest(id=subscription_id)
    reason = body.canceled_reason if body is not None and body.canceled_reason is not None else canceled_reason
    if reason is not None:
        request.reason = reason
    at_end = body.cancel_at_period_end if body is not None and body.cancel_at_period_end is not None else None
    request.at_period_end = at_end if at_end is not None else flag(cancel_at_period_end, "cancel_at_period_end")
    canceled = await subscriptions.cancel_subscription(request)
    return JsonResponse(subscription_json(canceled, _portal(settings, business)))
