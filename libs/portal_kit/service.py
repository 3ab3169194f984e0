"""The start-up of every backend service: logs, traces, metrics, migrations, database, gRPC server, background
loops, SIGTERM."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import uvloop

from portal_kit import logs, metrics, tracing
from portal_kit.db import Database
from portal_kit.grpc_server import GrpcServer, Registration, run_until_signal
from portal_kit.migrations import upgrade_async
from portal_kit.service_auth import ServiceTrust, require_own_credential
from portal_kit.settings import ServiceSettings


@dataclass
class Wiring:
    registrations: Sequence[Registration]
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    replays: Database | None = None  # keyed writes keep their replies here (a `portal_kit.replays` table)


S = TypeVar("S", bound=ServiceSettings)
Build = Callable[[Database, S], Wiring]  # a service's wiring from its database and its own settings model


async def serve(settings: S, migrations_dir: Path, build: Build[S]) -> None:
    await upgrade_async(migrations_dir, settings.database.url)
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
    await run_until_signal(server, wiring.background, on_stop=db.dispose)


def main(settings: S, migrations_dir: Path, build: Build[S]) -> None:
    """Runs the service until SIGTERM. The entry point loads `settings` first, so unfit ones stop it early."""
    logs.configure(settings.name)
    require_own_credential(settings.name)
    tracing.configure(settings.name)
    metrics.serve(metrics.endpoint_from_env())
    try:
        uvloop.run(serve(settings, migrations_dir, build))
    finally:
        tracing.shutdown()
