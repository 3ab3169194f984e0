"""Settings from the environment (pydantic-settings): shared sub-models and the base of every service's model.

Every name starts with `PORTAL_`. Defaults fit the local run. Outside development (`PORTAL_ENV` other than
`development`) every service refuses to start without a real `PORTAL_SECRET_KEY`: `load()` turns that, and any
other bad value, into a clear message and a non-zero exit before anything else starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from aiokafka.helpers import create_ssl_context
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT = "development"
DEV_SECRET_KEY = "local-development-secret-key-not-for-production-use"
MIN_SECRET_KEY_LENGTH = 32


def data_dir() -> Path:
    """Where the local run keeps its SQLite files (PORTAL_DATA_DIR)."""
    return Path(os.environ.get("PORTAL_DATA_DIR", ".portal/data"))


class SecretSettings(BaseSettings):
    """PORTAL_SECRET_KEY: keys the hashes of API keys, links, sessions and codes."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_SECRET_", frozen=True, extra="ignore")

    key: SecretStr | None = None

    def problem(self) -> str | None:
        """Why this key is not fit outside development, or None when it is."""
        value = self.key.get_secret_value() if self.key is not None else ""
        if not value:
            return "PORTAL_SECRET_KEY is missing"
        if value == DEV_SECRET_KEY:
            return "PORTAL_SECRET_KEY is the public development secret"
        if len(value) < MIN_SECRET_KEY_LENGTH:
            return f"PORTAL_SECRET_KEY is too short ({len(value)} characters)"
        return None

    @property
    def key_bytes(self) -> bytes:
        """The key, or the public development secret when none is set (allowed in development only)."""
        value = self.key.get_secret_value() if self.key is not None else ""
        return (value or DEV_SECRET_KEY).encode()


class KafkaSettings(BaseSettings):
    """PORTAL_KAFKA_BOOTSTRAP, PORTAL_KAFKA_IDEMPOTENCE, PORTAL_KAFKA_GROUP_TIMEOUT_MS, and how clients reach a
    secured broker: PORTAL_KAFKA_SECURITY_PROTOCOL, PORTAL_KAFKA_SASL_MECHANISM / _USERNAME / _PASSWORD,
    PORTAL_KAFKA_SSL_CAFILE / _CERTFILE / _KEYFILE (PEM files, e.g. mounted from a Secret)."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_KAFKA_", frozen=True, extra="ignore")

    bootstrap: str = "127.0.0.1:9092"
    idempotence: bool = False  # real Kafka; the local broker does not support idempotent producers
    group_timeout_ms: int = Field(default=6000, gt=0)  # consumer-group session/rebalance timeout
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    sasl_username: str = ""
    sasl_password: SecretStr = SecretStr("")
    ssl_cafile: str = ""  # empty: the system's trusted CAs
    ssl_certfile: str = ""  # client certificate (mutual TLS), with ssl_keyfile
    ssl_keyfile: str = ""

    @model_validator(mode="after")
    def _complete_security(self) -> Self:
        if self.security_protocol.startswith("SASL_") and not (
            self.sasl_username and self.sasl_password.get_secret_value()
        ):
            raise ValueError(
                f"PORTAL_KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs PORTAL_KAFKA_SASL_USERNAME "
                "and PORTAL_KAFKA_SASL_PASSWORD"
            )
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ValueError("PORTAL_KAFKA_SSL_CERTFILE and PORTAL_KAFKA_SSL_KEYFILE go together (mutual TLS)")
        return self

    def client_options(self) -> dict[str, Any]:
        """The security arguments of every aiokafka client (producer, consumer, admin); none for PLAINTEXT."""
        if self.security_protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = create_ssl_context(
                cafile=self.ssl_cafile or None,
                certfile=self.ssl_certfile or None,
                keyfile=self.ssl_keyfile or None,
            )
        if self.security_protocol.startswith("SASL_"):
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password.get_secret_value()
        return options


def kafka_client_options() -> dict[str, Any]:
    """Security arguments for an aiokafka client, from the environment (validated at start by each service's
    settings); spread into every client: `AIOKafkaConsumer(..., **kafka_client_options())`."""
    return KafkaSettings().client_options()


class DatabaseSettings(BaseModel):
    """One service's database: PORTAL_<SERVICE>_DATABASE_URL, else PORTAL_DATABASE_URL, else a local SQLite file."""

    model_config = ConfigDict(frozen=True)

    url: str = Field(min_length=1)


