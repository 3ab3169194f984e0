"""Card payments as protobuf messages (the servicer's answers and the event log's objects). No rules here."""

from __future__ import annotations

from portal.billing.v1 import card_payments_pb2 as pb
from portal_kit.timestamps import unix, utcnow

from services.billing.card_payments import cards, paying
from services.billing.card_payments.account import rules_of
from services.billing.card_payments.models import CardCharge, SavedCard, StripeAccount

WEBHOOK_PATH = "/webhooks/stripe/{username}"


def settings_to_pb(found: StripeAccount | None) -> pb.PaymentSettings:
    if found is None:
        return pb.PaymentSettings(connected=False, accepted_methods=["card"], partial_payments=True,
                                  autopay_offered=True, autopay_retry_days=[1, 3, 7])  # fmt: skip
    rules = rules_of(found)
    return pb.PaymentSettings(
        connected=True,
        publishable_key=found.publishable_key,
        secret_key_last4=found.secret_key_last4,
        accepted_methods=list(rules.accepted_methods),
        partial_payments=rules.partial_payments,
        autopay_offered=rules.autopay_offered,
        minimum_payments=rules.minimum_payments,
        autopay_retry_days=list(rules.autopay_retry_days),
        webhook_path=WEBHOOK_PATH,
    )


def card_to_pb(card: SavedCard, autopay_card: int | None) -> pb.PaymentSource:
    return pb.PaymentSource(
        id=card.id,
        customer=card.customer_id,
        object="card",
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        is_default=card.is_default,
        autopay=card.id == autopay_card,
        expiring_soon=cards.expiring_soon(card, utcnow()),
        created_at=unix(card.created_at),
    )


def charge_to_pb(charge: CardCharge, client_secret: str = "") -> pb.CardPayment:
    return pb.CardPayment(
        payment_id=charge.payment_id,
        status=charge.status,
        amount=charge.amount,
        currency=charge.currency,
        allocations=[pb.Allocation(invoice_id=i, amount=a) for i, a in paying.allocations_of(charge)],
        client_secret=client_secret,
        failure_message=charge.failure_message or "",
        payment_intent=charge.payment_intent or "",
        customer=charge.customer_id,
        amount_refunded=charge.amount_refunded,
        created_at=unix(charge.created_at),
        estimate=charge.estimate_id or 0,
    )
