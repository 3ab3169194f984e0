"""The gateway's own settings: its public address, as links and cookies need it."""

from __future__ import annotations

import os

import pytest

from services.gateway.settings import GatewaySettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("PORTAL_")]:
        monkeypatch.delenv(name)


def test_the_local_run_links_to_the_listening_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_HTTP_PORT", "8123")
    monkeypatch.setenv("PORTAL_BASE_DOMAIN", "LocalHost")
    settings = GatewaySettings.load()
    assert settings.portal_url("acme") == "http://acme.localhost:8123"
    assert not settings.https


def test_behind_an_https_ingress_links_use_the_default_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_HTTP_PORT", "8080")
    monkeypatch.setenv("PORTAL_PUBLIC_SCHEME", "https")
    monkeypatch.setenv("PORTAL_BASE_DOMAIN", "billing.example.com")
    settings = GatewaySettings.load()
    assert settings.portal_url("acme") == "https://acme.billing.example.com"
    assert settings.base_url() == "https://billing.example.com"
    assert settings.https


def test_an_explicit_public_port_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_PUBLIC_SCHEME", "https")
    monkeypatch.setenv("PORTAL_PUBLIC_PORT", "8443")
    assert GatewaySettings.load().base_url() == "https://localhost:8443"


def test_an_unknown_scheme_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_PUBLIC_SCHEME", "ftp")
    with pytest.raises(SystemExit) as refused:
        GatewaySettings.load()
    assert "gateway: refusing to start: public_scheme: " in str(refused.value.code)
