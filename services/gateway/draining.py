"""SIGTERM on the gateway: readiness turns false at once (`app.state.readiness.drain()`: `/readyz` answers 503),
then uvicorn stops accepting connections and gives the requests in flight up to PORTAL_SHUTDOWN_GRACE_SECONDS
before the process exits 0."""

from __future__ import annotations

import signal
import socket
from types import FrameType

import uvicorn

from services.gateway.observability import Readiness


class GatewayServer(uvicorn.Server):
    """uvicorn's server, marking the app as draining when the stop signal arrives."""

    def __init__(self, config: uvicorn.Config, readiness: Readiness) -> None:
        super().__init__(config)
        self.readiness = readiness

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.readiness.drain()
        super().handle_exit(sig, frame)

    def run(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's, except that SIGTERM ends the process with 0 once the requests have finished: uvicorn raises
        the signal it caught again when it is done, and here that finds a handler that does nothing (by default the
        process would die of it, exit -15, which Kubernetes and the local run report as a crash)."""
        previous = signal.signal(signal.SIGTERM, lambda _sig, _frame: None)
        try:
            super().run(sockets)
        finally:
            signal.signal(signal.SIGTERM, previous)
