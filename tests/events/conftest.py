"""Producers and consumers of the events, each the real service code, in-process on free loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from portal_kit.service_auth import SERVICE_NAME_ENV, token_env
from portal_kit.timestamps import utcnow

from devtools.localservers import KafkaServer, start_kafka
from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.auth.server import MIGRATIONS as AUTH_MIGRATIONS
from services.auth.server import build as build_auth
from services.auth.settings import AuthSettings
from services.auth.tests.fake_billing import FakeBilling as FakeCustomers
from services.auth.tests.portal_steps import Mailbox
from services.billing.server import MIGRATIONS as BILLING_MIGRATIONS
from services.billing.server import build as build_billing
from services.billing.settings import BillingSettings


@pytest.fixture
async def kafka(tmp_path: Path) -> AsyncIterator[KafkaServer]:
    server = start_kafka(tmp_path / "kafka")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def billing_service(service_databases: ServiceDatabases) -> AsyncIterator[RunningService]:
    """Billing without its relay: outbox rows stay where a test can read them."""
    settings = settings_for_test(BillingSettings, await service_databases.fresh("billing", BILLING_MIGRATIONS))
    async with running_service(settings, BILLING_MIGRATIONS, build_billing) as running:
        yield running


@pytest.fixture
async def customers_by_email() -> AsyncIterator[FakeCustomers]:
    """Billing's customer look-ups as auth's sign-in needs them."""
    fake = FakeCustomers()
    await fake.server.start()
    yield fake
    await fake.server.stop(0)


@pytest.fixture
async def auth_service(
    service_databases: ServiceDatabases, customers_by_email: FakeCustomers, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningService]:
    monkeypatch.setenv(SERVICE_NAME_ENV, "auth")
    monkeypatch.setenv(token_env("auth"), customers_by_email.tokens["auth"])
    settings = settings_for_test(AuthSettings, await service_databases.fresh("auth", AUTH_MIGRATIONS))
    wiring = lambda db, s: build_auth(db, s, billing_addr=customers_by_email.address)  # noqa: E731
    async with running_service(settings, AUTH_MIGRATIONS, wiring) as running:
        yield running


@pytest.fixture
def sign_in_mailbox(auth_service: RunningService, customers_by_email: FakeCustomers) -> Mailbox:
    """Runs auth's own sign-in consumer on its outbox's requests."""
    return Mailbox(auth_service, customers_by_email, utcnow)


def call_as_mailer(billing: RunningService, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mailer's calls to billing carry the mailer's credential, from the environment as in production."""
    monkeypatch.setenv(SERVICE_NAME_ENV, "mailer")
    monkeypatch.setenv(token_env("mailer"), billing.tokens["mailer"])
