"""Child processes in their own process group, and loopback ports: the base of every local server.

Every server gets its own free port and its own working files, and runs in its own process group so that
stopping it leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
_T = TypeVar("_T")


class PortInUse(RuntimeError):
    """A fixed port that was asked for is already taken."""

    def __init__(self, port: int, what: str) -> None:
        self.port = port
        self.what = what
        super().__init__(
            f"port {port} (wanted by {what}) is already in use on {LOOPBACK}: "
            "stop whatever listens there or choose another port"
        )


def free_port(host: str = LOOPBACK) -> int:
    """A port that is free right now (the OS picks it; another process may still grab it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def refusing_port(host: str = LOOPBACK) -> Iterator[int]:
    """A port where connections are refused while the block runs: bound but never listening, so no other process
    can take it meanwhile (a `free_port()` is free only at the moment it is returned)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        yield int(sock.getsockname()[1])


def ensure_port_free(port: int, what: str, host: str = LOOPBACK) -> None:
    """Raise PortInUse if something listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like servers do, so that connections left in TIME_WAIT do not count as "in use".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUse(port, what) from exc


def choose_port(port: int | None, what: str) -> int:
    """The given fixed port if it is free (else PortInUse), or a free one when port is None or 0."""
    if not port:
        return free_port()
    ensure_port_free(port, what)
    return port


def wait_for_port(host: str, port: int, timeout: float = 10.0, process: ManagedProcess | None = None) -> None:
    """Wait until host:port accepts TCP connections; fail early if `process` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            pass
        if process is not None:
            process.raise_if_exited()
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")
        time.sleep(0.05)


def process_group_alive(pgid: int) -> bool:
    """True while any non-zombie process is in the process group."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the ")" closing the command name: state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class ManagedProcess:
    """A child process in its own session (so its whole process group can be stopped), output to a log file."""

    def __init__(
        self,
        args: Sequence[str | os.PathLike[str]],
        log_path: Path,
        *,
        name: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
    ) -> None:
        self.args = [str(a) for a in args]
        self.log_path = log_path
        self.name = name or Path(self.args[0]).name
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        if self.running:
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self._popen = subprocess.Popen(
                self.args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self.env,
                cwd=self.cwd,
                **_user_kwargs(self.user),
            )
        log.info("started %s", self.name, extra={"pid": self._popen.pid, "log_path": str(self.log_path)})
        return self

    @property
    def pid(self) -> int:
        if self._popen is None:
            raise RuntimeError(f"{self.name} was never started")
        return self._popen.pid

    @property
    def pgid(self) -> int:
        """The process group id (the same as pid: the process leads its own session)."""
        return self.pid

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._popen is None else self._popen.poll()

    def raise_if_exited(self) -> None:
        if self._popen is not None and self._popen.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with code {self._popen.returncode}; "
                f"last lines of {self.log_path}:\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the whole process group, wait up to `timeout`, then SIGKILL what is left."""
        popen = self._popen
        if popen is None:
            return
        pgid = popen.pid
        signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        try:
            popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs, killing it", self.name, timeout)
            signal_group(pgid, signal.SIGKILL)
            popen.wait()
        while process_group_alive(pgid):
            if time.monotonic() > deadline:
                signal_group(pgid, signal.SIGKILL)
                deadline = time.monotonic() + 5
            time.sleep(0.02)
        log.info("stopped %s", self.name, extra={"pid": pgid, "returncode": popen.returncode})

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _user_kwargs(user: str | None) -> dict[str, Any]:
    """Popen arguments that run the child as `user` (only when we are root and it is another user)."""
    if user is None or os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(user)
    if entry.pw_uid == 0:
        return {}
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def run_logged(
    args: Sequence[str | os.PathLike[str]], log_path: Path, *, user: str | None = None, cwd: Path | None = None
) -> None:
    with open(log_path, "ab") as out:
        result = subprocess.run(
            [str(a) for a in args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            check=False,
            **_user_kwargs(user),
        )
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
        raise RuntimeError(f"{Path(str(args[0])).name} failed with code {result.returncode}:\n{tail}")


def run_in_thread(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from sync code, even when the caller is inside a running event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
