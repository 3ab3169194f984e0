"""Log lines: one JSON object each, with the trace and span ids in a sampled span and the call's tenant, and
secrets redacted by field name and by shape."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from portal_kit import tracing
from portal_kit.context import bound
from portal_kit.logs import REDACTED, JsonFormatter

API_KEY = "key_zl44rgCiB2aae2lyqQopUWAedD4tp25H"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMiJ9.c2lnbmF0dXJlX2hlcmU"


@pytest.fixture(autouse=True)
def tracing_off() -> Iterator[None]:
    tracing.shutdown()
    yield
    tracing.shutdown()


def formatted(message: str, *args: object, exc: bool = False, **extra: object) -> dict[str, object]:
    record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, message, args, None)
    if exc:
        try:
            raise ValueError(f"bad key {API_KEY}")
        except ValueError:
            record.exc_info = sys.exc_info()
    record.__dict__.update(extra)
    line = JsonFormatter().format(record)
    assert "\n" not in line  # one object per line, whatever the message
    entry = json.loads(line)
    assert isinstance(entry, dict)
    return entry


def test_a_line_is_one_json_object_with_level_logger_message_and_fields() -> None:
    entry = formatted("invoice %s sent\nto %d people", "INV-1", 3, invoice_id=7)
    assert entry["level"] == "warning" and entry["logger"] == "portal.test"
    assert entry["msg"] == "invoice INV-1 sent\nto 3 people" and entry["invoice_id"] == 7
    assert str(entry["ts"]).endswith("Z")
    assert "trace_id" not in entry and "tenant_id" not in entry


def test_fields_named_like_secrets_are_redacted() -> None:
    entry = formatted(
        "x", token="t0k3n", session_id="s", api_key="a", password="p", authorization="Basic x", sso_key="k",
        card_number="4242", event_id="evt-1", reason="address_limit",
    )  # fmt: skip
    for name in ("token", "session_id", "api_key", "password", "authorization", "sso_key", "card_number"):
        assert entry[name] == REDACTED, name
    assert (entry["event_id"], entry["reason"]) == ("evt-1", "address_limit")


def test_api_keys_and_signed_tokens_are_cut_out_of_any_text() -> None:
    entry = formatted(f"login with {JWT} failed", path=f"/login/{JWT}", note=f"key {API_KEY} used", exc=True)
    text = json.dumps(entry)
    assert API_KEY not in text and JWT not in text
    assert entry["msg"] == f"login with {REDACTED} failed" and entry["path"] == f"/login/{REDACTED}"
    assert "ValueError: bad key [redacted]" in str(entry["exc"])


def test_the_tenant_of_the_call_in_progress_is_on_every_line() -> None:
    with bound("tenant-acme"):
        assert formatted("x")["tenant_id"] == "tenant-acme"


def test_trace_and_span_ids_when_in_a_sampled_span() -> None:
    tracing.configure("test-service", exporter=InMemorySpanExporter())
    with tracing.span("request") as span:
        entry = formatted("inside")
    context = span.get_span_context()
    assert (entry["trace_id"], entry["span_id"]) == (f"{context.trace_id:032x}", f"{context.span_id:016x}")
    assert "trace_id" not in formatted("outside")
