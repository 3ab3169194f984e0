"""The business API of card payments: its Stripe connection and payment settings, customers' saved cards
(`/customers/{id}/payment_sources`), charging a saved card (`/charges`), refunds, and "pay now" for an AutoPay
invoice. Billing decides everything; this maps HTTP to RPCs and amounts to exact major-unit decimals."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request, Response
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import card_payments_pb2 as pb
from portal_kit.errors import InvalidArgument
from portal_kit.money import from_minor, normalize_currency, to_minor
from pydantic import Field, Strict, StringConstraints

from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.models import EmptyBody
from services.gateway.api.payments import payment_json
from services.gateway.api.routing import api_router, errors
from services.gateway.api.schema import Amount, Flag, ObjectIdValue, RequestModel
from services.gateway.deps import ApiBusiness, Settings, backends_of
from services.gateway.settings import GatewaySettings

router = api_router()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Key = Annotated[str, Strict(), StringConstraints(min_length=8, max_length=255)]
RetryDay = Annotated[int, Field(ge=1, le=30)]


class StripeConnection(RequestModel):
    secret_key: Key
    publishable_key: Key
    webhook_secret: Key


class PaymentSettingsUpdate(RequestModel):
    accepted_methods: list[Annotated[str, StringConstraints(max_length=30)]] | None = Field(default=None, max_length=5)
    partial_payments: Flag | None = None
    autopay_offered: Flag | None = None
    minimum_payments: dict[Annotated[str, StringConstraints(max_length=3)], Amount] | None = Field(
        default=None, max_length=50, description="currency -> minimum amount (major units)"
    )
    autopay_retry_days: list[RetryDay] | None = Field(default=None, max_length=5)


class AppliedTo(RequestModel):
    type: Annotated[str, StringConstraints(max_length=20)] = "invoice"
    invoice: ObjectIdValue
    amount: Amount


class ChargeCreate(RequestModel):
    customer: ObjectIdValue
    currency: Annotated[str, StringConstraints(max_length=3)]
    amount: Amount
    method: Annotated[str, StringConstraints(max_length=30)] = "credit_card"
    payment_source_type: Annotated[str, StringConstraints(max_length=30)] = "card"
    payment_source_id: ObjectIdValue | None = None
    applied_to: list[AppliedTo] = Field(min_length=1, max_length=50)


class RefundCreate(RequestModel):
    amount: Amount | None = None


def settings_json(found: pb.PaymentSettings) -> dict[str, Any]:
    return {
        "object": "payment_settings",
        "stripe_connected": found.connected,
        "publishable_key": found.publishable_key or None,
        "secret_key_last4": found.secret_key_last4 or None,
        "accepted_methods": list(found.accepted_methods),
        "partial_payments": found.partial_payments,
        "autopay_offered": found.autopay_offered,
        "minimum_payments": {c: from_minor(a, c) for c, a in sorted(found.minimum_payments.items())},
        "autopay_retry_days": list(found.autopay_retry_days),
        "webhook_path": found.webhook_path or None,
    }


def source_json(source: pb.PaymentSource) -> dict[str, Any]:
    return {
        "id": source.id,
        "object": "card",
        "customer": source.customer,
        "brand": source.brand,
        "last4": source.last4,
        "exp_month": source.exp_month,
        "exp_year": source.exp_year,
        "default": source.is_default,
        "autopay": source.autopay,
        "expiring_soon": source.expiring_soon,
        "created_at": source.created_at,
    }


def charge_object(charge: pb.CardPayment) -> dict[str, Any]:
    """The Stripe charge behind a card payment (Invoiced's `payment.charge`)."""
    currency = charge.currency
    return {
        "id": charge.payment_intent or None,
        "object": "charge",
        "gateway": "stripe",
        "status": charge.status,
        "amount": from_minor(charge.amount, currency),
        "currency": currency,
        "failure_message": charge.failure_message or None,
        "amount_refunded": from_minor(charge.amount_refunded, currency),
        "created_at": charge.created_at,
    }


async def payment_answer(
    request: Request, business: auth_pb2.Business, settings: GatewaySettings, charge: pb.CardPayment
) -> dict[str, Any]:
    """The ledger's payment (as GET /payments/{id} shows it) with its Stripe charge filled in."""
    payment = await backends_of(request).billing(business.id).get_payment(charge.payment_id)
    answer = payment_json(payment, settings.portal_url(business.username))
    answer["charge"] = charge_object(charge)
    return answer


def _client(request: Request, business: Any) -> Any:
    return backends_of(request).card_payments(business.id)


@router.post("/stripe_account", response_model=dict[str, Any], responses=errors())
async def connect_stripe(
    request: Request, body: StripeConnection, business: ApiBusiness, settings: Settings
) -> JsonResponse:
    """Connects the business's own Stripe account. The secret key is stored encrypted and never shown again."""
    found = await _client(request, business).connect(
        body.secret_key, body.publishable_key, body.webhook_secret,
        settings.portal_url(business.username), business.display_name,
    )  # fmt: skip
    return JsonResponse(settings_json(found))


@router.get("/payment_settings", response_model=dict[str, Any], responses=errors())
async def payment_settings(request: Request, business: ApiBusiness) -> JsonResponse:
    return JsonResponse(settings_json(await _client(request, business).settings()))


@router.patch("/payment_settings", response_model=dict[str, Any], responses=errors())
async def update_payment_settings(request: Request, body: PaymentSettingsUpdate, business: ApiBusiness) -> JsonResponse:
    """Settings billing enforces on every payment: accepted methods, partial payments, AutoPay, minimums."""
    update = pb.UpdatePaymentSettingsRequest()
    if body.accepted_methods is not None:
        update.set_accepted_methods = True
        update.accepted_methods.extend(body.accepted_methods)
    if body.partial_payments is not None:
        update.partial_payments = body.partial_payments
    if body.autopay_offered is not None:
        update.autopay_offered = body.autopay_offered
    if body.minimum_payments is not None:
        update.set_minimum_payments = True
        for currency, amount in body.minimum_payments.items():
            code = normalize_currency(currency, f"minimum_payments.{currency}")
            update.minimum_payments[code] = to_minor(amount, code, f"minimum_payments.{currency}")
    if body.autopay_retry_days is not None:
        update.set_autopay_retry_days = True
        update.autopay_retry_days.extend(body.autopay_retry_days)
    return JsonResponse(settings_json(await _client(request, business).update_settings(update)))


@router.get("/customers/{customer_id}/payment_sources", response_model=list[dict[str, Any]], responses=errors(404))
async def payment_sources(request: Request, customer_id: ObjectId, business: ApiBusiness) -> JsonResponse:
    rows = [source_json(s) for s in await _client(request, business).payment_sources(customer_id)]
    return JsonResponse(rows, headers={"X-Total-Count": str(len(rows))})


@router.delete("/customers/{customer_id}/payment_sources/{source_id}", status_code=204, responses=errors(404))
async def delete_payment_source(
    request: Request, customer_id: ObjectId, source_id: ObjectId, business: ApiBusiness
) -> Response:
    """Detaches the card at Stripe and forgets it (AutoPay moves to the default card, or stops)."""
    await _client(request, business).delete_payment_source(customer_id, source_id)
    return Response(status_code=204)


@router.post("/charges", status_code=201, response_model=dict[str, Any], responses=errors(404))
async def create_charge(
    request: Request, body: ChargeCreate, business: ApiBusiness, settings: Settings
) -> JsonResponse:
    """Charges a saved card now; the payment stays `pending` until Stripe's webhook confirms it."""
    if body.payment_source_type != "card":
        raise InvalidArgument("Only card payment sources can be charged.", "payment_source_type")
    currency = normalize_currency(body.currency)
    charge = pb.ChargeRequest(
        customer_id=body.customer,
        source_id=body.payment_source_id or 0,
        currency=currency,
        amount=to_minor(body.amount, currency),
        applied_to=[
            pb.Allocation(invoice_id=a.invoice, amount=to_minor(a.amount, currency, f"applied_to[{i}].amount"))
            for i, a in enumerate(body.applied_to)
        ],
    )
    answer = await payment_answer(request, business, settings, await _client(request, business).charge(charge))
    return JsonResponse(answer, status_code=201)


@router.post("/charges/{payment_id}/refunds", status_code=201, response_model=dict[str, Any], responses=errors(404))
async def refund_charge(
    request: Request, payment_id: ObjectId, business: ApiBusiness, settings: Settings, body: RefundCreate | None = None
) -> JsonResponse:
    """Refunds a card payment in full (no amount) or in part; the invoices' balances are restored."""
    client = _client(request, business)
    amount = 0
    if body is not None and body.amount is not None:
        current = await client.card_payment(payment_id)
        amount = to_minor(body.amount, current.currency)
        if amount <= 0:
            raise InvalidArgument("A refund must be more than zero.", "amount")
    answer = await payment_answer(request, business, settings, await client.refund(payment_id, amount))
    return JsonResponse(answer, status_code=201)


@router.post("/invoices/{invoice_id}/pay", response_model=dict[str, Any], responses=errors(404))
async def pay_invoice(
    request: Request, invoice_id: ObjectId, business: ApiBusiness, settings: Settings, body: EmptyBody | None = None
) -> JsonResponse:
    """Charges an AutoPay invoice's balance now with the customer's AutoPay card."""
    charge = await _client(request, business).pay_invoice(invoice_id)
    return JsonResponse(await payment_answer(request, business, settings, charge))
