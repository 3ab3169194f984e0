"""The real parts the integration tests need, started by the harness on free loopback ports and stopped after.

PostgreSQL is the run's one throwaway cluster (the root conftest.py; a testcontainer when a Docker engine answers); the broker is the
tansu binary; the SMTP sink runs in-process so tests can read what arrives.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import invoiced
import pytest
from portal.auth.v1 import auth_pb2, auth_pb2_grpc
from portal_kit import grpc_client

from devtools.localservers import OtlpSink, PostgresLike
from devtools.mailbox import SmtpSink
from devtools.stack import BACKENDS, Stack, StackOptions


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="portal-tests-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def otlp_sink() -> Iterator[OtlpSink]:
    """Where every service of the test stack sends its spans: the stack runs with tracing on."""
    with OtlpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def stack(workdir: Path, postgres: PostgresLike, smtp_sink: SmtpSink, otlp_sink: OtlpSink) -> Iterator[Stack]:
    urls = {}
    for name in BACKENDS:
        postgres.create_database(f"portal_{name}")
        urls[name] = postgres.url(f"portal_{name}")
    running = Stack(
        StackOptions(
            workdir=workdir / "stack",
            database_urls=urls,
            smtp_port=smtp_sink.port,
            start_stripe=True,  # localstripe: card payments (tests/integration/test_card_payments*.py)
            trusted_proxies="127.0.0.2/32",  # an ingress stand-in (tests/integration/test_client_address.py)
            env=otlp_sink.env(),
        )
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


@dataclass
class Business:
    username: str
    display_name: str
    api_key: str
    sso_key: str
    id: str


def create_business(stack: Stack, display_name: str = "Test Business") -> Business:
    async def create() -> auth_pb2.CreateBusinessResponse:
        channel = grpc_client.channel(f"127.0.0.1:{stack.grpc_ports['auth']}", credential=stack.admin_credential)
        try:
            admin = auth_pb2_grpc.BusinessAdminServiceStub(channel)
            username = "biz-" + secrets.token_hex(4)
            return await admin.CreateBusiness(
                auth_pb2.CreateBusinessRequest(username=username, display_name=display_name)
            )
        finally:
            await channel.close()

    reply = asyncio.run(create())
    return Business(reply.business.username, display_name, reply.api_key, reply.sso_key, reply.business.id)


@pytest.fixture
def business(stack: Stack) -> Business:
    return create_business(stack, "Acme Test Co")


@pytest.fixture
def other_business(stack: Stack) -> Business:
    return create_business(stack, "Other Co")


def client_for(stack: Stack, business: Business) -> invoiced.Client:
    client = invoiced.Client(business.api_key)
    client.api_url = f"http://localhost:{stack.http_port}/api"
    return client


@pytest.fixture
def client(stack: Stack, business: Business) -> invoiced.Client:
    return client_for(stack, business)
