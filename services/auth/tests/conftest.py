from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from portal_kit.localservers import PostgresServer, start_postgres
from portal_kit.testing import RunningService, running_service, settings_for_test
from portal_kit.timestamps import utcnow

from services.auth.server import MIGRATIONS, build


class Clock:
    """A controllable `now` for the idempotency servicer."""

    def __init__(self) -> None:
        self.moment = utcnow()

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    server = start_postgres(tmp_path_factory.mktemp("auth-pg"))
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningService]:
    settings = settings_for_test("auth", f"sqlite+aiosqlite:///{tmp_path}/auth.db")
    async with running_service(settings, MIGRATIONS, lambda db, s: build(db, s, now=clock)) as running:
        yield running
