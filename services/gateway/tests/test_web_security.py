from __future__ import annotations

from types import SimpleNamespace

from portal_kit.settings import DEV_SECRET_KEY
from starlette.requests import Request
from starlette.responses import Response

from services.gateway.portal.web_security import SESSION_COOKIE, csrf_token, csrf_valid, safe_path, set_cookie


def request(https: bool, headers: dict[str, str] | None = None, cookies: str = "") -> Request:
    settings = SimpleNamespace(
        https=https, public_scheme="https" if https else "http", secret_key=DEV_SECRET_KEY.encode()
    )
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    raw.append((b"host", b"acme.portal.example"))
    if cookies:
        raw.append((b"cookie", cookies.encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": raw,
        "app": SimpleNamespace(state=SimpleNamespace(settings=settings)),
        "state": {},
    }
    return Request(scope)


def test_session_cookie_under_https_is_host_prefixed_secure_httponly_lax() -> None:
    response = Response()
    set_cookie(request(True), response, SESSION_COOKIE, "abc", max_age=None)
    header = response.headers["set-cookie"]
    assert header.startswith("__Host-portal_session=abc;")
    lowered = header.lower()
    assert "secure" in lowered and "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert "domain" not in lowered and "max-age" not in lowered


def test_session_cookie_over_plain_http_has_no_prefix_and_no_secure_flag() -> None:
    response = Response()
    set_cookie(request(False), response, SESSION_COOKIE, "abc", max_age=60)
    header = response.headers["set-cookie"].lower()
    assert header.startswith("portal_session=abc;") and "secure" not in header and "max-age=60" in header


def test_csrf_token_is_bound_to_the_browser_and_the_origin() -> None:
    first = request(True, cookies="__Host-portal_pre=one")
    token = csrf_token(first)
    assert csrf_valid(request(True, {"Origin": "https://acme.portal.example"}, "__Host-portal_pre=one"), token)
    assert not csrf_valid(request(True, {"Origin": "https://acme.portal.example"}, "__Host-portal_pre=two"), token)
    assert not csrf_valid(request(True, {"Origin": "https://evil.example"}, "__Host-portal_pre=one"), token)
    assert not csrf_valid(request(True, {"Sec-Fetch-Site": "cross-site"}, "__Host-portal_pre=one"), token)
    assert not csrf_valid(request(True, {}, "__Host-portal_pre=one"), "")


def test_only_same_host_paths_are_returned_to() -> None:
    assert safe_path("/account/invoices/5") == "/account/invoices/5"
    for unsafe in (
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "",
        None,
        "/a\nb",
    ):
        assert safe_path(unsafe) is None


def test_logged_paths_never_carry_bearer_tokens() -> None:
    from services.gateway.app import loggable_path

    assert loggable_path("/sign-in/abcSECRET") == "/sign-in/[token]"
    assert loggable_path("/login/eyJhbGciOi.x.y") == "/login/[token]"
    assert loggable_path("/invoices/SECRET/pdf") == "/invoices/[token]/pdf"
    assert loggable_path("/sign-in/check") == "/sign-in/check"
    assert loggable_path("/account/invoices/12") == "/account/invoices/12"


def test_security_headers_add_hsts_only_under_https() -> None:
    from services.gateway.portal import security_headers

    secure = security_headers.apply(Response(), https=True)
    plain = security_headers.apply(Response(), https=False)
    assert secure.headers["strict-transport-security"].startswith("max-age=")
    assert "strict-transport-security" not in plain.headers
    for response in (secure, plain):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
