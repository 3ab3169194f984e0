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
from portal.billing.v1 import account_pb2
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


MAX_ROW_FRAGMENTS = 20_000
_row_fragments: dict[bytes, Markup] = {}


def invoice_rows(rows: Sequence[account_pb2.InvoiceRow]) -> list[Markup]:
    """The account page's rows as HTML. A row's HTML depends on nothing but the row (no visitor, no token), so each
    distinct row is rendered once and kept, keyed by its exact content: a changed row (paid, due date moved) is a
    new key. The list is the page's costliest part to render, and customers look at the same rows again and again."""
    template = templates.get_template("_invoice_row.html")
    found: list[Markup] = []
    for row in rows:
        key = row.SerializeToString(deterministic=True)
        html = _row_fragments.get(key)
        if html is None:
            if len(_row_fragments) >= MAX_ROW_FRAGMENTS:
                _row_fragments.clear()
            html = _row_fragments[key] = Markup(template.render(invoice=row))  # noqa: S704  # autoescaped output
        found.append(html)
    return found


def invoice_rows_html(rows: Sequence[account_pb2.InvoiceRow]) -> Markup:
    """The rows as one piece of HTML: the template outputs it once, not once per row."""
    return Markup("".join(invoice_rows(rows)))  # noqa: S704  # joined autoescaped fragments


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
