"""Cookies and CSRF for the portal's pages.

Every state-changing request must come from our own pages: the Origin (or Sec-Fetch-Site) header must say so,
and the form must carry a CSRF token bound to the browser (its session, or before sign-in a random
`pre-session` cookie set when a form is shown). Tokens are HMACs under the server key, never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from services.gateway.client_ip import TrustedProxies

SESSION_COOKIE = "portal_session"
PRESESSION_COOKIE = "portal_pre"
CSRF_FIELD = "csrf_token"


class FormExpired(Exception):
    """A state-changing request failed the CSRF check (or refers to a choice the page no longer offers)."""


def cookie_name(request: Request, base: str) -> str:
    """Under https the cookies carry the __Host- prefix: Secure, host-only, Path=/."""
    return f"__Host-{base}" if request.app.state.settings.https else base


def set_cookie(request: Request, response: Response, base: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        max_age=max_age,
        path="/",
        secure=request.app.state.settings.https,
        httponly=True,
        samesite="lax",
    )


def clear_cookie(request: Request, response: Response, base: str) -> None:
    response.delete_cookie(
        cookie_name(request, base), path="/", secure=request.app.state.settings.https, httponly=True, samesite="lax"
    )


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request, SESSION_COOKIE)) or None


def presession(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request, PRESESSION_COOKIE)) or None


def ensure_presession(request: Request) -> str:
    """The browser's pre-session id, creating one for this response if it has none (see `remember_presession`)."""
    existing = presession(request) or getattr(request.state, "new_presession", None)
    if existing:
        return existing
    created = secrets.token_urlsafe(24)
    request.state.new_presession = created
    return created


def remember_presession(request: Request, response: Response) -> None:
    created = getattr(request.state, "new_presession", None)
    if created:
        set_cookie(request, response, PRESESSION_COOKIE, created, max_age=24 * 3600)


def _mac(request: Request, purpose: str, value: str) -> str:
    key = request.app.state.settings.secret_key
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token forms on this page carry. Bound to the session if there is one, else to the pre-session."""
    token = session_token(request)
    binding = f"s:{token}" if token else f"p:{ensure_presession(request)}"
    return _mac(request, "csrf", binding)


def attempt_id(request: Request) -> str:
    """The sign-in attempt of this browser, derived from its pre-session id (so no cookie is set on submit)."""
    return _mac(request, "sign-in-attempt", ensure_presession(request))[:32]


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    host = request.headers.get("host", "")
    fetch_site = request.headers.get("sec-fetch-site")
    if origin == "null":
        # Browsers send "null" from pages served with Referrer-Policy: no-referrer; fetch metadata still tells.
        return fetch_site == "same-origin"
    if origin is not None:
        scheme = request.app.state.settings.public_scheme
        return origin in (f"{scheme}://{host}", f"{request.url.scheme}://{host}")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    return True  # neither header: an old browser or a non-browser client; the token still has to match


def csrf_valid(request: Request, submitted: str | None) -> bool:
    if not submitted or not same_origin(request):
        return False
    token = session_token(request)
    candidates = []
    if token:
        candidates.append(_mac(request, "csrf", f"s:{token}"))
    if pre := presession(request):
        candidates.append(_mac(request, "csrf", f"p:{pre}"))
    return any(hmac.compare_digest(submitted, candidate) for candidate in candidates)


def client_of(request: Request) -> tuple[str, str]:
    """The customer's address (through trusted proxies only, services/gateway/client_ip.py) and user agent."""
    peer = request.client.host if request.client else ""
    proxies = TrustedProxies.parse(request.app.state.settings.trusted_proxies)
    ip = proxies.client_ip(peer, request.headers.getlist("x-forwarded-for"))
    return ip, request.headers.get("user-agent", "")[:300]


def safe_path(value: str | None) -> str | None:
    """A same-host path to return to after sign-in, or None. Never a URL, never `//host`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 500:
        return None
    if any(ord(ch) < 32 for ch in value):
        return None
    return value
