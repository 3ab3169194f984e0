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
