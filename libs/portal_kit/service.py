"""The start-up of every backend service: logs, migrations, database, gRPC server, background loops, SIGTERM."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal_kit import logs
from portal_kit.db import Database
from portal_kit.grpc_server import GrpcServer, Registration, run_until_signal
from portal_kit.migrations import upgrade_async
from portal_kit.service_auth import ServiceTrust, development, require_own_credential
from portal_kit.settings import ServiceSettings


@dataclass
class Wiring:
    registrations: Sequence[Registration]
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)


Build = Callable[[Database, ServiceSettings], Wiring]


async def serve(settings: ServiceSettings, migrations_dir: Path, build: Build) -> None:
    await upgrade_async(migrations_dir, settings.database_url)
    db = Database(settings.database_url)
    wiring = build(db, settings)
    server = GrpcServer(
        wiring.registrations,
        settings.grpc_port,
        trust=ServiceTrust.from_env(settings.name),
        host=settings.grpc_host,
        reflection_enabled=development(),
    )
    print(f'{{"service": "{settings.name}", "grpc_port": {server.port}}}', flush=True)
    await run_until_signal(server, wiring.background, on_stop=db.dispose)


def main(name: str, default_port: int, migrations_dir: Path, build: Build) -> None:
    logs.configure(name)
    settings = ServiceSettings.from_env(name, default_port)
    require_own_credential(name)
    asyncio.run(serve(settings, migrations_dir, build))
