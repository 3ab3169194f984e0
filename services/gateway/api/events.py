"""/api/events: billing's event log in Invoiced's Event shape, newest first.

Each event carries its object as the object's own protobuf message (google.protobuf.Any); it is shown exactly as
the object's endpoint shows it, by the renderer registered for its message type below. A new kind of object
(estimates, comments, ...) registers its renderer in RENDERERS. Objects in the log carry no bearer tokens, so
their portal URLs are null there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path, Query, Request
from google.protobuf import any_pb2
from google.protobuf.message import Message
from portal.billing.v1 import card_payments_pb2, customers_pb2, estimates_pb2, event_log_pb2, invoices_pb2, payments_pb2
from portal.subscriptions.v1 import subscriptions_pb2
from portal_kit.errors import InvalidArgument

from services.gateway.api.card_payments import source_json
from services.gateway.api.customers import contact_json, customer_json
from services.gateway.api.estimates import estimate_json
from services.gateway.api.invoices import invoice_json
from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.pagination import LIST_PARAMETERS, PageNumber, PerPage, bracketed, list_headers, page_of
from services.gateway.api.payment_models import Event
from services.gateway.api.payments import payment_json
from services.gateway.api.routing import api_router, errors
from services.gateway.api.subscriptions import subscription_json
from services.gateway.deps import ApiBilling, ApiBusiness, Settings

router = api_router()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
RelatedTo = Annotated[
    str | None, Query(max_length=100, description="<object>,<id>: events about it, e.g. customer,123")
]
Renderer = Callable[[Any, str], dict[str, Any]]
TOKEN_URLS = ("url", "payment_url", "pdf_url")


def _invoice(message: invoices_pb2.Invoice, portal_url: str) -> dict[str, Any]:
    data = invoice_json(message, portal_url)
    return {**data, **dict.fromkeys(TOKEN_URLS)} if not message.link_token else data


def _estimate(message: estimates_pb2.Estimate, portal_url: str) -> dict[str, Any]:
    """As /api/estimates shows it; the log keeps no link token, so url and pdf_url are null."""
    data = estimate_json(message, portal_url, "/api")
    return {**data, "url": None, "pdf_url": None} if not message.link_token else data


# message full name -> (message class, renderer)
RENDERERS: dict[str, tuple[type[Message], Renderer]] = {
    invoices_pb2.Invoice.DESCRIPTOR.full_name: (invoices_pb2.Invoice, _invoice),
    customers_pb2.Customer.DESCRIPTOR.full_name: (customers_pb2.Customer, lambda m, _: customer_json(m)),
    customers_pb2.Contact.DESCRIPTOR.full_name: (customers_pb2.Contact, lambda m, _: contact_json(m)),
    payments_pb2.Payment.DESCRIPTOR.full_name: (payments_pb2.Payment, payment_json),
    estimates_pb2.Estimate.DESCRIPTOR.full_name: (estimates_pb2.Estimate, _estimate),
    card_payments_pb2.PaymentSource.DESCRIPTOR.full_name: (
        card_payments_pb2.PaymentSource,
        lambda m, _: source_json(m),
    ),
    # the log's copies carry no Manage Subscription token: url is null there
    subscriptions_pb2.Subscription.DESCRIPTOR.full_name: (subscriptions_pb2.Subscription, subscription_json),
}


def render(packed: any_pb2.Any, portal_url: str) -> dict[str, Any]:
    known = RENDERERS.get(packed.TypeName())
    if known is None:
        return {"object": packed.TypeName().rsplit(".", 1)[-1].lower()}
    cls, renderer = known
    message = cls()
    packed.Unpack(message)
    return renderer(message, portal_url)


def user_json(actor: str) -> dict[str, Any]:
    kind, _, rest = actor.partition(":")
    customer = rest.partition("/")[0]
    return {
        "object": "user",
        "type": "api" if kind == "business" else kind,
        "customer": int(customer) if customer.isdigit() else None,
    }


def event_json(event: event_log_pb2.Event, portal_url: str) -> dict[str, Any]:
    after = render(event.object, portal_url)
    data: dict[str, Any] = {"object": after}
    if event.HasField("previous"):
        before = render(event.previous, portal_url)
        data["previous"] = {key: value for key, value in before.items() if after.get(key) != value}
    return {
        "id": event.id, "object": "event", "type": event.type, "timestamp": event.timestamp, "data": data,
        "user": user_json(event.actor),
    }  # fmt: skip


def related(value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    kind, _, raw_id = value.partition(",")
    if not kind or not raw_id.isdigit() or len(raw_id) > 18:
        raise InvalidArgument("related_to must be '<object>,<id>', e.g. customer,123.", "related_to")
    return kind.strip(), int(raw_id)


@router.get("/events", response_model=list[Event], responses=errors(), openapi_extra=LIST_PARAMETERS)
async def list_events(
    request: Request,
    business: ApiBusiness,
    billing: ApiBilling,
    settings: Settings,
    page: PageNumber = 1,
    per_page: PerPage = 100,
    related_to: RelatedTo = None,
) -> JsonResponse:
    current = page_of(page, per_page)
    query = event_log_pb2.ListEventsRequest(page=current.to_pb())
    filters = bracketed(request, "filter")
    unknown = sorted(set(filters) - {"type"})
    if unknown:
        raise InvalidArgument(f"Events cannot be filtered by {unknown[0]}.", f"filter[{unknown[0]}]")
    if "type" in filters:
        query.type = filters["type"]
    if (about := related(related_to)) is not None:
        query.related_object_type, query.related_object_id = about
    events, info = await billing.list_events(query)
    portal_url = settings.portal_url(business.username)
    return JsonResponse([event_json(e, portal_url) for e in events], headers=list_headers(request, current, info))


@router.get("/events/{event_id}", response_model=Event, responses=errors(404))
async def get_event(event_id: ObjectId, business: ApiBusiness, billing: ApiBilling, settings: Settings) -> JsonResponse:
    event = await billing.get_event(event_id)
    return JsonResponse(event_json(event, settings.portal_url(business.username)))
