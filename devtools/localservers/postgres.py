"""A throwaway PostgreSQL cluster from the Debian binaries, or a testcontainer when a Docker engine answers."""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol

from devtools.localservers.processes import LOOPBACK, ManagedProcess, choose_port, run_logged

log = logging.getLogger(__name__)

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
        run_logged(
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
        run_logged(
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
                run_logged(
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