class GrpcSettings(BaseModel):
    """Where a backend listens: PORTAL_<SERVICE>_GRPC_PORT, else PORTAL_GRPC_PORT, else its own default port."""

    model_config = ConfigDict(frozen=True)

    port: int = Field(ge=0, le=65535)  # 0: any free port
    host: str = "0.0.0.0"  # where the server binds (PORTAL_GRPC_HOST; the local run: 127.0.0.1)


def _service_env(name: str, key: str) -> str:
    return os.environ.get(f"PORTAL_{name.upper()}_{key}") or os.environ.get(f"PORTAL_{key}", "")


class PortalSettings(BaseSettings):
    """What every service reads: where it runs (PORTAL_ENV) and the server secret."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", frozen=True, extra="ignore")

    service_name: ClassVar[str] = "portal"

    env: str = DEVELOPMENT
    secret: SecretSettings = Field(default_factory=SecretSettings)
    # SIGTERM: how long in-flight requests, RPCs and background work get to finish (PORTAL_SHUTDOWN_GRACE_SECONDS)
    shutdown_grace_seconds: float = Field(default=20.0, gt=0)

    @field_validator("env")
    @classmethod
    def _normalise_env(cls, value: str) -> str:
        return value.strip().lower()

    @model_validator(mode="after")
    def _strong_secret_outside_development(self) -> Self:
        problem = None if self.development else self.secret.problem()
        if problem:
            raise PydanticCustomError(
                "weak_secret_key",
                "{problem}: with PORTAL_ENV={env} it must be a random value of at least {length} characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')",
                {"problem": problem, "env": self.env, "length": MIN_SECRET_KEY_LENGTH},
            )
        return self

    @property
    def development(self) -> bool:
        return self.env == DEVELOPMENT

    @property
    def secret_key(self) -> bytes:
        return self.secret.key_bytes

    @classmethod
    def load(cls, **overrides: Any) -> Self:
        """The settings from the environment, or SystemExit with a message that names what is wrong."""
        try:
            return cls(**overrides)
        except ValidationError as invalid:
            raise SystemExit(f"{cls.service_name}: refusing to start: {_describe(invalid)}") from None


def _describe(invalid: ValidationError) -> str:
    lines = []
    for error in invalid.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"])
        lines.append(f"{where}: {error['msg']}" if where else error["msg"])
    return "; ".join(lines)


class ServiceSettings(PortalSettings):
    """The base of every gRPC backend's model: its database, gRPC port and the broker.

    A service's model sets `service_name` and `default_grpc_port` and adds its own fields.
    """

    default_grpc_port: ClassVar[int] = 50051

    database: DatabaseSettings
    grpc: GrpcSettings
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    # PORTAL_MIGRATE_ON_START=true: migrate at start (the local run, the tests); else only check the schema is current
    migrate_on_start: bool = False

    @model_validator(mode="before")
    @classmethod
    def _service_specific_names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            name = cls.service_name
            default_url = f"sqlite+aiosqlite:///{data_dir() / (name + '.db')}"
            data.setdefault("database", {"url": _service_env(name, "DATABASE_URL") or default_url})
            grpc = {"port": _service_env(name, "GRPC_PORT") or cls.default_grpc_port}
            data.setdefault("grpc", grpc | {"host": _service_env(name, "GRPC_HOST") or "0.0.0.0"})
        return data

    @property
    def name(self) -> str:
        return self.service_name
