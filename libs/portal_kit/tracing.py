"""Traces (OpenTelemetry): one trace from the gateway's HTTP request through gRPC calls, database calls and
Kafka events to the consumer that handles them.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: then every hook is
one boolean test (`active()`), and nothing else runs. When on, spans go to that OTLP/gRPC endpoint in batches,
sampled by `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG` (default: parent-based, ratio 1.0), named by
`OTEL_SERVICE_NAME` (default: the component's name). `OTEL_SDK_DISABLED=true` keeps it off.

The W3C `traceparent` travels in gRPC metadata and in Kafka message headers; the outbox keeps it with each row,
so an event published later continues the trace of the request that wrote it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
MAX_HEADER = 512  # a traceparent is 55 characters; tracestate is bounded by the W3C spec to 32 members
_propagator = TraceContextTextMapPropagator()
_tracer: trace.Tracer = trace.NoOpTracer()
_provider: Any = None  # the SDK's TracerProvider while tracing is on
_active = False


def active() -> bool:
    """Whether spans are made in this process. Every hook tests this first, so off costs next to nothing."""
    return _active


def wanted() -> bool:
    """What the environment asks for: an OTLP endpoint, and the SDK not disabled."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    )


def configure(service: str, exporter: Any = None) -> bool:
    """Turns tracing on for this process when the environment asks for it, or when `exporter` is given (tests
    pass an in-memory one; its spans are exported one by one). True when on."""
    global _tracer, _provider, _active
    if exporter is None and not wanted():
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    shutdown()
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", "").strip() or service})
    provider = TracerProvider(resource=resource, sampler=_sampler())
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    _provider = provider
    _tracer = provider.get_tracer("portal")
    _active = True
    return True


def _sampler() -> Any:
    """The sampler the standard variables name; parent-based with a ratio (OTEL_TRACES_SAMPLER_ARG, default 1.0)
    when they name none."""
    from opentelemetry.sdk.trace import sampling

    if os.environ.get("OTEL_TRACES_SAMPLER", "").strip():
        return sampling._get_from_env_or_default()  # the SDK's own reading of OTEL_TRACES_SAMPLER(_ARG)
    try:
        ratio = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG", "") or 1.0)
    except ValueError:
        raise SystemExit("OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1") from None
    return sampling.ParentBasedTraceIdRatio(min(max(ratio, 0.0), 1.0))


def shutdown() -> None:
    """Exports what is pending and turns tracing off (at exit, and between tests)."""
    global _tracer, _provider, _active
    provider, _provider = _provider, None
    _tracer, _active = trace.NoOpTracer(), False
    if provider is not None:
        provider.shutdown()


def tracer() -> trace.Tracer:
    return _tracer


def carrier_context(carrier: Mapping[str, str]) -> otel_context.Context | None:
    """The remote parent in `carrier` (`traceparent`, `tracestate`), or None when it has none that is valid."""
    if TRACEPARENT not in carrier:
        return None
    found = _propagator.extract(carrier)
    return found if trace.get_current_span(found).get_span_context().is_valid else None


def inject(span: Span | None = None) -> dict[str, str]:
    """The W3C headers of `span` (default: the current span); empty when there is none."""
    carrier: dict[str, str] = {}
    if span is None:
        _propagator.inject(carrier)
    else:
        _propagator.inject(carrier, trace.set_span_in_context(span))
    return carrier


def current_traceparent() -> str | None:
    """The current span's `traceparent`, to keep with an outbox row; None while tracing is off or outside a span."""
    if not _active:
        return None
    return inject().get(TRACEPARENT)


def header_value(value: bytes | str | None) -> str | None:
    """A propagation header from a message, bounded and decoded; None when absent or not text."""
    if value is None:
        return None
    if isinstance(value, bytes):
        if len(value) > MAX_HEADER:
            return None
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return None
    return value if len(value) <= MAX_HEADER else None


def in_span() -> bool:
    """Whether a sampled span is current (something to join): background polls outside any span, and requests
    not sampled, make no statement spans."""
    return _active and trace.get_current_span().is_recording()


def ids_of_current() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, for logs; None outside a sampled span (its trace is not
    exported, so its ids would lead nowhere)."""
    if not _active:
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid or not context.trace_flags.sampled:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


@contextmanager
def span(
    name: str,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    exceptions_are_errors: bool = True,
) -> Iterator[Span]:
    """A current span (its children join it); its parent comes from `parent` headers when they hold one.

    An exception leaving the block marks the span as an error, unless `exceptions_are_errors` is False (a gRPC
    abort is how a servicer answers NOT_FOUND: the caller sets the status). Only call it while `active()`."""
    context = carrier_context(parent) if parent else None
    with _tracer.start_as_current_span(
        name,
        context=context,
        kind=kind,
        attributes=attributes,
        record_exception=exceptions_are_errors,
        set_status_on_exception=exceptions_are_errors,
    ) as current:
        yield current


@contextmanager
def producing(topic: str, traceparent: str | None = None, message_id: str = "") -> Iterator[list[tuple[str, bytes]]]:
    """The trace headers of a Kafka message being sent in the block, inside a producer span (a child of
    `traceparent`, else of the current span) while tracing is on. Off, `traceparent` passes through as it is."""
    if not _active:
        yield [(TRACEPARENT, traceparent.encode())] if traceparent else []
        return
    parent = {TRACEPARENT: traceparent} if traceparent else None
    attributes = {"messaging.system": "kafka", "messaging.destination.name": topic,
                  "messaging.operation.type": "publish", "messaging.message.id": message_id}  # fmt: skip
    with span(f"{topic} publish", SpanKind.PRODUCER, parent, attributes) as current:
        yield [(name, value.encode()) for name, value in inject(current).items()]


def mark_error(current: Span, description: str) -> None:
    current.set_status(Status(StatusCode.ERROR, description))


def detached_span(traceparent: str | None) -> Span:
    """A non-recording span standing for a remote parent (what `inject` of it yields is that traceparent)."""
    context = carrier_context({TRACEPARENT: traceparent}) if traceparent else None
    if context is None:
        return NonRecordingSpan(trace.INVALID_SPAN_CONTEXT)
    return trace.get_current_span(context)
