"""Getting an estimate to its customer (email with a "View Estimate" link and the PDF) and a customer's decision
to the business (email to the business's notify address, with the approval certificate). Emails go through the
outbox as `billing.email_requested.v1`; the mailer fetches the PDFs from billing when it sends."""

from __future__ import annotations

import asyncio
import secrets

from portal.billing.v1 import events_pb2
from portal.mailer.v1 import email_pb2
from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.outbox import record_event
from portal_kit.timestamps import unix, utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import validation
from services.billing.delivery import (
    EMAIL_REQUESTED_TOPIC,
    MAX_RECIPIENTS,
    Presentation,
    QueuedEmail,
    Recipient,
    RenderedPdf,
    _default_recipients,
    _given_recipients,
    _presentation,
)
from services.billing.estimates import approvals, settings
from services.billing.estimates.estimates import (
    EstimateRecord,
    customer_of,
    estimate_status,
    find_by_link,
    link_token,
    load,
)
from services.billing.estimates.models import Estimate
from services.billing.estimates.pdf import render_certificate_pdf, render_estimate_pdf
from services.billing.estimates.repository import EstimateRepository

TEMPLATE = "new_estimate_email"


async def send_estimate(
    session: AsyncSession,
    secret_key: bytes,
    estimate_id: int,
    to: list[Recipient],
    subject: str | None,
    message: str | None,
    presentation: Presentation,
) -> tuple[list[QueuedEmail], EstimateRecord]:
    """Marks the estimate sent and records one email request (link + PDF) in the same unit of work."""
    estimate = await EstimateRepository(session).get(estimate_id)
    if estimate.voided:
        raise FailedPrecondition("A voided estimate cannot be sent.")
    presentation = _presentation(presentation)
    customer = await customer_of(session, estimate)
    recipients = _given_recipients(to) if to else await _default_recipients(session, customer)
    if not recipients:
        raise FailedPrecondition("This customer has no email address.")
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidArgument(f"An estimate can be emailed to at most {MAX_RECIPIENTS} addresses at once.", "to")
    subject = validation.text(" ".join((subject or "").split()), "subject", 255)
    subject = subject or f"Estimate {estimate.number} from {presentation.business_name}"
    message = validation.text(message or "", "message", 10_000)
    now = utcnow()
    estimate.draft = False
    estimate.sent = True
    estimate.updated_at = now
    estimate.link_issued_at = now
    await EstimateRepository(session).save(estimate)
    token = link_token(secret_key, estimate.link_nonce)
    email = events_pb2.EstimateEmail(
        estimate_id=estimate.id,
        number=estimate.number,
        customer_name=customer.name,
        subject=subject,
        message=message or "",
        total=estimate.total,
        deposit=estimate.deposit,
        currency=estimate.currency,
        link=f"{presentation.portal_url}/estimates/{token}",
    )
    if estimate.expiration_date is not None:
        email.expiration_date = unix(estimate.expiration_date)
    event = events_pb2.EmailRequested(
        envelope=email_pb2.Envelope(
            to=[email_pb2.Recipient(name=r.name, email=r.email) for r in recipients],
            from_name=presentation.business_name,
            attachments=[email_pb2.DocumentRef(estimate_pdf=estimate.id)],
        ),
        new_estimate=email,
    )
    await record_event(session, EMAIL_REQUESTED_TOPIC, key=estimate.id, message=event)
    shown = message or f"Here is estimate {estimate.number} from {presentation.business_name}."
    queued = [QueuedEmail(secrets.token_hex(16), "queued", r.email, subject, shown, TEMPLATE, now) for r in recipients]
    return queued, await load(session, estimate)


async def tell_business(
    session: AsyncSession, estimate: Estimate, business_name: str, invoice_number: str = ""
) -> bool:
    """Emails the customer's decision to the business's notify address, when it has one; True when queued."""
    business = await settings.current(session)
    if not business.notify_email:
        return False
    customer = await customer_of(session, estimate)
    approved = estimate.approval_id is not None
    record = await load(session, estimate)
    decision = events_pb2.EstimateDecisionEmail(
        estimate_id=estimate.id,
        number=estimate.number,
        customer_name=customer.name,
        decision="approved" if approved else (estimate.decision or ""),
        initials=record.approval.initials if record.approval is not None else "",
        reason=estimate.decision_reason or "",
        total=estimate.total,
        currency=estimate.currency,
        version=estimate.version,
        invoice_number=invoice_number,
    )
    name = " ".join(business_name.split()) or "Billing portal"
    envelope = email_pb2.Envelope(to=[email_pb2.Recipient(name=name, email=business.notify_email)], from_name=name)
    if approved:
        envelope.attachments.append(email_pb2.DocumentRef(approval_certificate=estimate.id))
    event = events_pb2.EmailRequested(envelope=envelope, estimate_decision=decision)
    await record_event(session, EMAIL_REQUESTED_TOPIC, key=estimate.id, message=event)
    return True


async def estimate_pdf(
    session: AsyncSession, secret_key: bytes, estimate: Estimate | None, token: str | None, business_name: str
) -> RenderedPdf:
    """The estimate (the business's or the principal's, already loaded) or the one a link token opens."""
    if estimate is None:
        if token is None:
            raise InvalidArgument("Give the id or the link token of the estimate to render.", "id")
        estimate = await find_by_link(session, secret_key, token)
    customer = await customer_of(session, estimate)
    status = estimate_status(estimate, utcnow())
    content = await asyncio.to_thread(render_estimate_pdf, estimate, customer, business_name.strip(), status)
    return RenderedPdf(content, f"{estimate.number}.pdf")


async def certificate_pdf(session: AsyncSession, estimate: Estimate, business_name: str) -> RenderedPdf:
    approval = await approvals.latest_approval(session, estimate)
    customer = await customer_of(session, estimate)
    content = await asyncio.to_thread(render_certificate_pdf, estimate, approval, customer, business_name.strip())
    return RenderedPdf(content, f"{estimate.number}-approval-v{approval.version}.pdf")
