"""Customers sign in with an emailed link or code; mail scanners, replays, enumeration and CSRF are refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import invoiced

from devtools.mailbox import Message, SmtpSink
from devtools.stack import Stack
from services.auth.code_limits import CODES_PAUSED, CodeLimits
from tests.conftest import Business, client_for, create_business
from tests.integration.portal_client import (
    ask_for_link,
    code_of,
    csrf_of,
    link_path,
    portal,
    session_cookie,
    sign_in,
    sign_in_email,
)


def customer_with(client: invoiced.Client, business: Business, name: str = "Globex") -> tuple[str, int]:
    email = f"{name.lower()}-{business.username}@example.com"
    customer = client.Customer.create(name=name, email=email)
    return email, customer.id


def test_link_flow_signs_in_only_on_the_continue_post(stack: Stack, business: Business, client: invoiced.Client,
                                                      smtp_sink: SmtpSink) -> None:  # fmt: skip
    email, _ = customer_with(client, business)
    with portal(stack, business) as browser:
        started = time.time() - 1
        asked = ask_for_link(browser, email)
        assert asked.status_code == 303 and asked.headers["location"] == "/sign-in/check"
        message = sign_in_email(smtp_sink, email, after=started)
        assert "Sign in" in (message.html or "")
        path = link_path(message)

        opened = browser.get(path)
        assert opened.status_code == 200 and "Continue" in opened.text
        assert session_cookie(opened) is None
        assert opened.headers["referrer-policy"] == "no-referrer"

        signed_in = browser.post(path, data={"csrf_token": csrf_of(opened)})
        assert signed_in.status_code == 303
        cookie = session_cookie(signed_in)
        assert cookie is not None
        flags = cookie.lower()
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags and "domain" not in flags
        home = browser.get("/")
        assert home.status_code == 200 and "Globex" in home.text and "Invoices" in home.text

        again = httpx.post(
            f"http://127.0.0.1:{stack.http_port}{path}", headers={"Host": browser.headers["host"]},
            data={"csrf_token": csrf_of(opened)}, cookies=dict(browser.cookies),
        )  # fmt: skip
        assert again.status_code == 410 and session_cookie(again) is None


def test_code_flow_from_another_device(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    email, _ = customer_with(client, business, "Initech")
    with portal(stack, business) as laptop, portal(stack, business) as phone:
        started = time.time() - 1
        ask_for_link(laptop, email)
        code = code_of(sign_in_email(smtp_sink, email, after=started))
        phone_check = phone.get("/sign-in/check")
        stolen = phone.post("/sign-in/code", data={"code": code, "csrf_token": csrf_of(phone_check)})
        assert stolen.status_code == 400 and session_cookie(stolen) is None, "a code works only where it was asked"
        check = laptop.get("/sign-in/check")
        wrong = laptop.post(
            "/sign-in/code", data={"code": "000000" if code != "000000" else "111111", "csrf_token": csrf_of(check)}
        )
        assert wrong.status_code == 400 and session_cookie(wrong) is None
        right = laptop.post("/sign-in/code", data={"code": code, "csrf_token": csrf_of(check)})
        assert right.status_code == 303 and session_cookie(right)  # the same, still unused code
        assert "Initech" in laptop.get("/").text
        again = phone.post("/sign-in/code", data={"code": code, "csrf_token": csrf_of(phone_check)})
        assert again.status_code == 400 and session_cookie(again) is None


def test_mail_scanner_does_not_use_up_the_link(stack: Stack, business: Business, client: invoiced.Client,
                                               smtp_sink: SmtpSink) -> None:  # fmt: skip
    email, _ = customer_with(client, business, "Scanned")
    with portal(stack, business) as browser:
        started = time.time() - 1
        ask_for_link(browser, email)
        path = link_path(sign_in_email(smtp_sink, email, after=started))
        with portal(stack, business) as scanner:
            assert scanner.head(path).status_code == 200
            for _ in range(3):
                assert scanner.get(path).status_code == 200
            auto = scanner.post(path, data={})
            assert auto.status_code == 403 and session_cookie(auto) is None
        page = browser.get(path)
        assert browser.post(path, data={"csrf_token": csrf_of(page)}).status_code == 303


def test_two_concurrent_posts_of_one_link_make_one_session(stack: Stack, business: Business, client: invoiced.Client,
                                                           smtp_sink: SmtpSink) -> None:  # fmt: skip
    email, _ = customer_with(client, business, "Racer")
    with portal(stack, business) as browser:
        started = time.time() - 1
        ask_for_link(browser, email)
        path = link_path(sign_in_email(smtp_sink, email, after=started))
        token = csrf_of(browser.get(path))
        cookies = dict(browser.cookies)
        results: list[httpx.Response] = []

        def post() -> None:
            results.append(httpx.post(f"http://127.0.0.1:{stack.http_port}{path}", headers={"Host": browser.headers["host"]},
                                      data={"csrf_token": token}, cookies=cookies))  # fmt: skip

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(r.status_code for r in results) == [303, 410]
    assert sum(1 for r in results if session_cookie(r)) == 1


def test_link_of_one_business_does_nothing_on_another(stack: Stack, business: Business, client: invoiced.Client,
                                                      smtp_sink: SmtpSink) -> None:  # fmt: skip
    email, _ = customer_with(client, business, "Crossed")
    other = create_business(stack, "Elsewhere")
    with portal(stack, business) as browser:
        started = time.time() - 1
        ask_for_link(browser, email)
        path = link_path(sign_in_email(smtp_sink, email, after=started))
    with portal(stack, other) as elsewhere:
        page = elsewhere.get(path)
        assert page.status_code == 410 and "Continue" not in page.text
        refused = elsewhere.post(path, data={"csrf_token": csrf_of(page)})
        assert refused.status_code == 410 and session_cookie(refused) is None


def test_used_link_shows_expired_page_with_the_address_filled_in(stack: Stack, business: Business, client: invoiced.Client,
                                                                  smtp_sink: SmtpSink) -> None:  # fmt: skip
    email, _ = customer_with(client, business, "Twice")
    with portal(stack, business) as browser:
        started = time.time() - 1
        ask_for_link(browser, email)
        path = link_path(sign_in_email(smtp_sink, email, after=started))
        browser.post(path, data={"csrf_token": csrf_of(browser.get(path))})
        expired = browser.get(path)
        assert expired.status_code == 410
        assert f'value="{email}"' in expired.text and "Send me a new link" in expired.text


def test_known_and_unknown_addresses_get_byte_equal_answers(
    stack: Stack, business: Business, client: invoiced.Client
) -> None:
    known, _ = customer_with(client, business, "Known")
    unknown = f"nobody-{business.username}@example.com"
    with portal(stack, business) as browser:
        csrf = csrf_of(browser.get("/"))
        answers = [
            browser.post("/sign-in", data={"email": address, "csrf_token": csrf}) for address in (known, unknown)
        ]
    first, second = answers
    assert first.status_code == second.status_code == 303
    assert first.content == second.content
    strip = {"date"}
    assert [(k, v) for k, v in first.headers.items() if k not in strip] == [
        (k, v) for k, v in second.headers.items() if k not in strip
    ]


def test_rate_limit_sends_at_most_five_emails_per_address(stack: Stack, business: Business, client: invoiced.Client,
                                                          smtp_sink: SmtpSink) -> None:  # fmt: skip
    email, _ = customer_with(client, business, "Busy")
    marker, _ = customer_with(client, business, "Marker")
    started = time.time() - 1
    with portal(stack, business) as browser:
        answers = [ask_for_link(browser, email) for _ in range(7)]
        assert {a.status_code for a in answers} == {303}
        assert ask_for_link(browser, marker).status_code == 303  # the same ordered path, after the seven

    def to(address: str) -> Callable[[Message], bool]:
        return lambda m: address in m.to and m.received_at.timestamp() >= started

    sent = smtp_sink.unwanted_by_marker(marker=to(marker), unwanted=to(email))
    assert len(sent) == 5


def test_no_email_for_addresses_of_another_business(stack: Stack, business: Business, client: invoiced.Client,
                                                    smtp_sink: SmtpSink) -> None:  # fmt: skip
    email, _ = customer_with(client, business, "Private")
    other = create_business(stack, "Stranger Co")
    marker, _ = customer_with(client_for(stack, other), other, "Marker")
    started = time.time() - 1
    with portal(stack, other) as browser:
        assert ask_for_link(browser, email).status_code == 303
        assert ask_for_link(browser, marker).status_code == 303  # the same ordered path, after the first request
    sent = smtp_sink.unwanted_by_marker(
        marker=lambda m: marker in m.to and m.received_at.timestamp() >= started,
        unwanted=lambda m: email in m.to and m.received_at.timestamp() >= started,
    )
    assert sent == []


def test_csrf_is_required_for_every_form(stack: Stack, business: Business) -> None:
    with portal(stack, business) as browser:
        home = browser.get("/")
        assert browser.post("/sign-in", data={"email": "a@example.com"}).status_code == 403
        assert browser.post("/sign-in", data={"email": "a@example.com", "csrf_token": "forged"}).status_code == 403
        foreign = browser.post(
            "/sign-in",
            data={"email": "a@example.com", "csrf_token": csrf_of(home)},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status_code == 403
        cross_site = browser.post(
            "/sign-in",
            data={"email": "a@example.com", "csrf_token": csrf_of(home)},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert cross_site.status_code == 403
        opaque = browser.post(
            "/sign-in", data={"email": "a@example.com", "csrf_token": csrf_of(home)}, headers={"Origin": "null"}
        )
        assert opaque.status_code == 403
        from_no_referrer_page = browser.post(
            "/sign-in",
            data={"email": "a@example.com", "csrf_token": csrf_of(home)},
            headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        )
        assert from_no_referrer_page.status_code == 303
        assert browser.post("/sign-in", data={"email": "a@example.com", "csrf_token": csrf_of(home)}).status_code == 303


def test_security_headers_on_every_page(stack: Stack, business: Business) -> None:
    with portal(stack, business) as browser:
        for path in ("/", "/sign-in/check", "/sign-in/not-a-real-token", "/no-such-page"):
            page = browser.get(path)
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"], path
            assert page.headers["x-content-type-options"] == "nosniff", path
            assert page.headers["referrer-policy"] in ("same-origin", "no-referrer"), path


def test_a_new_session_id_at_every_sign_in_and_planted_cookies_do_nothing(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    email, _ = customer_with(client, business, "Fixed")
    with portal(stack, business) as browser:
        browser.cookies.set("portal_session", "attacker-chosen-value")
        assert "Email me a sign-in link" in browser.get("/").text
        first = session_cookie(sign_in(browser, smtp_sink, email))
        second = session_cookie(sign_in(browser, smtp_sink, email))
    assert first and second and "attacker-chosen-value" not in first
    assert first.split(";")[0] != second.split(";")[0]


def test_sign_out_and_sign_out_everywhere(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    email, _ = customer_with(client, business, "Roamer")
    with portal(stack, business) as laptop, portal(stack, business) as phone:
        sign_in(laptop, smtp_sink, email)
        sign_in(phone, smtp_sink, email)
        security = laptop.get("/account/security")
        assert security.status_code == 200 and security.text.count("<tr>") >= 3
        out = laptop.post("/sign-out/everywhere", data={"csrf_token": csrf_of(security)})
        assert out.status_code == 303
        assert "Email me a sign-in link" in phone.get("/").text
        assert "Email me a sign-in link" in laptop.get("/").text
        sign_in(laptop, smtp_sink, email)
        home = laptop.get("/")
        assert laptop.post("/sign-out", data={"csrf_token": csrf_of(home)}).status_code == 303
        assert "Email me a sign-in link" in laptop.get("/").text


def test_one_address_for_several_customers_chooses_and_switches(stack: Stack, business: Business, client: invoiced.Client,
                                                               smtp_sink: SmtpSink) -> None:  # fmt: skip
    email = f"shared-{business.username}@example.com"
    first = client.Customer.create(name="First Co", email=email)
    second = client.Customer.create(name="Second Co")
    second.contacts().create(name="Shared Person", email=email)
    with portal(stack, business) as browser:
        signed_in = sign_in(browser, smtp_sink, email)
        assert signed_in.headers["location"].startswith("/choose-account")
        chooser = browser.get("/choose-account")
        assert "First Co" in chooser.text and "Second Co" in chooser.text
        chosen = browser.post("/choose-account", data={"customer_id": second.id, "csrf_token": csrf_of(chooser)})
        assert chosen.status_code == 303
        assert "Second Co" in browser.get("/").text
        back = browser.post("/choose-account", data={"customer_id": first.id, "csrf_token": csrf_of(chooser)})
        assert back.status_code == 303 and "First Co" in browser.get("/").text
        stranger = client_for(stack, business).Customer.create(name="Not Mine")
        refused = browser.post("/choose-account", data={"customer_id": stranger.id, "csrf_token": csrf_of(chooser)})
        assert refused.status_code == 403


def test_past_the_code_cap_the_page_says_to_use_the_link_which_works(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink
) -> None:
    """Code spraying through the portal: services/auth/code_limits.py caps failed codes per business."""
    email, _ = customer_with(client, business, "Sprayed")
    with portal(stack, business) as browser:
        started = time.time() - 1
        ask_for_link(browser, email)
        message = sign_in_email(smtp_sink, email, after=started)
        code = code_of(message)
        wrong = "000000" if code != "000000" else "111111"
        token = csrf_of(browser.get("/sign-in/check"))
        for _ in range(CodeLimits().per_business):
            refused = browser.post("/sign-in/code", data={"code": wrong, "csrf_token": token})
            assert refused.status_code == 400 and CODES_PAUSED not in refused.text
        paused = browser.post("/sign-in/code", data={"code": code, "csrf_token": token})
        assert paused.status_code == 400 and session_cookie(paused) is None
        assert CODES_PAUSED in paused.text
        page = browser.get(link_path(message))
        assert session_cookie(browser.post(link_path(message), data={"csrf_token": csrf_of(page)}))
