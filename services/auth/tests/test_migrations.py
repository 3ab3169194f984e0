"""The sign-in revision on both engines: existing businesses get the default settings; it goes down and up."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from portal_kit.migrations import alembic_config, upgrade_async
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.auth.server import MIGRATIONS
from services.auth.tests.conftest import postgres_url

INITIAL = "ceb14839c618"
BEFORE_PROTOBUF_EVENTS = "598bed6d120b"


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
async def test_existing_businesses_get_default_settings_and_the_revision_goes_down_and_up(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if engine == "postgres":
        url = postgres_url(request.getfixturevalue("postgres"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/auth.db"
    config = alembic_config(MIGRATIONS, url)
    await asyncio.to_thread(command.upgrade, config, INITIAL)
    database = create_async_engine(url)
    async with database.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO businesses (id, username, display_name, sso_key, disabled, created_at, updated_at) "
                "VALUES ('b1', 'acme', 'Acme', 'k', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    await upgrade_async(MIGRATIONS, url)
    async with database.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT temporary_scope, require_sign_in, idle_timeout_minutes, absolute_timeout_hours "
                    "FROM businesses"
                )
            )
        ).one()
    await database.dispose()
    assert (row[0], bool(row[1]), row[2], row[3]) == ("account", False, 30, 12)
    await asyncio.to_thread(command.downgrade, config, INITIAL)
    await upgrade_async(MIGRATIONS, url)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
async def test_events_waiting_as_json_become_dead_letters_when_events_become_protobuf(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if engine == "postgres":
        url = postgres_url(request.getfixturevalue("postgres"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/auth.db"
    config = alembic_config(MIGRATIONS, url)
    await asyncio.to_thread(command.upgrade, config, BEFORE_PROTOBUF_EVENTS)
    database = create_async_engine(url)
    async with database.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO outbox_events (event_id, tenant_id, topic, key, payload, created_at) "
                "VALUES ('e1', 'b1', 'auth.email_requested.v1', 'k', '{\"to\": []}', CURRENT_TIMESTAMP)"
            )
        )
    await upgrade_async(MIGRATIONS, url)
    async with database.connect() as connection:
        pending = (await connection.execute(text("SELECT count(*) FROM outbox_events"))).scalar_one()
        dead = (
            await connection.execute(text("SELECT event_id, tenant_id, payload, size, error FROM outbox_dead_letters"))
        ).one()
    await database.dispose()
    assert pending == 0
    assert (dead[0], dead[1], bytes(dead[2]), dead[3]) == ("e1", "b1", b'{"to": []}', 10)
    assert "JSON" in dead[4]
    await asyncio.to_thread(command.downgrade, config, BEFORE_PROTOBUF_EVENTS)
    await upgrade_async(MIGRATIONS, url)
