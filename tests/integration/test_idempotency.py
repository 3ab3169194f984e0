"""`Idempotency-Key` on the business API: the first response is replayed, and only for the very same request.

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


def test_a_second_request_while_the_first_runs_is_a_409(stack: Stack, api: httpx.Client) -> None:
    """Both go out at once while billing is frozen: the one that claimed the key waits, the other is refused."""
    headers = {"Idempotency-Key": "busy-key-0001"}
    answers: list[httpx.Response] = []
    arrived = threading.Condition()

    def post() -> None:
        answer = api.post("/customers", json={"name": "Busy Co"}, headers=headers)
        with arrived:
            answers.append(answer)
            arrived.notify_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    with frozen(stack, "billing"):
        for thread in threads:
            thread.start()
        with arrived:
            assert arrived.wait_for(lambda: len(answers) >= 1, timeout=30), "no answer while billing was frozen"
        [refused] = answers
    for thread in threads:
        thread.join(60)
    assert refused.status_code == 409 and refused.json()["param"] == "Idempotency-Key"
    assert "in progress" in refused.json()["message"]
    assert sorted(a.status_code for a in answers) == [201, 409]
    replayed = api.post("/customers", json={"name": "Busy Co"}, headers=headers)
    assert replayed.status_code == 201 and replayed.headers["idempotent-replayed"] == "true"
    assert named(api, "Busy Co") == 1
