"""PostgreSQL databases for the service tests: one cluster per test run, one database per service.

Each service's database is created and migrated once, on first use, then emptied (every table truncated, identities
restarted) before each test that asks for it: every test starts from the freshly migrated schema, on the
production database, without paying for a migration per test.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
from portal_kit.migrations import upgrade_async

from devtools.localservers import PostgresLike

# A test that leaves a transaction open would otherwise make TRUNCATE wait forever.
_LOCK_TIMEOUT = "10s"


class ServiceDatabases:
    def __init__(self, server: PostgresLike) -> None:
        self.server = server
        self._migrated: set[str] = set()

    async def fresh(self, service: str, migrations_dir: Path) -> str:
        """The SQLAlchemy URL of `service`'s test database, migrated to head and empty."""
        name = f"test_{service}"
        url = self.server.url(name)
        if name not in self._migrated:
            self.server.create_database(name)
            await upgrade_async(migrations_dir, url)
            self._migrated.add(name)
        await _empty(url)
        return url


async def _empty(url: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await connection.execute(f"SET lock_timeout = '{_LOCK_TIMEOUT}'")
        tables = await connection.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        if tables:
            names = ", ".join(row["name"] for row in tables)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")  # noqa: S608 - catalog names
    finally:
        await connection.close()
