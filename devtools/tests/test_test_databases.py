"""The service tests' databases: PostgreSQL, migrated once, empty at the start of every test."""

from __future__ import annotations

import asyncpg

from devtools.test_databases import ServiceDatabases
from services.comments.server import MIGRATIONS

INSERT = (
    "INSERT INTO comments (id, tenant_id, document_type, document_id, author, body, created_at) "
    "VALUES ($1, 't1', 'invoice', 1, 'Jane', 'left over', now()) RETURNING pk"
)


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def test_each_test_gets_the_migrated_schema_empty(service_databases: ServiceDatabases) -> None:
    url = await service_databases.fresh("comments", MIGRATIONS)
    assert url.startswith("postgresql+asyncpg://")
    connection = await asyncpg.connect(dsn(url))
    try:
        tables = {row["tablename"] for row in await connection.fetch("SELECT tablename FROM pg_tables")}
        assert {"alembic_version", "comments"} <= tables
        assert await connection.fetchval(INSERT, "c1") == 1
    finally:
        await connection.close()

    assert await service_databases.fresh("comments", MIGRATIONS) == url
    connection = await asyncpg.connect(dsn(url))
    try:
        assert await connection.fetchval("SELECT count(*) FROM comments") == 0
        assert await connection.fetchval("SELECT count(*) FROM alembic_version") == 1
        assert await connection.fetchval(INSERT, "c2") == 1  # identities start again too
    finally:
        await connection.close()
