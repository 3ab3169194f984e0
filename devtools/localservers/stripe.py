"""A fake Stripe API: localstripe, started from the virtual environment's script."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from devtools.localservers.processes import LOOPBACK, ManagedProcess, choose_port, wait_for_port

log = logging.getLogger(__name__)


class StripeServer:
    """localstripe, a stateful fake of the Stripe API. Note: it listens on all interfaces ("::")."""

    def __init__(self, process: ManagedProcess, port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://{LOOPBACK}:{port}"

    def stop(self, timeout: float = 10.0) -> None:
        self.process.stop(timeout)


def start_localstripe(workdir: Path, port: int | None = None, timeout: float = 20.0) -> StripeServer:
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = choose_port(port, "localstripe")
    binary = Path(sys.executable).parent / "localstripe"
    process = ManagedProcess(
        [binary, "--port", str(chosen), "--from-scratch"],
        workdir / f"localstripe-{chosen}.log",
        name="localstripe",
        cwd=workdir,
    ).start()
    try:
        wait_for_port(LOOPBACK, chosen, timeout, process)
    except BaseException:
        process.stop()
        raise
    log.info("localstripe ready", extra={"port": chosen})
    return StripeServer(process, chosen)
