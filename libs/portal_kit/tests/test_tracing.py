"""Traces in-process, with an in-memory exporter: off unless configured; gRPC client and server spans join one
trace through `traceparent` metadata; SQL statements are children of the current span; the outbox keeps the
trace context with the row; a consumer continues the trace of the event's headers; the sampler is parent-based."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from aiokafka import ConsumerRecord
from google.protobuf.wrappers_pb2 import StringValue
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc
from prometheus_client import REGISTRY
from sqlmodel import SQLModel, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from portal_kit import grpc_client, tracing
from portal_kit.consumer import Event, IdempotentConsumer
from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.grpc_server import GrpcServer
from portal_kit.outbox import OutboxEvent, record_event
from portal_kit.tests.test_grpc_plumbing import GATEWAY, start_probe_server

OTEL_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_SAMPLER",
                  "OTEL_TRACES_SAMPLER_ARG", "OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME")  # fmt: skip
REMOTE_TRACE = "0af7651916cd43dd8448eb211c80319c"
REMOTE_PARENT = f"00-{REMOTE_TRACE}-b7ad6b7169203331-01"


@pytest.fixture(autouse=True)
def no_otel_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    tracing.shutdown()


@pytest.fixture
def exported() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    assert tracing.configure("test-service", exporter=exporter)
    return exporter


@pytest.fixture
async def db(tmp_path: Path, exported: InMemorySpanExporter) -> AsyncIterator[Database]:
    """A database made while tracing is on (its statements are hooked then)."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/traced.db")
    async with database.engine.begin() as connection:
        tables = [SQLModel.metadata.tables[name] for name in ("outbox_events", "processed_events")]
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=tables))
    yield database
    await database.dispose()


@pytest.fixture
async def server() -> AsyncIterator[GrpcServer]:
    server = start_probe_server()
    await server.start()
    try:
        yield server
    finally:
        await server.stop(0)


def hex_trace(span: ReadableSpan) -> str:
    return f"{span.context.trace_id:032x}"


def named(exporter: InMemorySpanExporter, name: str) -> ReadableSpan:
    [found] = [span for span in exporter.get_finished_spans() if span.name == name]
    return found


def test_off_unless_an_otlp_endpoint_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tracing.configure("billing") is False
    assert not tracing.active()
    assert tracing.current_traceparent() is None
    assert tracing.ids_of_current() is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
    assert tracing.wanted()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing.wanted()


async def test_off_the_hooks_make_no_span_and_the_outbox_keeps_no_context(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/plain.db")
    try:
        async with database.engine.begin() as connection:
            table = SQLModel.metadata.tables["outbox_events"]
            await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=[table]))
        with bound("tenant-a"):
            async with database.unit_of_work() as session:
                await record_event(session, "test.thing.v1", "k", StringValue(value="x"))
        async with database.unit_of_work() as session:
            [row] = (await session.exec(select(OutboxEvent))).all()
        assert row.traceparent is None
        assert not database.engine.sync_engine.dispatch.before_cursor_execute  # no listener at all
    finally:
        await database.dispose()


async def test_a_grpc_call_is_a_client_span_and_a_server_span_of_one_trace(
    exported: InMemorySpanExporter, server: GrpcServer
) -> None:
    channel = grpc_client.channel(f"127.0.0.1:{server.port}", credential=GATEWAY)
    try:
        with tracing.span("request", SpanKind.SERVER) as request, bound("tenant-acme"):
            await plans_pb2_grpc.PlanServiceStub(channel).GetPlan(plans_pb2.GetPlanRequest(id="p1"))
    finally:
        await channel.close()
    client = next(s for s in exported.get_finished_spans() if s.kind == SpanKind.CLIENT)
    served = next(s for s in exported.get_finished_spans() if s.kind == SpanKind.SERVER and s.name != "request")
    assert client.name == served.name == "portal.subscriptions.v1.PlanService/GetPlan"
    assert hex_trace(client) == hex_trace(served) == f"{request.get_span_context().trace_id:032x}"
    assert client.parent is not None and client.parent.span_id == request.get_span_context().span_id
    assert served.parent is not None and served.parent.span_id == client.context.span_id
    assert served.attributes is not None and served.attributes["portal.tenant_id"] == "tenant-acme"
    seen = server.registrations[0].servicer.seen_metadata
    assert seen["traceparent"].split("-")[1] == hex_trace(client)


