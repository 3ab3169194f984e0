"""Gateways reuse validated sessions and API keys for a few seconds; every revocation reaches ANOTHER gateway
instance within a second, through auth's revocation events (auth.revocations.v1).

The second gateway here keeps copies for 60 s, so only the event can explain a revocation seen within 1 s.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import invoiced
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from portal.auth.v1 import revocations_pb2 as pb
from portal_kit.service_auth import env_for
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from devtools.localservers import PostgresLike, free_port, wait_for_port
from devtools.stack import Stack
from services.gateway.app import create_app
from services.gateway.caches import TOPIC
from services.gateway.settings import GatewaySettings
from tests.conftest import Business
from tests.integration.portal_client import csrf_of, portal

SIGN_IN_FORM = "Email me a sign-in link"


@dataclass
class Gateway:
    port: int
    app: object

    def page(self, business: Business, cookie: str, path: str = "/") -> httpx.Response:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10) as browser:
            return browser.get(path, headers={"Host": f"{business.username}.localhost:{self.port}", "Cookie": cookie})

    def api(self, api_key: str, path: str) -> httpx.Response:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10) as api:
            return api.get(path, auth=(api_key, ""), headers={"Host": f"localhost:{self.port}"})


@pytest.fixture(scope="module")
def second_gateway(stack: Stack) -> Iterator[Gateway]:
    """Another gateway instance (in this process), on the same backends and broker, keeping copies for 60 s."""
    port = free_port()
    settings = GatewaySettings(
        base_domain="localhost",
        public_scheme="http",
        public_port=port,
        http_port=port,
        auth_addr=f"127.0.0.1:{stack.grpc_ports['auth']}",
        billing_addr=f"127.0.0.1:{stack.grpc_ports['billing']}",
        subscriptions_addr=f"127.0.0.1:{stack.grpc_ports['subscriptions']}",
        comments_addr=f"127.0.0.1:{stack.grpc_ports['comments']}",
        kafka_bootstrap=stack.kafka_bootstrap,
        gateway_cache_seconds=60,
    )
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    saved = dict(os.environ)
    os.environ.update(env_for("gateway", stack.tokens))  # its channels carry the gateway's credential, read at start
    thread.start()
    try:
        wait_for_port("127.0.0.1", port, 30)
        deadline = time.monotonic() + 30
        while not getattr(app.state, "revocations", None) or not app.state.revocations.ready.is_set():
            assert time.monotonic() < deadline, "the second gateway never started reading revocations"
            time.sleep(0.05)
        restore(saved)
        yield Gateway(port, app)
    finally:
        restore(saved)
        server.should_exit = True
        thread.join(15)


def restore(environment: dict[str, str]) -> None:
    if dict(os.environ) != environment:
        os.environ.clear()
        os.environ.update(environment)


def business_api(stack: Stack, business: Business) -> httpx.Client:
    """The business API on the first gateway."""
    return httpx.Client(
        base_url=f"http://127.0.0.1:{stack.http_port}/api",
        auth=(business.api_key, ""),
        headers={"Host": f"localhost:{stack.http_port}"},
        timeout=10,
    )


def sso_cookie(stack: Stack, business: Business, client: invoiced.Client, customer_id: int) -> str:
    """A session made through an SSO link on the first gateway; the Cookie header value."""
    with business_api(stack, business) as api:
        url = api.post(f"/customers/{customer_id}/sign_in_link", json={}).json()["url"]
    with portal(stack, business) as browser:
        opened = browser.get("/login/" + url.split("/login/", 1)[1])
    assert opened.status_code == 303
    return f"portal_session={opened.cookies['portal_session']}"


def signed_in(reply: httpx.Response) -> bool:
    return reply.status_code == 200 and SIGN_IN_FORM not in reply.text


def within_a_second(check: Callable[[], bool]) -> float:
    started = time.monotonic()
    while not check():
        elapsed = time.monotonic() - started
        assert elapsed < 1.0, "the revocation did not reach the other gateway within 1 s"
        time.sleep(0.02)
    return time.monotonic() - started


def on_first_gateway(stack: Stack, business: Business, cookie: str) -> httpx.Client:
    browser = portal(stack, business)
    browser.headers["Cookie"] = cookie
    return browser


def test_sign_out_reaches_another_gateway_within_a_second(
    stack: Stack, business: Business, client: invoiced.Client, second_gateway: Gateway
) -> None:
    customer = client.Customer.create(name="Signs Out Co")
    cookie = sso_cookie(stack, business, client, customer.id)
    assert signed_in(second_gateway.page(business, cookie))  # the other gateway keeps a copy now
    with on_first_gateway(stack, business, cookie) as browser:
        home = browser.get("/")
        assert browser.post("/sign-out", data={"csrf_token": csrf_of(home)}).status_code == 303
    within_a_second(lambda: not signed_in(second_gateway.page(business, cookie)))


def test_sign_out_everywhere_reaches_another_gateway_within_a_second(
    stack: Stack, business: Business, client: invoiced.Client, second_gateway: Gateway
) -> None:
    customer = client.Customer.create(name="Everywhere Co")
    laptop = sso_cookie(stack, business, client, customer.id)
    phone = sso_cookie(stack, business, client, customer.id)
    assert signed_in(second_gateway.page(business, phone))
    with on_first_gateway(stack, business, laptop) as browser:
        security = browser.get("/account/security")
        assert browser.post("/sign-out/everywhere", data={"csrf_token": csrf_of(security)}).status_code == 303
    within_a_second(lambda: not signed_in(second_gateway.page(business, phone)))


def test_ending_a_customers_sessions_and_deleting_a_customer_reach_another_gateway(
    stack: Stack, business: Business, client: invoiced.Client, second_gateway: Gateway
) -> None:
    ended = client.Customer.create(name="Ended Co")
    deleted = client.Customer.create(name="Deleted Co")
    kept = client.Customer.create(name="Kept Co")
    cookies = {c.id: sso_cookie(stack, business, client, c.id) for c in (ended, deleted, kept)}
    assert all(signed_in(second_gateway.page(business, cookie)) for cookie in cookies.values())

    with business_api(stack, business) as api:
        assert api.post(f"/customers/{ended.id}/sign_out", json={}).status_code == 200
        within_a_second(lambda: not signed_in(second_gateway.page(business, cookies[ended.id])))
        assert api.delete(f"/customers/{deleted.id}").status_code == 204
        within_a_second(lambda: not signed_in(second_gateway.page(business, cookies[deleted.id])))
    assert signed_in(second_gateway.page(business, cookies[kept.id]))


def test_tightened_timeouts_reach_another_gateways_copies(
    stack: Stack, business: Business, client: invoiced.Client, second_gateway: Gateway
) -> None:
    customer = client.Customer.create(name="Timeouts Co")
    cookie = sso_cookie(stack, business, client, customer.id)
    assert signed_in(second_gateway.page(business, cookie))
    with business_api(stack, business) as api:
        assert api.patch("/portal_settings", json={"idle_timeout_minutes": 5}).status_code == 200
    copies = second_gateway.app.state.backends.caches  # type: ignore[attr-defined]
    within_a_second(lambda: copies.session(business.id, cookie.split("=", 1)[1]) is None)
    assert signed_in(second_gateway.page(business, cookie))  # still valid: asked auth again


async def publish(bootstrap: str, revocation: pb.Revocation) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(TOPIC, revocation.SerializeToString(), key=revocation.business_id.encode())
    finally:
        await producer.stop()


async def revoke_keys_in_auth(url: str, business_id: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE api_keys SET revoked_at = now() WHERE tenant_id = :b"), {"b": business_id}
            )
    finally:
        await engine.dispose()


def test_a_revoked_api_key_stops_working_on_another_gateway_within_a_second(
    stack: Stack, business: Business, second_gateway: Gateway, postgres: PostgresLike
) -> None:
    """Auth has no API to revoke keys yet (the groundwork issue adds it): the key is revoked in auth's database
    and the event auth will publish for it is sent, to show what every gateway does with it."""
    assert second_gateway.api(business.api_key, "/api/customers").status_code == 200  # a copy of the key now
    asyncio.run(revoke_keys_in_auth(postgres.url("portal_auth"), business.id))
    assert second_gateway.api(business.api_key, "/api/customers").status_code == 200  # the copy, for now
    asyncio.run(publish(stack.kafka_bootstrap, pb.Revocation(business_id=business.id, api_keys=pb.ApiKeysRevoked())))
    within_a_second(lambda: second_gateway.api(business.api_key, "/api/customers").status_code == 401)


async def end_sessions_in_auth(url: str, business_id: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE portal_sessions SET ended_at = now() WHERE tenant_id = :b"), {"b": business_id}
            )
    finally:
        await engine.dispose()


def test_the_gateway_that_signs_a_customer_in_keeps_a_copy_until_it_is_revoked(
    stack: Stack, business: Business, client: invoiced.Client, second_gateway: Gateway, postgres: PostgresLike
) -> None:
    """The first page after a sign-in needs no call to auth. The sessions are ended in auth's database and the
    event auth publishes for that is sent by hand, to show that only the event ends the copy."""
    customer = client.Customer.create(name="Lands Here Co")
    with business_api(stack, business) as api:
        url = api.post(f"/customers/{customer.id}/sign_in_link", json={}).json()["url"]
    opened = second_gateway.page(business, "", "/login/" + url.split("/login/", 1)[1])
    assert opened.status_code == 303
    cookie = f"portal_session={opened.cookies['portal_session']}"
    asyncio.run(end_sessions_in_auth(postgres.url("portal_auth"), business.id))
    assert signed_in(second_gateway.page(business, cookie))  # the copy made at sign-in: auth was not asked
    revocation = pb.Revocation(business_id=business.id, all_sessions=pb.AllSessionsRevoked())
    asyncio.run(publish(stack.kafka_bootstrap, revocation))
    within_a_second(lambda: not signed_in(second_gateway.page(business, cookie)))
