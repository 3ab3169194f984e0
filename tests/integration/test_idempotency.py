"""`Idempotency-Key` on the business API: the first result is replayed, and only for the very same request.

Decision: a key on a GET (or DELETE) is a 400 that says keys belong on POST and PATCH, rather than being ignored:
a client that sends one expects a guarantee the API does not give there.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from devtools.stack import Stack
from tests.conftest import Business


@pytest.fixture
def api(stack: Stack, business: Business) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, ""), timeout=60
    ) as client:
        yield client


def named(api: httpx.Client, name: str) -> int:
    return int(api.get("/customers", params={"filter[name]": name}).headers["x-total-count"])


@contextmanager
def frozen(stack: Stack, service: str) -> Iterator[None]:
    """The backend answers nobody until the block ends (SIGSTOP, then SIGCONT), like the broker outage test."""
    pgid = stack.processes[service].pgid
    os.killpg(pgid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(pgid, signal.SIGCONT)


def test_the_first_response_is_replayed_and_marked(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "replay-key-0001"}
    first = api.post("/customers", json={"name": "Replayed Co"}, headers=headers)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = api.post("/customers", json={"name": "Replayed Co"}, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert named(api, "Replayed Co") == 1
    unkeyed = api.post("/customers", json={"name": "Replayed Co"})
    assert unkeyed.status_code == 201 and "idempotent-replayed" not in unkeyed.headers
    assert named(api, "Replayed Co") == 2


def test_the_same_key_on_another_path_is_refused_not_replayed(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "path-key-0001"}
    customer = api.post("/customers", json={"name": "Path Co"}, headers=headers).json()
    elsewhere = api.post("/invoices", json={"customer": customer["id"], "items": []}, headers=headers)
    assert elsewhere.status_code == 400 and "idempotent-replayed" not in elsewhere.headers
    assert elsewhere.json()["param"] == "Idempotency-Key"
    assert "different request" in elsewhere.json()["message"]
    assert int(api.get("/invoices").headers["x-total-count"]) == 0


def test_a_key_on_a_get_is_refused(api: httpx.Client) -> None:
    refused = api.get("/customers", headers={"Idempotency-Key": "get-key-0001"})
    assert refused.status_code == 400 and refused.json()["param"] == "Idempotency-Key"
    assert "POST and PATCH" in refused.json()["message"]
    assert api.get("/customers").status_code == 200


def test_the_same_key_with_another_body_is_refused_not_replayed(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "body-key-0001"}
    assert api.post("/customers", json={"name": "Body Co"}, headers=headers).status_code == 201
    other = api.post("/customers", json={"name": "Another Body Co"}, headers=headers)
    assert other.status_code == 400 and "idempotent-replayed" not in other.headers
    assert other.json()["param"] == "Idempotency-Key"
    assert "different request" in other.json()["message"] and "body" in other.json()["message"]
    assert named(api, "Body Co") == 1 and named(api, "Another Body Co") == 0


def test_a_request_that_fails_frees_its_key(stack: Stack, api: httpx.Client) -> None:
    """Billing answers nobody past the gateway's deadline: the request fails (503), its transaction never commits,
    and the same request with the same key then runs (or, had billing finished it after all, is replayed): never a
    409 for a day, never a second customer."""
    headers = {"Idempotency-Key": "failed-key-0001"}
    with frozen(stack, "billing"):
        failed = api.post("/customers", json={"name": "Retried Co"}, headers=headers)
    assert failed.status_code == 503, failed.status_code
    retried = api.post("/customers", json={"name": "Retried Co"}, headers=headers)
    assert retried.status_code == 201
    assert named(api, "Retried Co") == 1


def test_a_keyed_write_that_the_backend_refuses_stores_nothing(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "refused-key-0001"}
    refused = api.post("/invoices", json={"customer": 999_999_999, "items": []}, headers=headers)
    assert refused.status_code in (400, 404)
    again = api.post("/invoices", json={"customer": 999_999_999, "items": []}, headers=headers)
    assert again.status_code == refused.status_code and "idempotent-replayed" not in again.headers  # checked anew


def test_concurrent_requests_with_one_key_write_once(stack: Stack, api: httpx.Client) -> None:
    """Both reach billing at once (it is frozen until both are sent): one writes; the other is told the request is
    in progress (409), or, if it looked after the first committed, gets the replay."""
    headers = {"Idempotency-Key": "busy-key-0001"}
    answers: list[httpx.Response] = []

    def post() -> None:
        answers.append(api.post("/customers", json={"name": "Busy Co"}, headers=headers))

    threads = [threading.Thread(target=post) for _ in range(2)]
    with frozen(stack, "billing"):
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join(60)
    fresh = [a for a in answers if a.status_code == 201 and "idempotent-replayed" not in a.headers]
    others = [a for a in answers if a not in fresh]
    assert len(fresh) == 1 and len(others) == 1, [a.status_code for a in answers]
    [other] = others
    if other.status_code == 409:
        assert other.json()["param"] == "Idempotency-Key" and "in progress" in other.json()["message"]
    else:
        assert other.status_code == 201 and other.headers["idempotent-replayed"] == "true"
        assert other.json() == fresh[0].json()
    replayed = api.post("/customers", json={"name": "Busy Co"}, headers=headers)
    assert replayed.status_code == 201 and replayed.headers["idempotent-replayed"] == "true"
    assert named(api, "Busy Co") == 1
