from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from portal_kit.ids import new_uuid
from portal_kit.service_auth import SERVICE_NAME_ENV, token_env
from portal_kit.timestamps import utcnow

from devtools.localservers import PostgresLike
from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.auth.server import MIGRATIONS, build
from services.auth.settings import AuthSettings
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.fake_subscriptions import FakeSubscriptions
from services.auth.tests.portal_steps import Mailbox


class Clock:
    """A controllable `now` for every time-dependent rule of the service."""

    def __init__(self) -> None:
        self.moment = utcnow()

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(service_databases: ServiceDatabases, clock: Clock) -> AsyncIterator[RunningService]:
    settings = settings_for_test(AuthSettings, await service_databases.fresh("auth", MIGRATIONS))
    async with running_service(settings, MIGRATIONS, lambda db, s: build(db, s, now=clock)) as running:
        yield running


@pytest.fixture(scope="session")
async def billing() -> AsyncIterator[FakeBilling]:
    fake = FakeBilling()
    await fake.server.start()
    yield fake
    await fake.server.stop(0)


@pytest.fixture(scope="session")
async def subscriptions(billing: FakeBilling) -> AsyncIterator[FakeSubscriptions]:
    fake = FakeSubscriptions(billing.tokens)
    await fake.server.start()
    yield fake
    await fake.server.stop(0)


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, tmp_path: Path, service_databases: ServiceDatabases) -> str:
    """PostgreSQL, as in production; SQLite (the local run's) when a test asks for it with
    `@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)`."""
    if getattr(request, "param", "postgres") == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/auth.db"
    return await service_databases.fresh("auth", MIGRATIONS)


@pytest.fixture
async def portal(
    database_url: str,
    clock: Clock,
    billing: FakeBilling,
    subscriptions: FakeSubscriptions,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningService]:
    """The auth service with billing and subscriptions faked over gRPC and the clock under the test's control.

    Auth calls billing as the production process does: as $PORTAL_SERVICE_NAME with its token from the environment.
    """
    monkeypatch.setenv(SERVICE_NAME_ENV, "auth")
    monkeypatch.setenv(token_env("auth"), billing.tokens["auth"])
    settings = settings_for_test(AuthSettings, database_url)
    wiring = lambda db, s: build(  # noqa: E731
        db, s, now=clock, billing_addr=billing.address, subscriptions_addr=subscriptions.address
    )
    async with running_service(settings, MIGRATIONS, wiring) as running:
        yield running


def postgres_url(postgres: PostgresLike) -> str:
    """A new, empty database (for tests of the migrations themselves)."""
    name = f"auth_{new_uuid()[:12]}"
    postgres.create_database(name)
    return postgres.url(name)


@pytest.fixture
def mailbox(portal: RunningService, billing: FakeBilling, clock: Clock) -> Mailbox:
    return Mailbox(portal, billing, clock)
