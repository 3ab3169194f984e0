"""`python -m services.<name> migrate` and the schema check at start, on PostgreSQL (the production database).

A SIGTERM during `migrate` lets the revision in progress finish and starts no other: exit 75, every applied revision
committed, and running `migrate` again finishes the job. A replica never migrates unless PORTAL_MIGRATE_ON_START is
true; with its schema behind it refuses to serve.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from devtools.localservers import PostgresLike, free_port
from portal_kit.migrations import (
    EXIT_INTERRUPTED,
    current_revision,
    head_revision,
    migrate_at_start,
    require_current_schema,
    schema_state,
    upgrade_async,
)

REPO = Path(__file__).resolve().parents[3]
COMMENTS_MIGRATIONS = REPO / "services" / "comments" / "migrations"

ENV_PY = """
from sqlalchemy import MetaData
from portal_kit.migrations import run_env
run_env(MetaData())
"""
REVISION = """
import time
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))
    time.sleep({sleep})


def downgrade() -> None:
    op.drop_table("{table}")
"""
# The middle revision takes long enough for the test to send SIGTERM while it runs.
STEPS = [
    ("r1_first", None, "first_table", 0),
    ("r2_slow", "r1_first", "slow_table", 2),
    ("r3_last", "r2_slow", "last_table", 0),
]


def fresh_database(postgres: PostgresLike, prefix: str) -> str:
    name = f"{prefix}_{secrets.token_hex(4)}"
    postgres.create_database(name)
    return postgres.url(name)


def three_step_migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text(ENV_PY)
    for revision, down, table, sleep in STEPS:
        (folder / "versions" / f"{revision}.py").write_text(
            REVISION.format(revision=revision, down=down, table=table, sleep=sleep)
        )
    return folder


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'libs'}", PYTHONUNBUFFERED="1", **extra)
    return env


def run_migrate(folder: Path, url: str, log: Path) -> subprocess.Popen[bytes]:
    """The code behind `python -m services.<name> migrate`, on the test's own migrations."""
    code = (
        "import sys; from pathlib import Path; from portal_kit import logs; "
        "from portal_kit.migrations import migrate_command; logs.configure('test'); "
        "sys.exit(migrate_command('test', Path(sys.argv[1]), sys.argv[2]))"
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", code, str(folder), url], cwd=REPO, env=child_env(), stdout=out, stderr=out
        )


def wait_for_line(log: Path, needle: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while needle not in log.read_text():
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode} before {needle!r}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {needle!r} within {timeout}s:\n{log.read_text()}")
        time.sleep(0.02)


async def tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            return {row[0] for row in result}
    finally:
        await engine.dispose()


async def test_sigterm_during_a_revision_finishes_it_and_stops_before_the_next(
    postgres: PostgresLike, tmp_path: Path
) -> None:
    folder = three_step_migrations(tmp_path)
    url = fresh_database(postgres, "migrate_sigterm")
    log = tmp_path / "migrate.log"
    process = run_migrate(folder, url, log)
    try:
        wait_for_line(log, '"revision": "r2_slow"', process)  # the slow revision has started
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    output = log.read_text()
    assert returncode == EXIT_INTERRUPTED, output
    assert "migration stopped between revisions; run migrate again to go on" in output
    assert "Traceback" not in output
    assert await current_revision(url) == "r2_slow"  # the revision in progress committed
    assert await tables(url) == {"alembic_version", "first_table", "slow_table"}

    again = run_migrate(folder, url, log)
    assert again.wait(timeout=30) == 0, log.read_text()
    assert await current_revision(url) == "r3_last"
    assert "last_table" in await tables(url)


async def test_a_failing_revision_rolls_back_and_exits_non_zero(postgres: PostgresLike, tmp_path: Path) -> None:
    folder = three_step_migrations(tmp_path)
    broken = folder / "versions" / "r3_last.py"
    broken.write_text(broken.read_text().replace("time.sleep(0)", 'op.execute("SELECT no_such_function()")'))
    url = fresh_database(postgres, "migrate_fail")
    log = tmp_path / "migrate.log"
    process = run_migrate(folder, url, log)
    assert process.wait(timeout=60) not in (0, EXIT_INTERRUPTED), log.read_text()
    assert await current_revision(url) == "r2_slow"  # the revisions before it stay applied
    assert "last_table" not in await tables(url)  # its own transaction rolled back


def test_a_service_migrates_with_its_migrate_command(postgres: PostgresLike, tmp_path: Path) -> None:
    url = fresh_database(postgres, "migrate_comments")
    env = child_env(PORTAL_COMMENTS_DATABASE_URL=url, PORTAL_DATA_DIR=str(tmp_path))
    for _ in range(2):  # the second run finds the database at head and does nothing
        done = subprocess.run(
            [sys.executable, "-m", "services.comments", "migrate"], cwd=REPO, env=env, capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
    assert b'"msg": "schema at head"' in done.stderr


def test_an_unknown_command_is_refused_with_the_usage(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.comments", "migrat"],
        cwd=REPO,
        env=child_env(PORTAL_DATA_DIR=str(tmp_path)),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert b"usage: python -m services.comments [migrate]" in done.stderr


def test_a_replica_refuses_to_serve_a_schema_behind_its_code(postgres: PostgresLike, tmp_path: Path) -> None:
    url = fresh_database(postgres, "refuse_comments")
    env = child_env(
        PORTAL_COMMENTS_DATABASE_URL=url,
        PORTAL_DATA_DIR=str(tmp_path),
        PORTAL_COMMENTS_GRPC_PORT=str(free_port()),
        PORTAL_KAFKA_BOOTSTRAP="127.0.0.1:1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "services.comments"], cwd=REPO, env=env, capture_output=True, timeout=60
    )
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert '"msg": "database schema is not current; refusing to serve"' in stderr
    assert "Run `python -m services.comments migrate` first" in stderr
    assert head_revision(COMMENTS_MIGRATIONS) in stderr


async def test_the_schema_check_passes_at_head_and_when_a_newer_release_migrated(postgres: PostgresLike) -> None:
    url = fresh_database(postgres, "check_comments")
    await upgrade_async(COMMENTS_MIGRATIONS, url)
    state = await require_current_schema("comments", COMMENTS_MIGRATIONS, url)
    assert state.at_head
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'from_a_newer_release'"))
    await engine.dispose()
    newer = await require_current_schema("comments", COMMENTS_MIGRATIONS, url)
    assert (newer.at_head, newer.known) == (False, False)


async def test_an_empty_database_is_behind(postgres: PostgresLike) -> None:
    url = fresh_database(postgres, "empty_comments")
    state = await schema_state(COMMENTS_MIGRATIONS, url)
    assert state.current is None and state.behind


async def test_sigterm_while_migrating_at_start_stops_between_revisions(postgres: PostgresLike, tmp_path: Path) -> None:
    """PORTAL_MIGRATE_ON_START's path: the running loop notes the signal; no revision starts after it."""
    folder = three_step_migrations(tmp_path)
    url = fresh_database(postgres, "migrate_at_start")
    migrating = asyncio.create_task(migrate_at_start("test", folder, url))
    async with asyncio.timeout(30):
        while await current_revision(url) != "r1_first":  # noqa: ASYNC110 - polls the database; r2 (slow) follows
            await asyncio.sleep(0.02)
    os.kill(os.getpid(), signal.SIGTERM)  # handled by the loop while migrate_at_start runs
    assert await migrating == EXIT_INTERRUPTED
    assert await current_revision(url) in ("r1_first", "r2_slow")
    assert "last_table" not in await tables(url)
