"""Alembic, run programmatically: each service keeps its own `migrations/` folder and database.

`python -m services.<name> migrate` (the chart's pre-install/pre-upgrade Job) brings the database to head one
revision at a time, each in its own transaction, and stops between revisions on SIGTERM. A serving replica only
checks that the schema is current (`require_current_schema`) unless PORTAL_MIGRATE_ON_START=true (the local run).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from portal_kit.db import is_sqlite

log = logging.getLogger("portal_kit.migrations")

EXIT_INTERRUPTED = 75  # EX_TEMPFAIL: stopped by a signal between revisions; running `migrate` again goes on


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _prepare_sqlite_path(database_url: str) -> None:
    if is_sqlite(database_url):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def upgrade(migrations_dir: Path, database_url: str) -> None:
    """Brings the database to the newest revision (blocking: call it in a thread from async code)."""
    _prepare_sqlite_path(database_url)
    command.upgrade(alembic_config(migrations_dir, database_url), "head")


async def upgrade_async(migrations_dir: Path, database_url: str) -> None:
    await asyncio.to_thread(upgrade, migrations_dir, database_url)


def head_revision(migrations_dir: Path) -> str:
    """The one head of a service's migrations (one head per service is a project rule)."""
    head = ScriptDirectory.from_config(alembic_config(migrations_dir, "sqlite://")).get_current_head()
    assert head is not None, f"{migrations_dir} has no revisions"
    return head


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None for an empty database."""
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str
    known: bool  # the current revision is one of this code's (False: a newer release migrated it)

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    @property
    def behind(self) -> bool:
        return not self.at_head and self.known


async def schema_state(migrations_dir: Path, database_url: str) -> SchemaState:
    script = ScriptDirectory.from_config(alembic_config(migrations_dir, database_url))
    head = script.get_current_head()
    assert head is not None, f"{migrations_dir} has no revisions"
    current = await current_revision(database_url)
    return SchemaState(current, head, _is_known(script, current))


def _is_known(script: ScriptDirectory, revision: str | None) -> bool:
    if revision is None:
        return True
    try:
        return script.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises its own errors for unknown revisions
        return False


class SchemaNotCurrent(SystemExit):
    """A replica found its database behind its code: it refuses to serve (a non-zero exit with this message)."""


async def require_current_schema(service: str, migrations_dir: Path, database_url: str) -> SchemaState:
    """Returns when the schema is at this code's head (or ahead of it: a newer release migrated it, and migrations
    are backwards compatible); raises SchemaNotCurrent when it is behind or empty."""
    state = await schema_state(migrations_dir, database_url)
    about = {"service": service, "schema_revision": state.current or "empty", "code_revision": state.head}
    if state.at_head:
        return state
    if not state.known:
        log.warning("database schema is newer than this code; serving (migrations are backwards compatible)",
                    extra=about)  # fmt: skip
        return state
    log.error("database schema is not current; refusing to serve", extra=about)
    raise SchemaNotCurrent(
        f"{service}: refusing to serve: the database schema is at {state.current or 'no revision (empty)'}, "
        f"this version needs {state.head}. Run `python -m services.{service} migrate` first "
        "(the chart's migration Job does), or set PORTAL_MIGRATE_ON_START=true for a local run."
    )


def pending_revisions(migrations_dir: Path, current: str | None) -> list[str]:
    """The revisions between `current` (exclusive) and head, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(migrations_dir, "sqlite://"))
    return [r.revision for r in reversed(list(script.iterate_revisions("heads", current or "base")))]


class StopRequest:
    """SIGTERM/SIGINT during `migrate`: noted, so the revision in progress finishes (or rolls back) and no
    further revision starts. The handlers are the previous ones again afterwards."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: str | None = None
        self._previous: dict[signal.Signals, object] = {}

    def _note(self, signum: int, _frame: FrameType | None) -> None:
        self.signal = signal.Signals(signum).name
        log.warning("stop requested; finishing the revision in progress", extra={"signal": self.signal})
        self.event.set()

    def __enter__(self) -> StopRequest:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._note)
        return self

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]  # what signal.signal returned before


def migrate(service: str, migrations_dir: Path, database_url: str, stop: threading.Event) -> int:
    """Upgrades to head one revision per transaction, checking `stop` between revisions.

    0: at head. EXIT_INTERRUPTED: stopped between two revisions, every applied revision committed, the one that
    was running when the signal came finished first. A failing revision rolls back its own transaction and raises.
    """
    _prepare_sqlite_path(database_url)
    current = asyncio.run(current_revision(database_url))
    pending = pending_revisions(migrations_dir, current)
    config = alembic_config(migrations_dir, database_url)
    log.info("migrating", extra={"service": service, "from": current or "empty", "pending": len(pending)})
    for done, revision in enumerate(pending):
        if stop.is_set():
            log.warning(
                "migration stopped between revisions; run migrate again to go on",
                extra={"service": service, "at": pending[done - 1] if done else current or "empty",
                       "remaining": len(pending) - done},
            )  # fmt: skip
            return EXIT_INTERRUPTED
        log.info("migration step started", extra={"service": service, "revision": revision})
        command.upgrade(config, revision)
        log.info("migration step committed", extra={"service": service, "revision": revision})
    log.info("schema at head", extra={"service": service, "revision": head_revision(migrations_dir)})
    return 0


async def migrate_at_start(service: str, migrations_dir: Path, database_url: str) -> int:
    """`migrate` for PORTAL_MIGRATE_ON_START, before the service serves: SIGTERM/SIGINT are noted by the running
    loop, so a stop during the migration ends between revisions too (EXIT_INTERRUPTED), not by the signal."""
    stop = threading.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        return await asyncio.to_thread(migrate, service, migrations_dir, database_url, stop)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def migrate_command(service: str, migrations_dir: Path, database_url: str) -> int:
    """`python -m services.<service> migrate`: the exit status of `migrate`, with SIGTERM handled."""
    with StopRequest() as stop:
        return migrate(service, migrations_dir, database_url, stop.event)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=is_sqlite(url))
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    asyncio.run(main())
