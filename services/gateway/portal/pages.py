"""Rendering the portal's pages: templates, security headers, and the shared bits every page needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from portal.billing.v1 import account_pb2, invoices_pb2
from portal_kit.errors import DomainError, Unavailable
from portal_kit.money import format_money
from starlette.responses import Response

from services.gateway.deps import settings_of, site_of
from services.gateway.portal import security_headers
from services.gateway.portal.sessions import end_cookie
from services.gateway.portal.web_security import csrf_token, remember_presession, safe_path

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.auto_reload = False  # the templates ship with the code: no stat() of every template on every page
SECONDS_PER_DAY = 86_400


@lru_cache(maxsize=4096)
def _day(day: int) -> str:
    return datetime.fromtimestamp(day * SECONDS_PER_DAY, UTC).strftime("%b %d, %Y")


def _date(seconds: int | None) -> str:
    """The UTC date; one formatting per day shown (a list page shows the same few dozen days again and again)."""
    if not seconds:
        return ""
    return _day(seconds // SECONDS_PER_DAY)


def _datetime(seconds: int | None) -> str:
    if not seconds:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%b %d, %Y %H:%M UTC")


templates.env.filters["date"] = _date
templates.env.filters["datetime"] = _datetime
templates.env.filters["money"] = format_money
templates.env.globals["csrf"] = csrf_token


class Fragments:
    """Rendered pieces of pages kept by their exact content: a piece whose HTML depends on nothing but the protobuf
    messages in its key (no visitor, no token, no time) is rendered once per distinct content. A changed message
    (an invoice paid, a due date moved) is a new key. At most `limit` pieces; all are dropped when full."""

    def __init__(self, template: str, limit: int) -> None:
        self.template = template
        self.limit = limit
        self._html: dict[bytes, Markup] = {}

    def render(self, key: bytes, **context: Any) -> Markup:
        html = self._html.get(key)
        if html is None:
            if len(self._html) >= self.limit:
                self._html.clear()
            rendered = templates.get_template(self.template).render(**context)
            html = self._html[key] = Markup(rendered)  # noqa: S704  # autoescaped output
        return html


_rows = Fragments("_invoice_row.html", 20_000)
_invoice_bodies = Fragments("_invoice_body.html", 2_000)  # a few KB each


def invoice_rows(rows: Sequence[account_pb2.InvoiceRow]) -> list[Markup]:
    """The account page's rows as HTML, each rendered once per distinct row: the list is the page's costliest part
    to render, and customers look at the same rows again and again."""
    return [_rows.render(row.SerializeToString(deterministic=True), invoice=row) for row in rows]


def invoice_rows_html(rows: Sequence[account_pb2.InvoiceRow]) -> Markup:
    """The rows as one piece of HTML: the template outputs it once, not once per row."""
    return Markup("".join(invoice_rows(rows)))  # noqa: S704  # joined autoescaped fragments


def invoice_body(invoice: invoices_pb2.Invoice, customer: account_pb2.AccountHolder) -> Markup:
    """An invoice page's invoice: its number, status, dates, items and totals, and whom it is for."""
    shown = invoice.SerializeToString(deterministic=True)
    key = len(shown).to_bytes(4, "big") + shown + customer.SerializeToString(deterministic=True)  # unambiguous
    return _invoice_bodies.render(key, invoice=invoice, customer=customer)


def render(
    request: Request, name: str, context: dict[str, Any], status: int = 200, referrer: str = "same-origin"
) -> Response:
    full = {"business": site_of(request).business, "visitor": getattr(request.state, "visitor", None), **context}
    response = templates.TemplateResponse(request, name, full, status_code=status)
    remember_presession(request, response)
    if getattr(request.state, "clear_session", False):
        end_cookie(request, response)
    return security_headers.apply(response, settings_of(request).https, referrer)


def not_found(request: Request, message: str = "We could not find that page.") -> Response:
    return render(request, "not_found.html", {"message": message}, status=404)


def error_page(
    request: Request, error: DomainError | None, status: int | None = None, message: str | None = None
) -> Response:
    if isinstance(error, Unavailable) or status == 503:
        heading, text, code = (
            "Temporarily unavailable",
            "Part of the portal is not answering. Try again in a minute.",
            503,
        )
    else:
        heading, text, code = "Something went wrong", message or (error.message if error else ""), status or 400
    return render(request, "error.html", {"heading": heading, "message": text}, status=code)


def form_expired(request: Request) -> Response:
    """The answer to a state-changing request that fails the CSRF check."""
    return render(request, "error.html", {"heading": "This form has expired", "message": "Reload the page and try again."},
                  status=403)  # fmt: skip


def sign_in_form(request: Request, message: str | None = None, email: str = "", status: int = 200) -> Response:
    return_to = safe_path(request.query_params.get("return_to")) or ""
    return render(request, "home.html", {"message": message, "email": email, "return_to": return_to}, status=status)
