"""The shared settings: the secret check every service runs before it starts, and the per-service names."""

from __future__ import annotations

import os
from typing import ClassVar

import pytest

from portal_kit.settings import DEV_SECRET_KEY, MIN_SECRET_KEY_LENGTH, ServiceSettings

STRONG = "s" * MIN_SECRET_KEY_LENGTH


class ExampleSettings(ServiceSettings):
    service_name: ClassVar[str] = "example"
    default_grpc_port: ClassVar[int] = 50099


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("PORTAL_")]:
        monkeypatch.delenv(name)


def test_development_without_a_key_uses_the_public_development_secret() -> None:
    settings = ExampleSettings.load()
    assert settings.development
    assert settings.secret_key == DEV_SECRET_KEY.encode()


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (None, "PORTAL_SECRET_KEY is missing"),
        ("", "PORTAL_SECRET_KEY is missing"),
        (DEV_SECRET_KEY, "PORTAL_SECRET_KEY is the public development secret"),
        ("k" * (MIN_SECRET_KEY_LENGTH - 1), f"PORTAL_SECRET_KEY is too short ({MIN_SECRET_KEY_LENGTH - 1} characters)"),
    ],
)
@pytest.mark.parametrize("env", ["production", "staging", "Production "])
def test_outside_development_a_weak_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, env: str, secret: str | None, reason: str
) -> None:
    monkeypatch.setenv("PORTAL_ENV", env)
    if secret is not None:
        monkeypatch.setenv("PORTAL_SECRET_KEY", secret)
    with pytest.raises(SystemExit) as refused:
        ExampleSettings.load()
    message = str(refused.value.code)
    assert message.startswith("example: refusing to start: ")
    assert reason in message
    assert f"at least {MIN_SECRET_KEY_LENGTH} characters" in message
    if secret:
        assert secret not in message  # the refusal never echoes the key


def test_outside_development_a_strong_key_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", STRONG)
    settings = ExampleSettings.load()
    assert not settings.development
    assert settings.secret_key == STRONG.encode()
    assert STRONG not in repr(settings)


def test_a_service_specific_name_wins_over_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql+asyncpg://shared/db")
    monkeypatch.setenv("PORTAL_GRPC_PORT", "50100")
    assert ExampleSettings.load().database.url == "postgresql+asyncpg://shared/db"
    assert ExampleSettings.load().grpc.port == 50100
    monkeypatch.setenv("PORTAL_EXAMPLE_DATABASE_URL", "postgresql+asyncpg://own/db")
    monkeypatch.setenv("PORTAL_EXAMPLE_GRPC_PORT", "50101")
    assert ExampleSettings.load().database.url == "postgresql+asyncpg://own/db"
    assert ExampleSettings.load().grpc.port == 50101


def test_defaults_fit_the_local_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_DATA_DIR", "/data")
    settings = ExampleSettings.load()
    assert settings.database.url == "sqlite+aiosqlite:////data/example.db"
    assert settings.grpc.port == 50099
    assert (settings.kafka.bootstrap, settings.kafka.idempotence) == ("127.0.0.1:9092", False)


def test_kafka_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_KAFKA_BOOTSTRAP", "broker-1:9092,broker-2:9092")
    monkeypatch.setenv("PORTAL_KAFKA_IDEMPOTENCE", "true")
    monkeypatch.setenv("PORTAL_KAFKA_GROUP_TIMEOUT_MS", "9000")
    kafka = ExampleSettings.load().kafka
    assert (kafka.bootstrap, kafka.idempotence, kafka.group_timeout_ms) == ("broker-1:9092,broker-2:9092", True, 9000)


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [("PORTAL_GRPC_PORT", "not-a-port", "grpc.port"), ("PORTAL_GRPC_PORT", "70000", "grpc.port")],
)
def test_a_bad_value_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as refused:
        ExampleSettings.load()
    assert f"example: refusing to start: {field}: " in str(refused.value.code)
