"""Fixtures shared by every test package: one PostgreSQL cluster per test run.

The service tests (services/*/tests) get their database from `service_databases`; the integration tests
(tests/) start the whole portal on the same cluster.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.localservers import PostgresLike, start_postgres_auto
from devtools.test_databases import ServiceDatabases


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresLike]:
    """Fails (never skips) without the PostgreSQL binaries: `./portal test` installs them."""
    server = start_postgres_auto(tmp_path_factory.mktemp("postgres"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def service_databases(postgres: PostgresLike) -> ServiceDatabases:
    return ServiceDatabases(postgres)
