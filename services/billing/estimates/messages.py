"""Protobuf <-> estimates: the input fields a caller set, and the output messages. No rules live here."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from portal.billing.v1 import common_pb2, invoices_pb2
from portal.billing.v1 import estimates_pb2 as pb
from portal_kit.timestamps import unix

from services.billing.estimates.estimates import EstimateChanges, EstimateFields, EstimateRecord, estimate_status
from services.billing.estimates.models import Estimate, EstimateApproval, EstimateSettings
from services.billing.invoice_items import dump_adjustments
from services.billing.messages import _adjustment_inputs, _adjustments, _item_input, given

OPTIONAL_TEXTS = ["name", "payment_terms", "purchase_order", "notes"]


def estimate_changes(data: pb.EstimateInput) -> EstimateChanges:
    changes = given(data, skip={"cleared"})
    if "items" in changes:
        changes["items"] = [_item_input(item) for item in data.items.values]
    for name in ("discounts", "taxes"):
        if name in changes:
            changes[name] = _adjustment_inputs(changes[name].values)
    return EstimateChanges(EstimateFields(**changes), list(data.cleared))


def _item(data: dict[str, Any]) -> invoices_pb2.LineItem:
    item = invoices_pb2.LineItem(
        id=data["id"],
        quantity=data["quantity"],
        unit_cost=data["unit_cost"],
        amount=data["amount"],
        discountable=data["discountable"],
        taxable=data["taxable"],
        discounts=_adjustments(dump_adjustments(data["discounts"])),
        taxes=_adjustments(dump_adjustments(data["taxes"])),
        metadata=common_pb2.Metadata(values=data["metadata"]),
    )
    for name in ("catalog_item", "type", "name", "description"):
        if data[name] is not None:
            setattr(item, name, data[name])
    return item


def approval_to_pb(approval: EstimateApproval) -> pb.Approval:
    message = pb.Approval(
        id=approval.id,
        version=approval.version,
        document_sha256=approval.document_sha256,
        initials=approval.initials,
        terms_accepted=approval.terms_accepted,
        terms=approval.terms,
        ip=approval.ip,
        user_agent=approval.user_agent,
        approved_by=approval.approved_by,
        signed_in_email=approval.signed_in_email,
        approved_at=unix(approval.approved_at),
    )
    if approval.voided_at is not None:
        message.voided_at = unix(approval.voided_at)
    return message


def estimate_to_pb(record: EstimateRecord, link_token: str, now: datetime) -> pb.Estimate:
    estimate: Estimate = record.estimate
    message = pb.Estimate(
        id=estimate.id,
        customer=estimate.customer_id,
        number=estimate.number,
        currency=estimate.currency,
        draft=estimate.draft,
        closed=estimate.closed,
        voided=estimate.voided,
        sent=estimate.sent,
        viewed=estimate.viewed,
        status=estimate_status(estimate, now),
        date=unix(estimate.date),
        items=[_item(data) for data in json.loads(estimate.items)],
        subtotal=estimate.subtotal,
        discounts=_adjustments(estimate.discounts),
        taxes=_adjustments(estimate.taxes),
        total_discounts=estimate.total_discounts,
        total_taxes=estimate.total_taxes,
        total=estimate.total,
        deposit=estimate.deposit,
        deposit_paid=estimate.deposit_paid,
        version=estimate.version,
        document_sha256=estimate.document_sha256,
        link_token=link_token,
        metadata=common_pb2.Metadata(values=json.loads(estimate.metadata_json)),
        created_at=unix(estimate.created_at),
        updated_at=unix(estimate.updated_at),
    )
    for name in OPTIONAL_TEXTS:
        if getattr(estimate, name) is not None:
            setattr(message, name, getattr(estimate, name))
    if estimate.expiration_date is not None:
        message.expiration_date = unix(estimate.expiration_date)
    if estimate.invoice_id is not None:
        message.invoice = estimate.invoice_id
    if record.approval is not None:
        message.approval.CopyFrom(approval_to_pb(record.approval))
    if estimate.decision is not None:
        message.decision.CopyFrom(
            pb.Decision(
                kind=estimate.decision,
                reason=estimate.decision_reason or "",
                decided_by=estimate.decision_by or "",
                decided_at=unix(estimate.decision_at) if estimate.decision_at else 0,
                version=estimate.decision_version or 0,
            )
        )
    return message


def row_to_pb(estimate: Estimate, now: datetime) -> pb.EstimateRow:
    row = pb.EstimateRow(
        id=estimate.id,
        number=estimate.number,
        status=estimate_status(estimate, now),
        date=unix(estimate.date),
        total=estimate.total,
        currency=estimate.currency,
    )
    if estimate.expiration_date is not None:
        row.expiration_date = unix(estimate.expiration_date)
    return row


def settings_to_pb(settings: EstimateSettings) -> pb.EstimateSettings:
    return pb.EstimateSettings(
        approval_creates_invoice=settings.approval_creates_invoice,
        terms=settings.terms,
        notify_email=settings.notify_email,
    )
