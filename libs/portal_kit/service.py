"""The start-up of every backend service: logs, traces, metrics, migrations, database, gRPC server, background
loops, SIGTERM."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import uvloop

from portal_kit import logs, metrics, tracing
from portal_kit.db import Database
from portal_kit.grpc_server import Background, GrpcServer, Registration, run_until_signal
from portal_kit.migrations import migrate_at_start, migrate_command, require_current_schema
from portal_kit.service_auth import ServiceTrust, require_own_credential
from portal_kit.settings import ServiceSettings


@dataclass
class Wiring:
    registrations: Sequence[Registration]
    background: Sequence[Background] = field(default_factory=list)  # Workers stop gracefully, in reverse order
    replays: Database | None = None  # keyed writes keep their replies here (a `portal_kit.replays` table)


S = TypeVar("S", bound=ServiceSettings)
Build = Callable[[Database, S], Wiring]  # a service's wiring from its database and its own settings model


async def serve(settings: S, migrations_dir: Path, build: Build[S]) -> None:
    if settings.migrate_on_start:
        status = await migrate_at_start(settings.name, migrations_dir, settings.database.url)
        if status != 0:
            raise SystemExit(status)
    else:
        await require_current_schema(settings.name, migrations_dir, settings.database.url)
    db = Database(settings.database.url)
    wiring = build(db, settings)
    server = GrpcServer(
        wiring.registrations,
        settings.grpc.port,
        trust=ServiceTrust.from_env(settings.name),
        replays=wiring.replays,
        host=settings.grpc.host,
        reflection_enabled=settings.development,
    )
    print(f'{{"service": "{settings.name}", "grpc_port": {server.port}}}', flush=True)
    await run_until_signal(server, wiring.background, on_stop=db.dispose, grace=settings.shutdown_grace_seconds)


def main(settings: S, migrations_dir: Path, build: Build[S], argv: Sequence[str] | None = None) -> None:
    """`python -m services.<name>` serves until SIGTERM; `python -m services.<name> migrate` migrates and exits.

    The entry point loads `settings` first, so unfit ones stop it early."""
    args = list(sys.argv[1:] if argv is None else argv)
    logs.configure(settings.name)
    if args == ["migrate"]:
        raise SystemExit(migrate_command(settings.name, migrations_dir, settings.database.url))
    if args:
        print(f"usage: python -m services.{settings.name} [migrate]", file=sys.stderr)
        raise SystemExit(2)
    require_own_credential(settings.name)
    tracing.configure(settings.name)
    metrics.serve(metrics.endpoint_from_env())
    try:
        uvloop.run(serve(settings, migrations_dir, build))
    finally:
        tracing.shutdown()
