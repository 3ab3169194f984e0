"""Security headers on every HTML page."""

from __future__ import annotations

from starlette.responses import Response

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def apply(response: Response, https: bool, referrer_policy: str = "same-origin") -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = referrer_policy
    response.headers["Cache-Control"] = "no-store"
    if https:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response
