"""Payments as protobuf (portal.billing.v1.Payment)."""

from __future__ import annotations

import json

from portal.billing.v1 import common_pb2
from portal.billing.v1 import payments_pb2 as pb
from portal_kit.timestamps import unix

from services.billing.payments.models import VOIDED, PaymentRefund
from services.billing.payments.records import PaymentRecord


def payment_to_pb(record: PaymentRecord, receipt_token: str = "") -> pb.Payment:
    """`receipt_token` is empty in the event log: bearer tokens stay out of it."""
    payment = record.payment
    message = pb.Payment(
        id=payment.id,
        customer=payment.customer_id,
        date=unix(payment.date),
        currency=payment.currency,
        amount=payment.amount,
        balance=payment.balance,
        method=payment.method,
        source=payment.source,
        status=payment.status,
        voided=payment.status == VOIDED,
        amount_refunded=payment.amount_refunded,
        applied_to=[
            pb.PaymentApplication(
                invoice=a.invoice_id,
                amount=a.amount,
                amount_refunded=a.amount_refunded,
                invoice_number=record.invoice_numbers.get(a.invoice_id, ""),
            )
            for a in record.applications
        ],
        receipt_token=receipt_token,
        metadata=common_pb2.Metadata(values=json.loads(payment.metadata_json)),
        created_at=unix(payment.created_at),
        updated_at=unix(payment.updated_at),
    )
    if payment.estimate_id is not None:
        message.estimate = payment.estimate_id
        message.estimate_number = record.estimate_number
    for name in ("reference", "notes", "failure_message"):
        value = getattr(payment, name)
        if value is not None:
            setattr(message, name, value)
    return message


def refund_to_pb(refund: PaymentRefund, currency: str) -> pb.Refund:
    message = pb.Refund(
        id=refund.id,
        payment=refund.payment_id,
        amount=refund.amount,
        currency=currency,
        status="succeeded",
        created_at=unix(refund.created_at),
    )
    if refund.reference is not None:
        message.reference = refund.reference
    return message
