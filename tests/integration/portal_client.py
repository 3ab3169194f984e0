"""Helpers for driving the customer portal over HTTP as a browser would (cookies, CSRF tokens, emails)."""

from __future__ import annotations

import re

import httpx

from devtools.mailbox import Message, SmtpSink
from devtools.stack import Stack
from tests.conftest import Business

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def portal(stack: Stack, business: Business) -> httpx.Client:
    """A browser-like client for a business's portal host (connects to 127.0.0.1, sends the portal Host)."""
    return httpx.Client(
        base_url=f"http://127.0.0.1:{stack.http_port}",
        headers={"Host": f"{business.username}.localhost:{stack.http_port}"},
        follow_redirects=False,
        timeout=30,
    )


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def ask_for_link(client: httpx.Client, email: str) -> httpx.Response:
    home = client.get("/")
    return client.post("/sign-in", data={"email": email, "csrf_token": csrf_of(home)})


def sign_in_email(sink: SmtpSink, address: str, after: float = 0.0, timeout: float = 30) -> Message:
    found = sink.wait_for(
        lambda m: address in m.to and m.subject.startswith("Sign in") and m.received_at.timestamp() >= after,
        timeout=timeout,
    )
    return found[-1]


def link_path(message: Message) -> str:
    found = re.search(r"https?://[^/\s]+(/sign-in/[A-Za-z0-9_\-]+)", message.text)
    assert found, message.text
    return found.group(1)


def code_of(message: Message) -> str:
    found = re.search(r"\b(\d{6})\b", message.text)
    assert found, message.text
    return found.group(1)


def sign_in(client: httpx.Client, sink: SmtpSink, email: str) -> httpx.Response:
    """The whole link flow; waits for a sign-in email it has not seen before."""
    seen = {m.id for m in sink.messages()}
    ask_for_link(client, email)
    found = sink.wait_for(lambda m: m.id not in seen and email in m.to and m.subject.startswith("Sign in"), timeout=30)
    path = link_path(found[-1])
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_of(page)})


def session_cookie(response: httpx.Response) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("portal_session="):
            return header
    return None
