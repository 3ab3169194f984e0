"""Prometheus metrics of every component, served on their own port (`PORTAL_METRICS_PORT`; unset: not served).

Every family is defined here, so that the names and their labels are in one place. Label values are always from
small fixed sets (route templates, RPC method names, topics, template names, reasons): never ids, addresses,
raw paths or tenant names. Recording is cheap (a dictionary look-up and a locked add); nothing is recorded
per tenant.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics, start_http_server

log = logging.getLogger("portal_kit.metrics")
disable_created_metrics()  # no `_created` series beside every counter and histogram: half the series, same facts

# Seconds: from a cached page (a few ms) to the deadline of a backend call (5 s) and past it.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "portal_http_requests_total", "HTTP requests answered, by route template and status code",
    ["method", "route", "status"],
)  # fmt: skip
HTTP_ERRORS = Counter(
    "portal_http_request_errors_total", "HTTP requests answered with a server error (5xx) or not answered at all",
    ["method", "route"],
)  # fmt: skip
HTTP_DURATION = Histogram(
    "portal_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
    ["method", "route"], buckets=DURATION_BUCKETS,
)  # fmt: skip

RPC_SERVER_REQUESTS = Counter(
    "portal_rpc_server_requests_total", "gRPC calls served, by method and status code", ["method", "code"]
)
RPC_SERVER_ERRORS = Counter(
    "portal_rpc_server_errors_total", "gRPC calls served that failed on our side (INTERNAL, UNAVAILABLE, ...)",
    ["method"],
)  # fmt: skip
RPC_SERVER_DURATION = Histogram(
    "portal_rpc_server_duration_seconds", "Time to serve a gRPC call", ["method"], buckets=DURATION_BUCKETS
)
RPC_CLIENT_REQUESTS = Counter(
    "portal_rpc_client_requests_total", "gRPC calls made to other services, by method and status code",
    ["method", "code"],
)  # fmt: skip
RPC_CLIENT_ERRORS = Counter(
    "portal_rpc_client_errors_total", "gRPC calls made that failed for a reason on the callee's side or the way",
    ["method"],
)  # fmt: skip
RPC_CLIENT_DURATION = Histogram(
    "portal_rpc_client_duration_seconds", "Time a gRPC call to another service took", ["method"],
    buckets=DURATION_BUCKETS,
)  # fmt: skip

OUTBOX_BACKLOG = Gauge("portal_outbox_backlog_events", "Outbox rows not published yet")
OUTBOX_OLDEST_AGE = Gauge(
    "portal_outbox_oldest_event_age_seconds", "Age of the oldest outbox row not published yet (0 when none)"
)
OUTBOX_PUBLISHED = Counter("portal_outbox_published_total", "Outbox rows published to the broker", ["topic"])
OUTBOX_DEAD_LETTERED = Counter(
    "portal_outbox_dead_lettered_total", "Outbox rows the broker refused for good, moved to the dead letters",
    ["topic"],
)  # fmt: skip

CONSUMER_LAG = Gauge(
    "portal_consumer_lag_messages", "Messages on the broker that a consumer has not read yet", ["consumer", "topic"]
)
CONSUMER_EVENTS = Counter(
    "portal_consumer_events_total", "Events a consumer read, by outcome (handled, duplicate, skipped, retried)",
    ["consumer", "topic", "outcome"],
)  # fmt: skip

EMAILS_SENT = Counter("portal_emails_sent_total", "Emails accepted by the SMTP relay", ["template"])
EMAILS_FAILED = Counter(
    "portal_emails_failed_total",
    "Emails not sent: dropped for good (malformed, rejected) or failed for now and retried (temporary)",
    ["template", "reason"],
)
SIGN_IN_EMAILS_REFUSED = Counter(
    "portal_sign_in_emails_refused_total", "Sign-in emails not sent because a rate limit was reached",
    ["limit"],
)  # fmt: skip

WEBHOOK_EVENTS_APPLIED = Counter(
    "portal_webhook_events_applied_total", "Webhook events (e.g. Stripe's) verified and applied", ["provider"]
)
WEBHOOK_EVENTS_REFUSED = Counter(
    "portal_webhook_events_refused_total", "Webhook events refused, by reason (one of WEBHOOK_REFUSAL_REASONS)",
    ["provider", "reason"],
)  # fmt: skip
WEBHOOK_PROVIDERS = frozenset({"stripe"})
WEBHOOK_REFUSAL_REASONS = frozenset({"signature", "malformed", "unknown_account", "duplicate", "stale", "other"})


class Children:
    """The labelled children of a family, kept once made: `labels()` validates and locks on every call, which
    costs more than the count itself on the request path. Label values are bounded, so this stays small."""

    __slots__ = ("family", "made")

    def __init__(self, family: Counter | Histogram) -> None:
        self.family = family
        self.made: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        child = self.made.get(values)
        if child is None:
            child = self.made[values] = self.family.labels(*values)
        return child


http_requests = Children(HTTP_REQUESTS)
http_errors = Children(HTTP_ERRORS)
http_duration = Children(HTTP_DURATION)
rpc_server_requests = Children(RPC_SERVER_REQUESTS)
rpc_server_errors = Children(RPC_SERVER_ERRORS)
rpc_server_duration = Children(RPC_SERVER_DURATION)
rpc_client_requests = Children(RPC_CLIENT_REQUESTS)
rpc_client_errors = Children(RPC_CLIENT_ERRORS)
rpc_client_duration = Children(RPC_CLIENT_DURATION)


def webhook_applied(provider: str) -> None:
    """One webhook event verified and applied."""
    WEBHOOK_EVENTS_APPLIED.labels(bounded_label(provider, WEBHOOK_PROVIDERS)).inc()


def webhook_refused(provider: str, reason: str) -> None:
    """One webhook event refused; a reason outside WEBHOOK_REFUSAL_REASONS counts as `other`."""
    provider_label = bounded_label(provider, WEBHOOK_PROVIDERS)
    WEBHOOK_EVENTS_REFUSED.labels(provider_label, bounded_label(reason, WEBHOOK_REFUSAL_REASONS)).inc()


def bounded_label(value: str, allowed: frozenset[str] | Sequence[str]) -> str:
    """`value` when it is one of `allowed`, else `other`: a label from outside data never grows the series."""
    return value if value in allowed else "other"


@dataclass(frozen=True)
class MetricsEndpoint:
    host: str
    port: int


_served: MetricsEndpoint | None = None
_serve_lock = threading.Lock()


def endpoint_from_env() -> MetricsEndpoint | None:
    """`PORTAL_METRICS_PORT` (0: any free port) and `PORTAL_METRICS_HOST` (default 0.0.0.0); None when unset."""
    port = os.environ.get("PORTAL_METRICS_PORT", "").strip()
    if not port:
        return None
    try:
        number = int(port)
    except ValueError:
        raise SystemExit(f"PORTAL_METRICS_PORT must be a port number, not {port!r}") from None
    if not 0 <= number <= 65535:
        raise SystemExit(f"PORTAL_METRICS_PORT must be between 0 and 65535, not {number}")
    return MetricsEndpoint(os.environ.get("PORTAL_METRICS_HOST", "").strip() or "0.0.0.0", number)


def serve(endpoint: MetricsEndpoint | None) -> MetricsEndpoint | None:
    """Serves `/metrics` of this process on a thread of its own; what it listens on (the port when 0 was asked).

    Once per process; None when `endpoint` is None (metrics are still recorded, only not served)."""
    global _served
    if endpoint is None:
        return None
    with _serve_lock:
        if _served is None:
            try:
                server, _thread = start_http_server(endpoint.port, addr=endpoint.host, registry=REGISTRY)
            except OSError as taken:
                raise SystemExit(f"Cannot serve metrics on {endpoint.host}:{endpoint.port}: {taken}") from taken
            _served = MetricsEndpoint(endpoint.host, int(server.server_port))
            log.info("metrics served", extra={"metrics_port": _served.port})
        return _served
