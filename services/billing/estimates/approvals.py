"""The customer's side of an estimate: seeing it, approving one exact version with evidence, declining or asking
for changes, and turning an approved estimate into an invoice.

Every rule is checked here, whatever the form sent: the version approved must be the current one, an expired or
decided estimate cannot be approved, the business's terms must be accepted where it has some, and the business's
"approval creates the invoice" setting is applied in the same transaction as the approval.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from portal_kit.ids import new_public_id
from portal_kit.money import format_money
from portal_kit.principal import Principal
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import invoices
from services.billing.estimates import documents, settings
from services.billing.estimates.estimates import EstimateRecord, estimate_status, is_expired, load, metadata_of
from services.billing.estimates.models import Estimate, EstimateApproval
from services.billing.estimates.repository import ApprovalRepository, EstimateRepository
from services.billing.invoice_items import AdjustmentInput, ItemInput, load_adjustments
from services.billing.invoices import InvoiceChanges, InvoiceFields, InvoiceRecord

MAX_INITIALS = 10
MAX_REASON = 2000
DECISION_KINDS = ("declined", "changes_requested")


@dataclass(frozen=True)
class Evidence:
    """What the portal saw of the person approving."""

    ip: str
    user_agent: str
    signed_in_email: str
    guest_link: str = ""


def approved_by(principal: Principal, evidence: Evidence) -> str:
    """The principal; a whole-account guest also names the emailed link its session came from."""
    if principal.guest and principal.whole_account and evidence.guest_link:
        return f"guest:{principal.customer_id}/{evidence.guest_link}"[:100]
    return principal.encode()[:100]


@dataclass
class Approved:
    record: EstimateRecord
    invoice: InvoiceRecord | None


def _not_found(estimate_id: int) -> NotFound:
    return NotFound(f"No such estimate: '{estimate_id}'", "id")


async def visible_estimate(session: AsyncSession, principal: Principal, estimate_id: int) -> Estimate:
    """The estimate if this principal may see it; another customer's, a draft or a voided one is NOT_FOUND."""
    estimate = await EstimateRepository(session).find(estimate_id)
    if estimate is None or estimate.draft or not principal.may_see("estimate", estimate.id, estimate.customer_id):
        raise _not_found(estimate_id)
    return estimate


async def account_estimates(session: AsyncSession, principal: Principal, limit: int = 100) -> list[Estimate]:
    if not principal.whole_account:
        estimate = await visible_estimate(session, principal, principal.document_id or 0)
        return [estimate]
    return await EstimateRepository(session).of_customer(principal.customer_id, limit)


async def view(session: AsyncSession, principal: Principal, estimate_id: int) -> tuple[EstimateRecord, bool]:
    """The estimate for its customer; True when this is the first view (recorded: `estimate.viewed`)."""
    estimate = await visible_estimate(session, principal, estimate_id)
    first = not estimate.viewed and not estimate.voided
    if first:
        estimate.viewed = True
        await EstimateRepository(session).save(estimate)
    return await load(session, estimate), first


def approvable(estimate: Estimate, now: datetime) -> bool:
    return estimate_status(estimate, now) in ("sent", "not_sent", "viewed", "changes_requested")


def _initials(value: str) -> str:
    initials = " ".join(value.split())
    if not initials:
        raise InvalidArgument("Type your initials to approve.", "initials")
    if len(initials) > MAX_INITIALS or any(unicodedata.category(ch).startswith("C") for ch in initials):
        raise InvalidArgument(f"Initials are at most {MAX_INITIALS} letters.", "initials")
    return initials


def _check_open(estimate: Estimate, version: int, now: datetime, action: str) -> None:
    """The refusals shared by approving and declining, each with a message for the customer."""
    if estimate.voided:
        raise FailedPrecondition("This estimate was withdrawn by the business.")
    if estimate.invoice_id is not None or estimate.approval_id is not None:
        raise FailedPrecondition(f"This estimate is already approved (version {estimate.version}).")
    if estimate.decision == "declined":
        raise FailedPrecondition("This estimate was declined. Ask the business for a new one.")
    if version != estimate.version:
        raise FailedPrecondition(
            f"This estimate changed after you opened it: it is now version {estimate.version}, total "
            f"{format_money(estimate.total, estimate.currency)}. Read the new version before you {action} it."
        )
    if is_expired(estimate, now):
        assert estimate.expiration_date is not None
        moment = estimate.expiration_date
        raise FailedPrecondition(
            f"This estimate expired on {moment:%B} {moment.day}, {moment:%Y} and can no longer be approved. "
            "Ask the business for a new one."
        )


