"""Every service, the gateway included, refuses to start outside development without a real secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from portal_kit.settings import DEV_SECRET_KEY, PortalSettings

from services.auth.settings import AuthSettings
from services.billing.settings import BillingSettings
from services.comments.settings import CommentsSettings
from services.gateway.settings import GatewaySettings
from services.mailer.settings import MailerSettings
from services.subscriptions.settings import SubscriptionsSettings

ROOT = Path(__file__).resolve().parent.parent
MODELS: dict[str, type[PortalSettings]] = {
    "auth": AuthSettings,
    "billing": BillingSettings,
    "subscriptions": SubscriptionsSettings,
    "comments": CommentsSettings,
    "mailer": MailerSettings,
    "gateway": GatewaySettings,
}


def portal_free_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("PORTAL_")}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("PORTAL_")]:
        monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("service", MODELS)
@pytest.mark.parametrize(
    ("secret", "reason"),
    [(None, "is missing"), (DEV_SECRET_KEY, "is the public development secret"), ("short", "is too short")],
)
def test_each_service_model_refuses_a_weak_secret_in_production(
    monkeypatch: pytest.MonkeyPatch, service: str, secret: str | None, reason: str
) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    if secret is not None:
        monkeypatch.setenv("PORTAL_SECRET_KEY", secret)
    with pytest.raises(SystemExit) as refused:
        MODELS[service].load()
    assert str(refused.value.code).startswith(f"{service}: refusing to start: PORTAL_SECRET_KEY {reason}")


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("service", MODELS)
def test_each_service_model_starts_in_production_with_a_strong_secret(
    monkeypatch: pytest.MonkeyPatch, service: str
) -> None:
    strong = "p" * 48
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", strong)
    assert MODELS[service].load().secret_key == strong.encode()


@pytest.mark.usefixtures("clean_env")
def test_billing_refuses_a_short_encryption_key_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "p" * 48)
    assert BillingSettings.load().encryption_key_bytes == b""  # starts; card payments refuse to work (sealing.py)
    monkeypatch.setenv("PORTAL_ENCRYPTION_KEY", "short")
    with pytest.raises(SystemExit) as refused:
        BillingSettings.load()
    assert "PORTAL_ENCRYPTION_KEY" in str(refused.value.code)
    monkeypatch.setenv("PORTAL_ENCRYPTION_KEY", "e" * 48)
    assert BillingSettings.load().encryption_key_bytes == b"e" * 48


def test_each_service_process_exits_with_the_reason() -> None:
    """The real entry points, as the production image runs them (all at once: each spends its time importing).

    Each exits non-zero with the reason before it opens a port, a database or a broker connection.
    """
    env = portal_free_env() | {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": DEV_SECRET_KEY}
    processes = {
        service: subprocess.Popen(
            [sys.executable, "-m", f"services.{service}"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for service in MODELS
    }
    try:
        for service, process in processes.items():
            _, stderr = process.communicate(timeout=90)
            assert process.returncode != 0, service
            assert f"{service}: refusing to start: PORTAL_SECRET_KEY is the public development secret" in stderr
            assert "Traceback" not in stderr, service
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
