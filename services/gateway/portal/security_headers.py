"""Security headers on every HTML page."""

from __future__ import annotations

from functools import cache

from starlette.responses import Response

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


@cache
def _headers(https: bool, referrer_policy: str) -> tuple[tuple[bytes, bytes], ...]:
    headers = {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": referrer_policy,
        "cache-control": "no-store",
    }
    if https:
        headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
    return tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())


def apply(response: Response, https: bool, referrer_policy: str = "same-origin") -> Response:
    """Sets the headers, replacing any of them the response already has. They are appended to the raw header list
    at once when it has none of them (every page), which is what setting them one by one would give."""
    headers = _headers(https, referrer_policy)
    names = {name for name, _ in headers}
    if any(name in names for name, _ in response.raw_headers):
        for name, value in headers:
            response.headers[name.decode("latin-1")] = value.decode("latin-1")
    else:
        response.raw_headers.extend(headers)
    return response
