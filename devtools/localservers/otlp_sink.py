"""A throwaway OTLP/gRPC trace receiver that keeps spans in memory: what the tests and the benchmark point
`OTEL_EXPORTER_OTLP_ENDPOINT` at instead of a real collector."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from devtools.localservers.processes import LOOPBACK


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: int  # opentelemetry.proto.trace.v1.Span.SpanKind: 2 server, 3 client, 4 producer, 5 consumer
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]


def _value(any_value: Any) -> Any:
    field = any_value.WhichOneof("value")
    return getattr(any_value, field) if field else None


class _Receiver(trace_service_pb2_grpc.TraceServiceServicer):  # type: ignore[misc]  # generated code is untyped
    def __init__(self, sink: OtlpSink) -> None:
        self.sink = sink

    def Export(self, request: Any, context: Any) -> Any:  # noqa: N802 - the generated servicer's name
        received = []
        for resource_spans in request.resource_spans:
            resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
            service = str(resource.get("service.name", ""))
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ReceivedSpan(
                            service=service,
                            name=span.name,
                            kind=span.kind,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            attributes={a.key: _value(a.value) for a in span.attributes},
                        )
                    )
        self.sink.add(received)
        return trace_service_pb2.ExportTraceServiceResponse()


class OtlpSink:
    """`with OtlpSink() as sink:` then set `sink.env()` on the processes; read `sink.spans()`.

    `keep=False` only counts what arrives (`received`), for long benchmarks."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.received = 0
        self._spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_Receiver(self), self.server)
        self.port = self.server.add_insecure_port(f"{LOOPBACK}:0")

    def add(self, spans: list[ReceivedSpan]) -> None:
        with self._lock:
            self.received += len(spans)
            if self.keep:
                self._spans.extend(spans)

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def clear(self) -> None:
        with self._lock:
            self._spans.clear()

    def wait_for(self, found: Callable[[list[ReceivedSpan]], bool], timeout: float = 30.0) -> list[ReceivedSpan]:
        """The spans once `found` holds for them; TimeoutError with what arrived otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            spans = self.spans()
            if found(spans):
                return spans
            if time.monotonic() > deadline:
                names = sorted({f"{s.service}:{s.name}" for s in spans})
                raise TimeoutError(f"spans not seen within {timeout:.0f}s; received {len(spans)}: {names[:40]}")
            time.sleep(0.1)

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def env(self, schedule_delay_ms: int = 200) -> dict[str, str]:
        """What turns tracing on in a service and sends its spans here (batched every `schedule_delay_ms`)."""
        return {
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint,
            "OTEL_EXPORTER_OTLP_INSECURE": "true",
            "OTEL_BSP_SCHEDULE_DELAY": str(schedule_delay_ms),
            "OTEL_TRACES_SAMPLER": "parentbased_always_on",
        }

    def __enter__(self) -> OtlpSink:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop(grace=None)
