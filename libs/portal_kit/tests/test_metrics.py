"""The metrics endpoint and the kit's counters: served on PORTAL_METRICS_PORT only, Prometheus text, bounded labels."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from portal_kit import metrics


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_no_endpoint_unless_the_port_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_METRICS_PORT", raising=False)
    assert metrics.endpoint_from_env() is None
    assert metrics.serve(None) is None


@pytest.mark.parametrize("value", ["http", "-1", "70000"])
def test_a_malformed_port_stops_the_service_with_its_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PORTAL_METRICS_PORT", value)
    with pytest.raises(SystemExit, match="PORTAL_METRICS_PORT"):
        metrics.endpoint_from_env()


def test_the_endpoint_serves_every_family_in_prometheus_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_METRICS_PORT", "0")
    monkeypatch.setenv("PORTAL_METRICS_HOST", "127.0.0.1")
    served = metrics.serve(metrics.endpoint_from_env())
    assert served is not None and served.port > 0
    metrics.OUTBOX_BACKLOG.set(3)
    metrics.EMAILS_SENT.labels("sign_in").inc()
    with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/metrics", timeout=5) as reply:  # noqa: S310
        families = {family.name: family for family in text_string_to_metric_families(reply.read().decode())}
    assert families["portal_outbox_backlog_events"].samples[0].value == 3
    assert "portal_emails_sent" in families  # counters are listed without their _total suffix
    assert "process_cpu_seconds" in families
    assert metrics.serve(metrics.endpoint_from_env()) == served  # once per process


def test_webhook_counters_take_only_known_providers_and_reasons() -> None:
    applied = sample("portal_webhook_events_applied_total", provider="stripe")
    metrics.webhook_applied("stripe")
    assert sample("portal_webhook_events_applied_total", provider="stripe") == applied + 1
    refused = sample("portal_webhook_events_refused_total", provider="stripe", reason="signature")
    metrics.webhook_refused("stripe", "signature")
    assert sample("portal_webhook_events_refused_total", provider="stripe", reason="signature") == refused + 1
    other = sample("portal_webhook_events_refused_total", provider="other", reason="other")
    metrics.webhook_refused("evt_1234 from acme", "no such customer cus_99")
    assert sample("portal_webhook_events_refused_total", provider="other", reason="other") == other + 1


def test_every_family_follows_the_naming_conventions() -> None:
    ours = [family for family in REGISTRY.collect() if family.name.startswith("portal_")]
    assert len(ours) >= 18
    for family in ours:
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples), family.name
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
