from __future__ import annotations

from types import SimpleNamespace

from portal_kit.settings import DEV_SECRET_KEY
from starlette.requests import Request
from starlette.responses import Response

from services.gateway.portal.web_security import (
    SESSION_COOKIE,
    attempt_id,
    clear_cookie,
    client_of,
    csrf_token,
    csrf_valid,
    remember_presession,
    safe_path,
    set_cookie,
)


def request(
    https: bool, headers: dict[str, str] | None = None, cookies: str = "", peer: str = "203.0.113.5", proxies: str = ""
) -> Request:
    settings = SimpleNamespace(
        https=https,
        public_scheme="https" if https else "http",
        secret_key=DEV_SECRET_KEY.encode(),
        trusted_proxies=proxies,
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
        "client": (peer, 40000),
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
    assert loggable_path("/estimates/SECRET/pdf") == "/estimates/[token]/pdf"
    assert loggable_path("/account/estimates/12") == "/account/estimates/12"
    assert loggable_path("/subscriptions/SECRET") == "/subscriptions/[token]"
    assert loggable_path("/account/subscriptions/12") == "/account/subscriptions/12"
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


def test_security_headers_replace_what_a_response_already_set_and_never_repeat() -> None:
    from services.gateway.portal import security_headers

    cached = Response(headers={"Cache-Control": "max-age=60", "X-Kept": "1"})
    security_headers.apply(cached, https=False, referrer_policy="no-referrer")
    names = [name for name, _ in cached.raw_headers]
    assert names.count(b"cache-control") == 1 and cached.headers["cache-control"] == "no-store"
    assert cached.headers["referrer-policy"] == "no-referrer" and cached.headers["x-kept"] == "1"
    fresh = security_headers.apply(Response(), https=True)
    assert len({name for name, _ in fresh.raw_headers}) == len(fresh.raw_headers)  # each header once


ORIGIN = {"Origin": "https://acme.portal.example"}


def test_a_signed_in_form_is_bound_to_its_session_and_a_new_browser_gets_a_pre_session() -> None:
    signed_in = "__Host-portal_session=sess-1"
    token = csrf_token(request(True, cookies=signed_in))
    assert csrf_valid(request(True, ORIGIN, signed_in), token)
    assert not csrf_valid(request(True, ORIGIN, "__Host-portal_session=sess-2"), token)
    assert not csrf_valid(request(True, ORIGIN, "__Host-portal_pre=sess-1"), token)  # a pre-session is not a session
    assert not csrf_valid(request(True, ORIGIN, "portal_session=sess-1"), token)  # no prefix under https: not ours
    assert csrf_valid(request(False, {"Origin": "http://acme.portal.example"}, "portal_session=sess-1"), csrf_token(
        request(False, cookies="portal_session=sess-1")))  # fmt: skip

    fresh = request(True)
    first = csrf_token(fresh)
    assert csrf_token(fresh) == first  # one pre-session per response, however many forms
    response = Response()
    remember_presession(fresh, response)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-portal_pre=") and "max-age=86400" in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert csrf_valid(request(True, ORIGIN, f"__Host-portal_pre={value}"), first)
    assert attempt_id(request(True, cookies=f"__Host-portal_pre={value}")) == attempt_id(fresh)
    assert len(attempt_id(fresh)) == 32
    known = Response()
    remember_presession(request(True, cookies=f"__Host-portal_pre={value}"), known)
    assert "set-cookie" not in known.headers  # a browser that has one keeps it


def test_origin_and_fetch_metadata_decide_what_is_same_origin() -> None:
    cookies = "__Host-portal_pre=one"
    token = csrf_token(request(True, cookies=cookies))
    cases = {
        (("Origin", "https://acme.portal.example"),): True,
        (("Origin", "https://globex.portal.example"),): False,  # another business's portal
        (("Origin", "https://acme.portal.example.evil"),): False,
        (("Origin", "null"), ("Sec-Fetch-Site", "same-origin")): True,  # a no-referrer page of ours
        (("Origin", "null"),): False,
        (("Origin", "null"), ("Sec-Fetch-Site", "none")): False,
        (("Sec-Fetch-Site", "same-origin"),): True,
        (("Sec-Fetch-Site", "none"),): True,  # typed or bookmarked by the person
        (("Sec-Fetch-Site", "same-site"),): False,  # another business's portal
        (): True,  # neither header: the token alone decides
    }
    for headers, expected in cases.items():
        assert csrf_valid(request(True, dict(headers), cookies), token) is expected, headers
        assert not csrf_valid(request(True, dict(headers), cookies), "0" * len(token)), headers


def test_clearing_a_cookie_keeps_its_flags() -> None:
    response = Response()
    clear_cookie(request(True), response, SESSION_COOKIE)
    header = response.headers["set-cookie"].lower()
    assert header.startswith("__host-portal_session=") and "max-age=0" in header
    assert "secure" in header and "httponly" in header and "samesite=lax" in header and "path=/" in header


def test_return_paths_have_a_length_limit() -> None:
    assert safe_path("/" + "a" * 499) == "/" + "a" * 499
    assert safe_path("/" + "a" * 500) is None
    assert safe_path("/a\x1fb") is None and safe_path("/a b") == "/a b"


def test_the_client_is_the_peer_unless_a_trusted_proxy_forwarded_it() -> None:
    agent = {"User-Agent": "u" * 400}
    assert client_of(request(True, agent)) == ("203.0.113.5", "u" * 300)
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    assert client_of(request(True, forwarded))[0] == "203.0.113.5"  # anyone can write the header
    assert client_of(request(True, forwarded, peer="10.0.0.2", proxies="10.0.0.0/8"))[0] == "198.51.100.7"
