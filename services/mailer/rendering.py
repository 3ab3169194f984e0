"""Emails rendered from the Jinja2 templates in ./templates (one layout; an HTML and a text part per email).

Each template has three files: `<name>.subject.txt`, `<name>.txt` and `<name>.html` (autoescaped: every value
the templates show comes from businesses or customers). The context is the template's data message as `email`,
the business's name, and what `CONTEXTS[name]` adds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from portal.auth.v1 import events_pb2 as auth_events
from portal.billing.v1 import events_pb2 as billing_events
from portal_kit.errors import DomainError
from portal_kit.money import format_money

from services.mailer.requests import EmailRequest, MalformedEmail

TEMPLATES = Path(__file__).parent / "templates"
STYLES = {
    "button": "display:inline-block;padding:12px 24px;background:#2563eb;color:#ffffff;"
    "text-decoration:none;border-radius:6px;font-weight:bold",
    "code": "font-size:28px;font-weight:bold;letter-spacing:6px;font-family:Menlo,Consolas,monospace",
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _web_link(link: str) -> str:
    if not link.startswith(("https://", "http://")) or any(ch.isspace() for ch in link):
        raise MalformedEmail("the email's link must be an http(s) URL")
    return link


def long_date(unix_seconds: int) -> str:
    moment = datetime.fromtimestamp(unix_seconds, UTC)
    return f"{moment:%B} {moment.day}, {moment:%Y}"


def new_invoice(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, billing_events.InvoiceEmail)
    _web_link(data.link)
    if data.manage_link:
        _web_link(data.manage_link)
    try:
        facts = [
            ("Invoice", data.number),
            ("Total", format_money(data.total, data.currency)),
            ("Balance due", format_money(data.balance, data.currency)),
        ]
    except (DomainError, KeyError, ValueError) as error:
        raise MalformedEmail("the invoice's currency is not one the portal knows") from error
    if data.HasField("due_date"):
        facts.append(("Due date", long_date(data.due_date)))
    intro = data.message.strip() or f"Here is invoice {data.number} from {business_name}."
    return {"facts": facts, "intro": intro}


def _money(minor: int, currency: str) -> str:
    try:
        return format_money(minor, currency)
    except (DomainError, KeyError, ValueError) as error:
        raise MalformedEmail("the estimate's currency is not one the portal knows") from error


def new_estimate(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, billing_events.EstimateEmail)
    _web_link(data.link)
    facts = [("Estimate", data.number), ("Total", _money(data.total, data.currency))]
    if data.deposit:
        facts.append(("Deposit", _money(data.deposit, data.currency)))
    if data.HasField("expiration_date"):
        facts.append(("Valid until", long_date(data.expiration_date)))
    intro = data.message.strip() or f"Here is estimate {data.number} from {business_name}."
    return {"facts": facts, "intro": intro}


DECISIONS = {"approved": "approved", "declined": "declined", "changes_requested": "asked for changes to"}


def estimate_decision(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, billing_events.EstimateDecisionEmail)
    if data.decision not in DECISIONS:
        raise MalformedEmail("the estimate decision is not one the mailer knows")
    facts = [("Estimate", f"{data.number} (version {data.version})"), ("Total", _money(data.total, data.currency))]
    if data.initials:
        facts.append(("Initials", data.initials))
    if data.invoice_number:
        facts.append(("Invoice created", data.invoice_number))
    return {"facts": facts, "verb": DECISIONS[data.decision]}


def payment_receipt(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, billing_events.PaymentReceiptEmail)
    _web_link(data.link)
    try:
        amount = format_money(data.amount, data.currency)
    except (DomainError, KeyError, ValueError) as error:
        raise MalformedEmail("the payment's currency is not one the portal knows") from error
    facts = [("Amount", amount), ("Date", long_date(data.date)), ("Method", data.method)]
    if data.invoice_numbers:
        facts.append(("Invoices", ", ".join(data.invoice_numbers)))
    return {"facts": facts, "amount": amount}


def autopay_failed(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, billing_events.AutoPayFailedEmail)
    _web_link(data.link)
    try:
        facts = [("Invoice", data.invoice_number), ("Amount", format_money(data.amount, data.currency))]
    except (DomainError, KeyError, ValueError) as error:
        raise MalformedEmail("the payment's currency is not one the portal knows") from error
    if data.failure_message:
        facts.append(("Reason", data.failure_message))
    retry = f"We will try again on {long_date(data.next_attempt)}." if data.HasField("next_attempt") else (
        "We will not try again automatically: please pay the invoice in the portal.")  # fmt: skip
    return {"facts": facts, "retry": retry}


NOTICE_LINES = {
    "past_due": "Your {plan} subscription is past due: its invoice has not been paid.",
    "reactivated": "Thank you: your {plan} subscription is active again.",
    "canceled": "Your {plan} subscription has been canceled.",
    "finished": "Your {plan} subscription has ended: its last period has been billed.",
}
NOTICE_SUBJECTS = {
    "past_due": "Your subscription is past due",
    "reactivated": "Your subscription is active again",
    "canceled": "Your subscription has been canceled",
    "finished": "Your subscription has ended",
}


def subscription_notice(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, billing_events.SubscriptionNoticeEmail)
    if data.notice not in NOTICE_LINES:
        raise MalformedEmail("a subscription notice is past_due, reactivated, canceled or finished")
    _web_link(data.manage_link)
    facts = [("Plan", data.plan_name)]
    if data.invoice_number:
        _web_link(data.invoice_link)
        facts += [("Invoice", data.invoice_number), ("Balance due", _money(data.balance, data.currency))]
    line = NOTICE_LINES[data.notice].format(plan=data.plan_name)
    return {"facts": facts, "line": line, "subject": f"{NOTICE_SUBJECTS[data.notice]} ({business_name})"}


def sign_in(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, auth_events.SignInEmail)
    _web_link(data.link)
    return {}


def needs_attention(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, billing_events.NeedsAttentionEmail)
    if not data.items:
        raise MalformedEmail("a needs-attention email lists at least one invoice")
    return {"count": len(data.items) + data.more}


def comment_update(data: Message, business_name: str) -> dict[str, Any]:
    assert isinstance(data, billing_events.CommentUpdateEmail)
    _web_link(data.link)
    return {}


CONTEXTS: dict[str, Callable[[Message, str], dict[str, Any]]] = {
    "new_invoice": new_invoice,
    "sign_in": sign_in,
    "new_estimate": new_estimate,
    "estimate_decision": estimate_decision,
    "needs_attention": needs_attention,
    "comment_update": comment_update,
    "payment_receipt": payment_receipt,
    "autopay_failed": autopay_failed,
    "subscription_notice": subscription_notice,
}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
_environment.globals["styles"] = STYLES


def render(request: EmailRequest) -> RenderedEmail:
    extra = CONTEXTS.get(request.template)
    if extra is None:
        raise MalformedEmail(f"there is no template {request.template!r}")
    business_name = request.envelope.from_name
    context = {"email": request.data, "business_name": business_name, **extra(request.data, business_name)}
    try:
        subject = " ".join(_environment.get_template(f"{request.template}.subject.txt").render(context).split())
        context["subject"] = subject
        text = _environment.get_template(f"{request.template}.txt").render(context).strip() + "\n"
        html = _environment.get_template(f"{request.template}.html").render(context)
    except (TemplateError, TypeError, ValueError) as error:
        raise MalformedEmail(f"the {request.template} template cannot render this request") from error
    return RenderedEmail(subject, text, html)
