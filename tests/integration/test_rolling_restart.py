"""Restarting every backend, one instance at a time, under a steady stream of portal requests: none may fail.

The test's own portal runs two instances of each backend (auth, billing, subscriptions, comments, mailer) on one
database per service; the gateway's address settings list both. Three clients keep asking, one after the other
without pause, for a signed-in customer's account page, an invoice page and an invoice from the business API. Each
instance in turn gets SIGTERM (it must drain and exit 0), is started again and, once its health check says
SERVING (as a Kubernetes readiness probe would), the next one goes.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devtools.localservers import PostgresLike
from devtools.localservers.processes import signal_group
from devtools.mailbox import SmtpSink
from devtools.stack import BACKENDS, Stack, StackOptions
from tests.conftest import Business, create_business
from tests.integration.portal_client import portal


@pytest.fixture(scope="module")
def twin_stack(workdir: Path, postgres: PostgresLike, smtp_sink: SmtpSink) -> Iterator[Stack]:
    suffix = secrets.token_hex(3)
    urls = {}
    for name in BACKENDS:
        postgres.create_database(f"twin_{name}_{suffix}")
        urls[name] = postgres.url(f"twin_{name}_{suffix}")
    stack = Stack(
        StackOptions(
            workdir=workdir / "twin-stack",
            database_urls=urls,
            smtp_port=smtp_sink.port,
            start_stripe=False,
            instances=2,
            shutdown_grace_seconds=10,
        )
    )
    stack.start(timeout=120)
    try:
        yield stack
    finally:
        stack.stop()


@dataclass
class Tally:
    ok: int = 0
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    during: str = ""  # the restart in progress

    def note(self, what: str, answer: httpx.Response | Exception) -> None:
        with self.lock:
            if isinstance(answer, httpx.Response) and answer.status_code == 200:
                self.ok += 1
            else:
                self.failed.append(f"{time.strftime('%H:%M:%S')} {what} during {self.during}: {describe(answer)}")


def describe(answer: httpx.Response | Exception) -> str:
    if not isinstance(answer, httpx.Response):
        return repr(answer)
    said = re.search(r"<p>(.*?)</p>", answer.text) or re.search(r'"message":\s*"([^"]*)"', answer.text)
    return f"{answer.status_code} {said.group(1) if said else answer.text[:200]}"


def keep_asking(what: str, ask: httpx.Client, path: str, stop: threading.Event, tally: Tally) -> None:
    while not stop.is_set():
        try:
            tally.note(what, ask.get(path))
        except httpx.HTTPError as error:
            tally.note(what, error)


def wait_until_serving(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                if (
                    health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                    == health_pb2.HealthCheckResponse.SERVING
                ):
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    pytest.fail(f"the instance on port {port} was not SERVING within {timeout}s")


def signed_in_customer(stack: Stack, business: Business) -> tuple[httpx.Client, httpx.Client, int]:
    """A browser signed in as a customer with one invoice, an API client, and the invoice's id."""
    api = httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, ""), timeout=30)
    customer = api.post("/customers", json={"name": "Steady Co", "email": "steady@example.com"}).json()
    invoice = api.post(
        "/invoices", json={"customer": customer["id"], "items": [{"name": "Work", "quantity": 1, "unit_cost": 10}]}
    ).json()
    link = api.post(f"/customers/{customer['id']}/sign_in_link", json={"ttl": 3600}).json()["url"]
    browser = portal(stack, business)
    opened = browser.get(link.split(f":{stack.http_port}", 1)[1])
    assert opened.status_code == 303, opened.text
    assert browser.get("/").status_code == 200
    assert browser.get(f"/account/invoices/{invoice['id']}").status_code == 200
    return browser, api, invoice["id"]


@contextlib.contextmanager
def steady_traffic(stack: Stack) -> Iterator[Tally]:
    """Three clients asking without pause for the account page, an invoice page and an API read, until the block
    ends (a second after its last restart)."""
    business = create_business(stack, "Steady Business")
    browser, api, invoice_id = signed_in_customer(stack, business)
    invoice_page = portal(stack, business)
    invoice_page.cookies = browser.cookies
    streams = [
        ("account page", browser, "/"),
        ("invoice page", invoice_page, f"/account/invoices/{invoice_id}"),
        ("API read", api, f"/invoices/{invoice_id}"),
    ]
    stop, tally = threading.Event(), Tally()
    threads = [threading.Thread(target=keep_asking, args=(*stream, stop, tally), daemon=True) for stream in streams]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        yield tally
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        for client in (browser, invoice_page, api):
            client.close()


def test_restarting_each_backend_instance_in_turn_fails_no_request(twin_stack: Stack) -> None:
    stack = twin_stack
    restarts: list[str] = []
    with steady_traffic(stack) as tally:
        for name in BACKENDS:
            for index in range(stack.options.instances):
                instance = stack.instance_name(name, index)
                tally.during = instance
                process = stack.processes[instance]
                process.stop(timeout=30)
                assert process.returncode == 0, f"{instance} exited with {process.returncode}:\n{process.log_tail()}"
                process.start()
                wait_until_serving(stack.instance_ports[name][index])
                restarts.append(instance)
    print(f"rolling restart: {len(restarts)} restarts, {tally.ok} requests answered, {len(tally.failed)} failed")
    assert len(restarts) == 2 * len(BACKENDS)
    assert tally.ok > 100
    assert tally.failed == []


def test_a_crashed_billing_instance_costs_no_read(twin_stack: Stack) -> None:
    """SIGKILL, no draining: the calls in flight on the killed instance fail with UNAVAILABLE, and every one of them
    (all reads here) is answered by the other instance instead."""
    stack = twin_stack
    with steady_traffic(stack) as tally:
        for index in range(stack.options.instances):
            process = stack.processes[stack.instance_name("billing", index)]
            signal_group(process.pgid, signal.SIGKILL)
            process.stop(timeout=30)
            process.start()
            wait_until_serving(stack.instance_ports["billing"][index])
    print(f"billing crashes: {tally.ok} requests answered, {len(tally.failed)} failed")
    assert tally.ok > 20
    assert tally.failed == []
