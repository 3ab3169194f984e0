"""SIGTERM on the gateway: readiness turns false at once (`/readyz` answers 503), then uvicorn stops accepting
connections and gives the requests in flight up to PORTAL_SHUTDOWN_GRACE_SECONDS before the process exits 0."""

from __future__ import annotations

import signal
import socket
import threading
from types import FrameType

import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse


class Draining:
    """Set once, when the gateway has been asked to stop (thread-safe: set from a signal handler)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def start(self) -> None:
        self._event.set()

    @property
    def active(self) -> bool:
        return self._event.is_set()


class GatewayServer(uvicorn.Server):
    """uvicorn's server, marking the app as draining when the stop signal arrives."""

    def __init__(self, config: uvicorn.Config, draining: Draining) -> None:
        super().__init__(config)
        self.draining = draining

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.draining.start()
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


def install(app: FastAPI) -> None:
    """`app.state.draining` and a minimal `/readyz`: 503 while draining, else 200."""
    app.state.draining = Draining()

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        if request.app.state.draining.active:
            return JSONResponse({"ready": False, "draining": True}, status_code=503)
        return JSONResponse({"ready": True})