async def test_a_refusal_is_an_answer_and_a_crash_is_an_error(
    exported: InMemorySpanExporter, server: GrpcServer
) -> None:
    channel = grpc_client.channel(f"127.0.0.1:{server.port}", credential=GATEWAY)
    method = "/portal.subscriptions.v1.PlanService/CreatePlan"
    errors_before = REGISTRY.get_sample_value("portal_rpc_server_errors_total", {"method": method}) or 0.0
    stub = plans_pb2_grpc.PlanServiceStub(channel)
    try:
        with bound("tenant-acme"):
            for name in ("abort", "crash"):
                with pytest.raises(grpc.aio.AioRpcError):
                    await stub.CreatePlan(plans_pb2.CreatePlanRequest(plan=plans_pb2.Plan(name=name)))
    finally:
        await channel.close()
    served = [s for s in exported.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert [s.attributes and s.attributes["rpc.grpc.status_code"] for s in served] == [
        grpc.StatusCode.NOT_FOUND.value[0],
        grpc.StatusCode.INTERNAL.value[0],
    ]
    assert [s.status.status_code for s in served] == [StatusCode.UNSET, StatusCode.ERROR]
    assert REGISTRY.get_sample_value("portal_rpc_server_errors_total", {"method": method}) == errors_before + 1
    not_found = REGISTRY.get_sample_value("portal_rpc_server_requests_total", {"method": method, "code": "NOT_FOUND"})
    assert not_found is not None and not_found >= 1


async def test_sql_statements_are_children_of_the_current_span_and_background_polls_are_not_traced(
    exported: InMemorySpanExporter, db: Database
) -> None:
    async with db.unit_of_work() as session:
        await session.exec(text("SELECT 1"))  # type: ignore[call-overload]  # a raw statement
    assert [s for s in exported.get_finished_spans() if s.name == "SELECT"] == []
    with tracing.span("rpc", SpanKind.SERVER) as rpc:
        async with db.unit_of_work() as session:
            await session.exec(text("SELECT 2"))  # type: ignore[call-overload]  # a raw statement
    statement = named(exported, "SELECT")
    assert statement.parent is not None and statement.parent.span_id == rpc.get_span_context().span_id
    assert statement.kind == SpanKind.CLIENT
    assert statement.attributes is not None and statement.attributes["db.system"] == "sqlite"
    assert statement.attributes["db.statement"] == "SELECT 2"


async def test_the_outbox_keeps_the_trace_context_of_the_request_that_wrote_the_event(
    exported: InMemorySpanExporter, db: Database
) -> None:
    with tracing.span("request", SpanKind.SERVER) as request, bound("tenant-a"):
        async with db.unit_of_work() as session:
            await record_event(session, "test.thing.v1", "k", StringValue(value="x"))
    async with db.unit_of_work() as session:
        [row] = (await session.exec(select(OutboxEvent))).all()
    context = request.get_span_context()
    assert row.traceparent is not None
    assert row.traceparent.split("-")[:3] == ["00", f"{context.trace_id:032x}", f"{context.span_id:016x}"]


async def test_producing_is_a_child_of_the_stored_context_and_sends_its_own(exported: InMemorySpanExporter) -> None:
    with tracing.producing("test.thing.v1", REMOTE_PARENT, "evt-1") as headers:
        pass
    produced = named(exported, "test.thing.v1 publish")
    assert produced.kind == SpanKind.PRODUCER and hex_trace(produced) == REMOTE_TRACE
    [(name, value)] = headers
    assert name == "traceparent" and value.decode().split("-")[1:3] == [
        REMOTE_TRACE,
        f"{produced.context.span_id:016x}",
    ]


def test_producing_while_off_passes_the_stored_context_through() -> None:
    with tracing.producing("test.thing.v1", REMOTE_PARENT) as headers:
        assert headers == [("traceparent", REMOTE_PARENT.encode())]
    with tracing.producing("test.thing.v1") as headers:
        assert headers == []


async def test_a_consumer_continues_the_trace_of_the_event_it_handles(
    exported: InMemorySpanExporter, db: Database
) -> None:
    record = ConsumerRecord(
        topic="test.thing.v1", partition=0, offset=0, timestamp=0, timestamp_type=0, key=b"k", value=b"",
        checksum=None, serialized_key_size=1, serialized_value_size=0,
        headers=[("event-id", b"evt-1"), ("tenant-id", b"tenant-a"), ("traceparent", REMOTE_PARENT.encode())],
    )  # fmt: skip
    event = Event.from_record(record)
    assert event is not None and event.traceparent == REMOTE_PARENT
    inside: list[str | None] = []

    async def handler(event: Event, session: AsyncSession) -> None:
        inside.append(tracing.current_traceparent())

    consumer = IdempotentConsumer(db, "127.0.0.1:1", ["test.thing.v1"], "test-consumer", handler)
    assert await consumer.handle(event)
    processed = named(exported, "test.thing.v1 process")
    assert processed.kind == SpanKind.CONSUMER and hex_trace(processed) == REMOTE_TRACE
    assert processed.parent is not None and f"{processed.parent.span_id:016x}" == REMOTE_PARENT.split("-")[2]
    [carried] = inside  # what an email event written by the handler would carry
    assert carried is not None and carried.split("-")[1:3] == [REMOTE_TRACE, f"{processed.context.span_id:016x}"]


def test_an_event_with_a_malformed_traceparent_starts_a_trace_of_its_own(exported: InMemorySpanExporter) -> None:
    assert tracing.carrier_context({"traceparent": "not-a-traceparent"}) is None
    assert tracing.header_value(b"\xff\xfe") is None
    assert tracing.header_value(b"0" * 600) is None
    with tracing.span("process", SpanKind.CONSUMER, {"traceparent": "00-zz-zz-01"}):
        pass
    assert named(exported, "process").parent is None


def test_sampling_is_parent_based_with_the_configured_ratio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0")
    exporter = InMemorySpanExporter()
    tracing.configure("test-service", exporter=exporter)
    with tracing.span("new root"):
        assert tracing.ids_of_current() is None  # not sampled: nothing recorded, no ids in logs
    with tracing.span("sampled upstream", parent={"traceparent": REMOTE_PARENT}):
        pass
    assert [span.name for span in exporter.get_finished_spans()] == ["sampled upstream"]


def test_the_service_name_comes_from_otel_service_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "billing-eu")
    exporter = InMemorySpanExporter()
    tracing.configure("billing", exporter=exporter)
    with tracing.span("x"):
        pass
    [span] = exporter.get_finished_spans()
    assert span.resource.attributes["service.name"] == "billing-eu"
