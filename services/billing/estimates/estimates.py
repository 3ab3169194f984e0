"""Estimates: numbering, fields, versions, status, voiding, deletion and the customer's document link.

A change to what the customer agrees to (the canonical document) makes a new version: it voids a standing
approval and clears a decline, so the customer decides again on what is now proposed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from portal_kit.ids import derived_token, keyed_hash, new_public_id, new_uuid
from portal_kit.money import normalize_currency
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import amounts, validation
from services.billing.estimates import documents
from services.billing.estimates.models import Estimate, EstimateApproval
from services.billing.estimates.repository import ApprovalRepository, EstimateFilters, EstimateRepository
from services.billing.invoice_items import AdjustmentInput, ItemInput, adjustments, build_items
from services.billing.models import Customer
from services.billing.numbering import next_number
from services.billing.repository import CustomerRepository, NumberSequenceRepository

LINK_PURPOSE = "estimate-link"
LINK_DAYS = 90
TEXT_LIMITS = {"name": 255, "purchase_order": 255, "notes": 10_000}
CLEARABLE = set(TEXT_LIMITS) | {"expiration_date", "payment_terms", "metadata", "items", "discounts", "taxes",
                                "deposit"}  # fmt: skip
FILTERS = {f.name for f in fields(EstimateFilters)}
STATUSES = {"draft", "not_sent", "sent", "viewed", "approved", "declined", "changes_requested", "invoiced", "expired",
            "voided"}  # fmt: skip
DECIDED = {"approved", "declined", "changes_requested", "invoiced"}


@dataclass(frozen=True)
class EstimateFields:
    """What a caller gave: None means "not given". Amounts are minor units unless given as decimal text."""

    customer: int | None = None
    name: str | None = None
    currency: str | None = None
    draft: bool | None = None
    closed: bool | None = None
    sent: bool | None = None
    date: int | None = None
    expiration_date: int | None = None
    payment_terms: str | None = None
    purchase_order: str | None = None
    notes: str | None = None
    items: list[ItemInput] | None = None
    discounts: list[AdjustmentInput] | None = None
    taxes: list[AdjustmentInput] | None = None
    metadata: dict[str, str] | None = None
    deposit_decimal: str | None = None
    deposit_paid: bool | None = None


@dataclass(frozen=True)
class EstimateChanges:
    fields: EstimateFields
    cleared: list[str] = field(default_factory=list)


@dataclass
class EstimateRecord:
    estimate: Estimate
    approval: EstimateApproval | None


def link_token(secret_key: bytes, nonce: str) -> str:
    return derived_token(secret_key, nonce, LINK_PURPOSE)


def link_hash(secret_key: bytes, token: str) -> str:
    return keyed_hash(secret_key, token, LINK_PURPOSE)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_expired(estimate: Estimate, now: datetime) -> bool:
    return estimate.expiration_date is not None and _aware(estimate.expiration_date) < now


def estimate_status(estimate: Estimate, now: datetime) -> str:
    if estimate.voided:
        return "voided"
    if estimate.draft:
        return "draft"
    if estimate.invoice_id is not None:
        return "invoiced"
    if estimate.approval_id is not None:
        return "approved"
    if estimate.decision is not None:
        return estimate.decision
    if is_expired(estimate, now):
        return "expired"
    if estimate.viewed:
        return "viewed"
    return "sent" if estimate.sent else "not_sent"


def metadata_of(estimate: Estimate) -> dict[str, str]:
    return dict(json.loads(estimate.metadata_json))


def _apply(estimate: Estimate, given: EstimateFields, cleared: list[str]) -> None:
    for name in cleared:
        if name not in CLEARABLE:
            raise InvalidArgument(f"{name} cannot be cleared.", name)
    for key, limit in TEXT_LIMITS.items():
        text = getattr(given, key)
        if text is not None:
            setattr(estimate, key, validation.text(text, key, limit))
    for flag in ("draft", "closed", "sent", "deposit_paid"):
        value = getattr(given, flag)
        if value is not None:
            setattr(estimate, flag, value)
    if given.date is not None:
        estimate.date = validation.timestamp(given.date, "date")
    if given.expiration_date is not None:
        estimate.expiration_date = validation.timestamp(given.expiration_date, "expiration_date")
    if given.payment_terms is not None:
        estimate.payment_terms = validation.payment_terms(given.payment_terms)
    if given.discounts is not None:
        estimate.discounts = adjustments(given.discounts, estimate.discounts, "discounts")
    if given.taxes is not None:
        estimate.taxes = adjustments(given.taxes, estimate.taxes, "taxes")
    if given.metadata is not None:
        estimate.metadata_json = json.dumps(validation.metadata(given.metadata))
    if given.deposit_decimal is not None:
        deposit = amounts.minor_units(given.deposit_decimal, estimate.currency, "deposit")
        if deposit < 0:
            raise InvalidArgument("deposit cannot be negative.", "deposit")
        estimate.deposit = deposit
    for name in cleared:
        if name in ("discounts", "taxes", "items"):
            setattr(estimate, name, "[]")
        elif name == "metadata":
            estimate.metadata_json = "{}"
        elif name == "deposit":
            estimate.deposit = 0
        else:
            setattr(estimate, name, None)


def _check_deposit(estimate: Estimate) -> None:
    if estimate.deposit > estimate.total:
        raise InvalidArgument("The deposit cannot be more than the estimate's total.", "deposit")


async def _customer(session: AsyncSession, customer_id: int | None) -> Customer:
    if not customer_id:
        raise InvalidArgument("An estimate needs a customer.", "customer")
    customer = await CustomerRepository(session).find(customer_id)
    if customer is None:
        raise InvalidArgument(f"No such customer: {customer_id}", "customer")
    return customer


async def create_estimate(session: AsyncSession, secret_key: bytes, changes: EstimateChanges) -> EstimateRecord:
    customer = await _customer(session, changes.fields.customer)
    currency = amounts.resolved_currency(changes.fields.currency, None, customer.currency)
    given = amounts.document_in(changes.fields, currency)
    estimates = EstimateRepository(session)
    nonce = new_uuid()
    now = utcnow()
    estimate = Estimate(
        tenant_id=estimates.tenant_id,
        id=new_public_id(),
        customer_id=customer.id,
        number="",
        currency=currency,
        payment_terms=customer.payment_terms,
        date=now,
        document_sha256="",
        link_nonce=nonce,
        link_hash=link_hash(secret_key, link_token(secret_key, nonce)),
        link_issued_at=now,
    )
    _apply(estimate, given, changes.cleared)
    documents.store_items(estimate, build_items(given.items or [], [], estimates.tenant_id, estimate.id))
    _check_deposit(estimate)
    estimate.number = await next_number(NumberSequenceRepository(session), "estimate", estimates.number_taken)
    estimate.document_sha256 = documents.sha256(documents.canonical(estimate))
    await estimates.add(estimate)
    return EstimateRecord(estimate, None)


async def load(session: AsyncSession, estimate: Estimate) -> EstimateRecord:
    approval = None
    if estimate.approval_id is not None:
        approval = await ApprovalRepository(session).get(estimate.approval_id)
    return EstimateRecord(estimate, approval)


async def get_estimate(session: AsyncSession, estimate_id: int) -> EstimateRecord:
    return await load(session, await EstimateRepository(session).get(estimate_id))


async def update_estimate(session: AsyncSession, estimate_id: int, changes: EstimateChanges) -> EstimateRecord:
    """Applies the changes; a changed document is a new version (its approval voided, a decline cleared)."""
    given = changes.fields
    estimates = EstimateRepository(session)
    estimate = await estimates.get(estimate_id)
    if estimate.voided:
        raise FailedPrecondition("This estimate has been voided and can no longer be changed.")
    if estimate.invoice_id is not None:
        raise FailedPrecondition("This estimate has been invoiced and can no longer be changed: edit the invoice.")
    if given.customer is not None and given.customer != estimate.customer_id:
        raise InvalidArgument("The customer of an estimate cannot be changed.", "customer")
    if given.currency is not None and normalize_currency(given.currency) != estimate.currency:
        raise InvalidArgument(
            f"The currency of an estimate cannot be changed: its amounts are in {estimate.currency.upper()}. "
            "Create a new estimate in the other currency.",
            "currency",
        )
    given = amounts.document_in(given, estimate.currency)
    before = estimate.document_sha256
    existing = documents.items_of(estimate)
    _apply(estimate, given, changes.cleared)
    if given.items is not None:
        existing = build_items(given.items, existing, estimate.tenant_id, estimate.id)
    elif "items" in changes.cleared:
        existing = []
    documents.store_items(estimate, existing)
    _check_deposit(estimate)
    now = utcnow()
    estimate.document_sha256 = documents.sha256(documents.canonical(estimate))
    if estimate.document_sha256 != before:
        estimate.version += 1
        if estimate.approval_id is not None:
            await ApprovalRepository(session).void_of_estimate(estimate.id, now)
            estimate.approval_id = None
        _clear_decision(estimate)
    estimate.updated_at = now
    await estimates.save(estimate)
    return await load(session, estimate)


def _clear_decision(estimate: Estimate) -> None:
    estimate.decision = None
    estimate.decision_reason = None
    estimate.decision_by = None
    estimate.decision_at = None
    estimate.decision_version = None


async def void_estimate(session: AsyncSession, estimate_id: int) -> EstimateRecord:
    estimates = EstimateRepository(session)
    estimate = await estimates.get(estimate_id)
    if estimate.voided:
        raise FailedPrecondition("This estimate has already been voided.")
    if estimate.invoice_id is not None:
        raise FailedPrecondition("This estimate has been invoiced: void the invoice instead.")
    estimate.voided = True
    estimate.closed = True
    estimate.updated_at = utcnow()
    await estimates.save(estimate)
    return await load(session, estimate)


async def delete_estimate(session: AsyncSession, estimate_id: int) -> None:
    estimates = EstimateRepository(session)
    estimate = await estimates.get(estimate_id)
    if estimate.invoice_id is not None or estimate.approval_id is not None:
        raise FailedPrecondition("An approved or invoiced estimate cannot be deleted: its approval is evidence.")
    if estimate.sent and not estimate.draft and not estimate.voided:
        raise FailedPrecondition("This estimate has been sent, so it cannot be deleted: void it instead.")
    await ApprovalRepository(session).delete_of_estimate(estimate.id)
    await estimates.discard(estimate)


def estimate_filters(raw: Mapping[str, str]) -> EstimateFilters:
    validation.unknown_filters(dict(raw), FILTERS)

    def flag(name: str) -> bool | None:
        return validation.boolean(raw[name], f"filter[{name}]") if name in raw else None

    status = raw.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidArgument(f"status must be one of {', '.join(sorted(STATUSES))}.", "filter[status]")
    return EstimateFilters(
        customer=validation.integer(raw["customer"], "filter[customer]") if "customer" in raw else None,
        number=raw.get("number"),
        currency=raw["currency"].strip().lower() if "currency" in raw else None,
        status=status,
        draft=flag("draft"),
        closed=flag("closed"),
    )


async def list_estimates(
    session: AsyncSession, page: int, per_page: int, filters: EstimateFilters, metadata: dict[str, str]
) -> tuple[list[EstimateRecord], int]:
    if metadata:
        raise InvalidArgument("Estimates cannot be filtered by metadata yet.", "metadata")
    rows, total = await EstimateRepository(session).listing(filters, utcnow(), *validation.paging(page, per_page))
    return [await load(session, row) for row in rows], total


async def find_by_link(session: AsyncSession, secret_key: bytes, token: str) -> Estimate:
    """The estimate a customer's link opens: not a draft or voided, for at most LINK_DAYS after it was last sent.
    Any miss reads the same. An approved, declined or expired estimate still opens (to read what was decided)."""
    estimate = await EstimateRepository(session).by_link_hash(link_hash(secret_key, token)) if token else None
    if estimate is None or estimate.draft or estimate.voided:
        raise NotFound("This estimate link is not valid.", "token")
    issued = _aware(estimate.link_issued_at or estimate.created_at)
    if utcnow() > issued + timedelta(days=LINK_DAYS):
        raise NotFound("This estimate link is not valid.", "token")
    return estimate


async def customer_of(session: AsyncSession, estimate: Estimate) -> Customer:
    return await CustomerRepository(session).get(estimate.customer_id)
