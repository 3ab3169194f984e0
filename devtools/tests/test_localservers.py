from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from pathlib import Path

import asyncpg
import pytest
import stripe
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from devtools.localservers import (
    ManagedProcess,
    PortInUse,
    choose_port,
    docker_available,
    free_port,
    process_group_alive,
    start_kafka,
    start_localstripe,
    start_postgres,
    wait_for_port,
)


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_port_in_use_names_port_and_owner() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(PortInUse) as info:
            choose_port(port, "the test server")
    assert str(port) in str(info.value)
    assert "the test server" in str(info.value)


def test_managed_process_stops_its_whole_group(tmp_path: Path) -> None:
    # The shell starts a child in the same group that would outlive a plain kill of the shell.
    script = "sleep 60 & python3 -m http.server --bind 127.0.0.1 $PORT"
    port = free_port()
    with ManagedProcess(["sh", "-c", script.replace("$PORT", str(port))], tmp_path / "p.log") as proc:
        wait_for_port("127.0.0.1", port, timeout=10, process=proc)
        assert process_group_alive(proc.pgid)
    assert not process_group_alive(proc.pgid)


class FakeEngine(http.server.BaseHTTPRequestHandler):
    """Answers the two calls a Docker client makes to ping an engine."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook
        body = json.dumps({"ApiVersion": "1.45"}).encode() if self.path.endswith("/version") else b"OK"
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if body != b"OK" else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Api-Version", "1.45")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server signature
        pass


def test_docker_available_says_yes_to_an_engine_that_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeEngine) as engine:
        threading.Thread(target=engine.serve_forever, daemon=True).start()
        try:
            monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{engine.server_address[1]}")
            assert docker_available() is True
        finally:
            engine.shutdown()


def test_docker_available_says_no_without_an_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    assert docker_available() is False


def test_docker_available_gives_up_on_an_engine_that_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections (the kernel does) and never answers
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        assert docker_available(timeout=1.0) is False
        assert time.monotonic() - started < 10  # about the timeout, not a client default of a minute


async def test_postgres(tmp_path: Path) -> None:
    pg = start_postgres(tmp_path)
    try:
        assert pg.url("app") == f"postgresql+asyncpg://postgres@127.0.0.1:{pg.port}/app"
        pg.create_database("app")
        conn = await asyncpg.connect(host="127.0.0.1", port=pg.port, user="postgres", database="app")
        try:
            assert await conn.fetchval("SELECT 1") == 1
            assert await conn.fetchval("SELECT current_database()") == "app"
            assert await conn.fetchval("SHOW fsync") == "off"
        finally:
            await conn.close()
    finally:
        pg.stop()
    assert not process_group_alive(pg.process.pgid)
    assert not pg.root.exists()


async def _produce(bootstrap: str, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, partition=0)
    finally:
        await producer.stop()


async def _consume_one(bootstrap: str, topic: str) -> bytes:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.seek_to_beginning()
        batch = await consumer.getmany(timeout_ms=5000, max_records=1)
        records = [r for rs in batch.values() for r in rs]
        assert records, "no message consumed"
        return bytes(records[0].value or b"")
    finally:
        await consumer.stop()


async def test_kafka_produce_consume_and_restart(tmp_path: Path) -> None:
    kafka = start_kafka(tmp_path)
    try:
        assert kafka.bootstrap == f"127.0.0.1:{kafka.port}"
        await _produce(kafka.bootstrap, "events", b"one")
        assert await _consume_one(kafka.bootstrap, "events") == b"one"

        first_pgid = kafka.process.pgid
        kafka.stop()
        assert not process_group_alive(first_pgid)

        kafka.start()  # same port, empty (memory storage)
        assert kafka.bootstrap == f"127.0.0.1:{kafka.port}"
        await _produce(kafka.bootstrap, "events", b"two")
        assert await _consume_one(kafka.bootstrap, "events") == b"two"
    finally:
        kafka.stop()
    assert not process_group_alive(kafka.process.pgid)


def test_localstripe(tmp_path: Path) -> None:
    server = start_localstripe(tmp_path)
    try:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": server.url})
        customer = client.v1.customers.create(params={"email": "someone@example.com"})
        assert customer["id"].startswith("cus_")
        assert client.v1.customers.retrieve(customer["id"])["email"] == "someone@example.com"
    finally:
        server.stop()
    assert not process_group_alive(server.process.pgid)


def test_fixed_port_taken_by_a_running_server(tmp_path: Path) -> None:
    server = start_localstripe(tmp_path)
    try:
        with pytest.raises(PortInUse, match=str(server.port)):
            start_kafka(tmp_path, port=server.port)
    finally:
        server.stop()
