"""Settings from the environment. Every service reads the same few names; defaults fit the local run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEV_SECRET_KEY = "local-development-secret-key-not-for-production-use"


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def data_dir() -> Path:
    return Path(env("PORTAL_DATA_DIR", ".portal/data"))


@dataclass(frozen=True)
class ServiceSettings:
    """What a backend service needs: its database, the broker, its port and the server secret."""

    name: str
    database_url: str
    kafka_bootstrap: str
    kafka_idempotence: bool
    grpc_port: int
    secret_key: bytes
    production: bool
    kafka_group_timeout_ms: int = 6000  # consumer-group session/rebalance timeout
    grpc_host: str = "0.0.0.0"  # where the gRPC server binds (the local run: 127.0.0.1)

    @classmethod
    def from_env(cls, name: str, default_port: int) -> ServiceSettings:
        upper = name.upper()
        default_db = f"sqlite+aiosqlite:///{data_dir() / (name + '.db')}"
        database_url = os.environ.get(f"PORTAL_{upper}_DATABASE_URL") or env("PORTAL_DATABASE_URL", default_db)
        production = env("PORTAL_ENV", "development") == "production"
        secret = env("PORTAL_SECRET_KEY", "" if production else DEV_SECRET_KEY)
        if production and (len(secret) < 32 or secret == DEV_SECRET_KEY):
            raise SystemExit("PORTAL_SECRET_KEY must be set to a random value of at least 32 characters in production.")
        return cls(
            name=name,
            database_url=database_url,
            kafka_bootstrap=env("PORTAL_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
            kafka_idempotence=env("PORTAL_KAFKA_IDEMPOTENCE", "false").lower() == "true",
            grpc_port=int(os.environ.get(f"PORTAL_{upper}_GRPC_PORT") or env("PORTAL_GRPC_PORT", str(default_port))),
            secret_key=secret.encode(),
            production=production,
            kafka_group_timeout_ms=int(env("PORTAL_KAFKA_GROUP_TIMEOUT_MS", "6000")),
            grpc_host=env("PORTAL_GRPC_HOST", "0.0.0.0"),
        )
