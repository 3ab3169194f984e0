"""Test helpers: run a service's gRPC server in-process on a free port against a given database.

Credentials are generated per service run and checked exactly as in production: `channel` calls as the gateway,
`admin_channel` with the admin credential, `channel_as(caller)` as anyone else.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from portal_kit import grpc_client
from portal_kit.db import Database
from portal_kit.grpc_server import GrpcServer
from portal_kit.migrations import upgrade_async
from portal_kit.service import Build
from portal_kit.service_auth import ADMIN, ServiceCredential, ServiceTrust, generate_tokens
from portal_kit.settings import DEV_SECRET_KEY, ServiceSettings


@dataclass
class RunningService:
    port: int
    channel: grpc.aio.Channel
    db: Database
    settings: ServiceSettings
    admin_channel: grpc.aio.Channel
    tokens: dict[str, str] = field(repr=False)

    def credential(self, caller: str) -> ServiceCredential:
        return ServiceCredential(caller, self.tokens[caller])

    def channel_as(self, caller: str) -> grpc.aio.Channel:
        """A new channel calling as `caller`; the test closes it."""
        return grpc_client.channel(f"127.0.0.1:{self.port}", credential=self.credential(caller))


def settings_for_test(name: str, database_url: str, kafka_bootstrap: str = "127.0.0.1:1") -> ServiceSettings:
    return ServiceSettings(
        name=name,
        database_url=database_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_idempotence=False,
        grpc_port=0,
        secret_key=DEV_SECRET_KEY.encode(),
        production=False,
        kafka_group_timeout_ms=2000,
    )


@asynccontextmanager
async def running_service(
    settings: ServiceSettings, migrations_dir: Path, build: Build, with_background: bool = False
) -> AsyncIterator[RunningService]:
    await upgrade_async(migrations_dir, settings.database_url)
    db = Database(settings.database_url)
    wiring = build(db, settings)
    tokens = generate_tokens()
    server = GrpcServer(wiring.registrations, 0, trust=ServiceTrust.of(settings.name, tokens), host="127.0.0.1")
    await server.start()
    tasks = [asyncio.create_task(job()) for job in wiring.background] if with_background else []
    address = f"127.0.0.1:{server.port}"
    channel = grpc_client.channel(address, credential=ServiceCredential("gateway", tokens["gateway"]))
    admin_channel = grpc_client.channel(address, credential=ServiceCredential(ADMIN, tokens[ADMIN]))
    try:
        yield RunningService(server.port, channel, db, settings, admin_channel, tokens)
    finally:
        await channel.close()
        await admin_channel.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.stop(0)
        await db.dispose()
