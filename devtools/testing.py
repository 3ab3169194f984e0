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
from typing import Any, Generic, TypeVar

import grpc
from portal_kit import grpc_client
from portal_kit.db import Database
from portal_kit.grpc_server import GrpcServer, Worker
from portal_kit.migrations import upgrade_async
from portal_kit.service import Build
from portal_kit.service_auth import ADMIN, ServiceCredential, ServiceTrust, generate_tokens
from portal_kit.settings import (
    DEV_SECRET_KEY,
    DEVELOPMENT,
    DatabaseSettings,
    GrpcSettings,
    KafkaSettings,
    SecretSettings,
    ServiceSettings,
)
from pydantic import SecretStr

S = TypeVar("S", bound=ServiceSettings)


@dataclass
class RunningService(Generic[S]):
    port: int
    channel: grpc.aio.Channel
    db: Database
    settings: S
    admin_channel: grpc.aio.Channel
    tokens: dict[str, str] = field(repr=False)

    def credential(self, caller: str) -> ServiceCredential:
        return ServiceCredential(caller, self.tokens[caller])

    def channel_as(self, caller: str) -> grpc.aio.Channel:
        """A new channel calling as `caller`; the test closes it."""
        return grpc_client.channel(f"127.0.0.1:{self.port}", credential=self.credential(caller))


def settings_for_test(model: type[S], database_url: str, kafka_bootstrap: str = "127.0.0.1:1", **fields: Any) -> S:
    """A service's settings for an in-process test, whatever the environment says: development, any free port."""
    return model(
        env=DEVELOPMENT,
        secret=SecretSettings(key=SecretStr(DEV_SECRET_KEY)),
        database=DatabaseSettings(url=database_url),
        grpc=GrpcSettings(port=0),
        kafka=KafkaSettings(bootstrap=kafka_bootstrap, idempotence=False, group_timeout_ms=2000),
        **fields,
    )


@asynccontextmanager
async def running_service(
    settings: S, migrations_dir: Path, build: Build[S], with_background: bool = False
) -> AsyncIterator[RunningService[S]]:
    await upgrade_async(migrations_dir, settings.database.url)
    db = Database(settings.database.url)
    wiring = build(db, settings)
    tokens = generate_tokens()
    trust = ServiceTrust.of(settings.name, tokens)
    server = GrpcServer(wiring.registrations, 0, trust=trust, host="127.0.0.1", replays=wiring.replays)
    await server.start()
    jobs = [job.run if isinstance(job, Worker) else job for job in wiring.background] if with_background else []
    tasks = [asyncio.create_task(job()) for job in jobs]
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