async def approve(
    session: AsyncSession,
    principal: Principal,
    estimate_id: int,
    version: int,
    initials: str,
    accept_terms: bool,
    evidence: Evidence,
    secret_key: bytes,
) -> Approved:
    estimate = await visible_estimate(session, principal, estimate_id)
    now = utcnow()
    _check_open(estimate, version, now, "approve")
    checked_initials = _initials(initials)
    business = await settings.current(session)
    if business.terms and not accept_terms:
        raise InvalidArgument("Tick that you accept the terms to approve this estimate.", "accept_terms")
    document = documents.canonical(estimate)
    approval = EstimateApproval(
        tenant_id=estimate.tenant_id,
        id=new_public_id(),
        estimate_id=estimate.id,
        version=estimate.version,
        document=document,
        document_sha256=documents.sha256(document),
        initials=checked_initials,
        terms_accepted=bool(business.terms) and accept_terms,
        terms=business.terms,
        ip=evidence.ip[:64],
        user_agent=evidence.user_agent[:512],
        approved_by=approved_by(principal, evidence),
        signed_in_email="" if principal.guest else evidence.signed_in_email[:254],
        approved_at=now,
    )
    await ApprovalRepository(session).add(approval)
    estimate.approval_id = approval.id
    estimate.decision = None
    estimate.decision_reason = None
    estimate.updated_at = now
    await EstimateRepository(session).save(estimate)
    invoice = await make_invoice(session, secret_key, estimate) if business.approval_creates_invoice else None
    return Approved(EstimateRecord(estimate, approval), invoice)


def _reason(value: str) -> str:
    reason = value.strip()
    if not reason:
        raise InvalidArgument("Say why, so the business knows what to change.", "reason")
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise InvalidArgument(f"The reason can be at most {MAX_REASON} characters.", "reason")
    return reason


async def decide(
    session: AsyncSession, principal: Principal, estimate_id: int, version: int, kind: str, reason: str
) -> EstimateRecord:
    """Declines the estimate or asks for changes, with the customer's reason."""
    if kind not in DECISION_KINDS:
        raise InvalidArgument("Choose to decline or to ask for changes.", "kind")
    estimate = await visible_estimate(session, principal, estimate_id)
    now = utcnow()
    _check_open(estimate, version, now, "decline" if kind == "declined" else "ask for changes to")
    estimate.decision = kind
    estimate.decision_reason = _reason(reason)
    estimate.decision_by = principal.encode()[:100]
    estimate.decision_at = now
    estimate.decision_version = estimate.version
    estimate.updated_at = now
    await EstimateRepository(session).save(estimate)
    return await load(session, estimate)


def _invoice_items(estimate: Estimate) -> list[ItemInput]:
    items = []
    for data in json.loads(estimate.items):
        texts = {name: data[name] for name in ("catalog_item", "type", "name", "description") if data[name]}
        items.append(
            ItemInput(
                quantity=data["quantity"],
                unit_cost=data["unit_cost"],
                discountable=data["discountable"],
                taxable=data["taxable"],
                texts=texts,
                discounts=[AdjustmentInput(0, a["amount"]) for a in data["discounts"]],
                taxes=[AdjustmentInput(0, a["amount"]) for a in data["taxes"]],
                metadata=data["metadata"],
            )
        )
    return items


async def make_invoice(session: AsyncSession, secret_key: bytes, estimate: Estimate) -> InvoiceRecord:
    """The invoice of an approved estimate, with the same items, amounts and terms, made once."""
    if estimate.voided:
        raise FailedPrecondition("A voided estimate cannot be invoiced.")
    if estimate.invoice_id is not None:
        raise FailedPrecondition("This estimate has already been invoiced.", "id")
    if estimate.approval_id is None:
        raise FailedPrecondition("Only an approved estimate can be invoiced: the customer has not approved it yet.")
    fields = InvoiceFields(
        customer=estimate.customer_id,
        name=estimate.name,
        currency=estimate.currency,
        payment_terms=estimate.payment_terms,
        purchase_order=estimate.purchase_order,
        notes=estimate.notes,
        items=_invoice_items(estimate),
        discounts=[AdjustmentInput(0, a["amount"]) for a in load_adjustments(estimate.discounts)],
        taxes=[AdjustmentInput(0, a["amount"]) for a in load_adjustments(estimate.taxes)],
        metadata={**metadata_of(estimate), "estimate": estimate.number},
    )
    invoice = await invoices.create_invoice(session, secret_key, InvoiceChanges(fields))
    estimate.invoice_id = invoice.invoice.id
    estimate.closed = True
    estimate.updated_at = utcnow()
    await EstimateRepository(session).save(estimate)
    return invoice


async def invoice_estimate(session: AsyncSession, secret_key: bytes, estimate_id: int) -> Approved:
    estimate = await EstimateRepository(session).get(estimate_id)
    invoice = await make_invoice(session, secret_key, estimate)
    return Approved(await load(session, estimate), invoice)


async def latest_approval(session: AsyncSession, estimate: Estimate) -> EstimateApproval:
    """The approval a certificate shows: the standing one, else the latest (marked voided)."""
    approvals = await ApprovalRepository(session).of_estimate(estimate.id)
    standing = [a for a in approvals if a.id == estimate.approval_id]
    if standing:
        return standing[0]
    if approvals:
        return approvals[-1]
    raise FailedPrecondition("This estimate has not been approved, so it has no approval certificate.")
