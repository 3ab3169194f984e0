"""Starts the whole portal as separate processes: broker, fake Stripe, dev mailbox, five services, mailer, gateway.

Used by `./portal run` and by the integration tests, so both exercise exactly the same start-up. Service
credentials are generated at start and handed out as in production (portal_kit.service_auth.env_for); every
process listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from portal_kit.service_auth import ADMIN, ServiceCredential, env_for, generate_tokens
from portal_kit.settings import DEV_SECRET_KEY

from devtools.localservers import (
    KafkaServer,
    ManagedProcess,
    StripeServer,
    free_port,
    start_kafka,
    start_localstripe,
    wait_for_port,
)

log = logging.getLogger("devtools.stack")
ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("auth", "billing", "subscriptions", "comments", "mailer")


@dataclass
class StackOptions:
    workdir: Path  # logs and, for SQLite, the databases
    http_port: int = 0  # 0: any free port
    base_domain: str = "localhost"
    database_urls: dict[str, str] = field(default_factory=dict)  # service → URL; others use SQLite in workdir
    kafka_bootstrap: str | None = None  # None: start a local broker
    smtp_port: int | None = None  # None: start the dev mailbox
    start_stripe: bool = True
    trusted_proxies: str = ""  # the gateway's PORTAL_TRUSTED_PROXIES (none: every peer is a client)
    env: dict[str, str] = field(default_factory=dict)  # more variables for every service (e.g. OTEL_* for traces)
    instances: int = 1  # processes per backend, all on one database; the address settings list them all
    shutdown_grace_seconds: float | None = None  # PORTAL_SHUTDOWN_GRACE_SECONDS of every process (None: default)


@dataclass
class Stack:
    options: StackOptions
    http_port: int = 0
    mailbox_http_port: int | None = None
    smtp_port: int = 0
    grpc_ports: dict[str, int] = field(default_factory=dict)  # each backend's first instance
    instance_ports: dict[str, list[int]] = field(default_factory=dict)  # every instance of each backend
    metrics_ports: dict[str, int] = field(default_factory=dict)  # process (`billing`, `billing-2`…) → its /metrics port
    kafka: KafkaServer | None = None
    stripe: StripeServer | None = None
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=generate_tokens, repr=False)  # caller → this run's token

    def credential(self, caller: str) -> ServiceCredential:
        """This run's credential of a caller (`gateway`, `auth`, `mailer`, `admin`), for tools and tests."""
        return ServiceCredential(caller, self.tokens[caller])

    @property
    def admin_credential(self) -> ServiceCredential:
        return self.credential(ADMIN)

    @property
    def kafka_bootstrap(self) -> str:
        if self.options.kafka_bootstrap:
            return self.options.kafka_bootstrap
        assert self.kafka is not None
        return self.kafka.bootstrap

    @property
    def base_url(self) -> str:
        return f"http://{self.options.base_domain}:{self.http_port}"

    def portal_url(self, username: str) -> str:
        return f"http://{username}.{self.options.base_domain}:{self.http_port}"

    @property
    def mailbox_url(self) -> str | None:
        return f"http://127.0.0.1:{self.mailbox_http_port}" if self.mailbox_http_port else None

    def _env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env.update(
            PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "libs")]),
            PYTHONUNBUFFERED="1",
            PORTAL_SECRET_KEY=os.environ.get("PORTAL_SECRET_KEY", DEV_SECRET_KEY),
            PORTAL_DATA_DIR=str(self.options.workdir / "data"),
            PORTAL_KAFKA_BOOTSTRAP=self.kafka_bootstrap,
            PORTAL_SMTP_HOST="127.0.0.1",
            PORTAL_SMTP_PORT=str(self.smtp_port),
            PORTAL_MIGRATE_ON_START="true",  # no migration Job here: each service brings its database to head
        )
        if self.options.shutdown_grace_seconds is not None:
            env["PORTAL_SHUTDOWN_GRACE_SECONDS"] = str(self.options.shutdown_grace_seconds)
        if self.stripe is not None:
            env["PORTAL_STRIPE_API_BASE"] = self.stripe.url
        env.update(self.options.env)
        env.update(extra)
        return env

    def _observability_env(self, process: str, component: str | None = None) -> dict[str, str]:
        """Each process's own metrics port, and its component's name as the service name in traces."""
        self.metrics_ports[process] = free_port()
        return {
            "PORTAL_METRICS_PORT": str(self.metrics_ports[process]),
            "PORTAL_METRICS_HOST": "127.0.0.1",
            "OTEL_SERVICE_NAME": component or process,
        }

    def metrics_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.metrics_ports[name]}/metrics"

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> ManagedProcess:
        process = ManagedProcess(args, self.options.workdir / "logs" / f"{name}.log", name=name, env=env, cwd=ROOT)
        self.processes[name] = process
        return process.start()

    def start(self, timeout: float = 60.0) -> Stack:
        workdir = self.options.workdir
        (workdir / "logs").mkdir(parents=True, exist_ok=True)
        try:
            self._start_infrastructure(workdir)
            self._start_services(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_infrastructure(self, workdir: Path) -> None:
        if self.options.kafka_bootstrap is None:
            self.kafka = start_kafka(workdir / "kafka")
        if self.options.start_stripe:
            self.stripe = start_localstripe(workdir / "stripe")
        if self.options.smtp_port is None:
            self.smtp_port, self.mailbox_http_port = free_port(), free_port()
            mailbox = self._spawn(
                "mailbox",
                [
                    sys.executable,
                    "-m",
                    "devtools.mailbox",
                    "--smtp-port",
                    str(self.smtp_port),
                    "--http-port",
                    str(self.mailbox_http_port),
                ],  # fmt: skip
                self._env({}),
            )
            wait_for_port("127.0.0.1", self.mailbox_http_port, 20, mailbox)
        else:
            self.smtp_port = self.options.smtp_port

    @staticmethod
    def instance_name(backend: str, index: int) -> str:
        """The process name of a backend's instance: `billing`, then `billing-2`, `billing-3`…"""
        return backend if index == 0 else f"{backend}-{index + 1}"

    def _start_services(self, timeout: float) -> None:
        for name in BACKENDS:
            self.instance_ports[name] = [free_port() for _ in range(self.options.instances)]
            self.grpc_ports[name] = self.instance_ports[name][0]
        addresses = {
            f"PORTAL_{name.upper()}_ADDR": ",".join(f"127.0.0.1:{port}" for port in ports)
            for name, ports in self.instance_ports.items()
        }
        # The first instance of each backend migrates its database; the others start once it listens.
        for index in range(self.options.instances):
            for name in BACKENDS:
                process_name = self.instance_name(name, index)
                extra = {
                    f"PORTAL_{name.upper()}_GRPC_PORT": str(self.instance_ports[name][index]),
                    "PORTAL_GRPC_HOST": "127.0.0.1",
                    **addresses,
                    **env_for(name, self.tokens),
                    **self._observability_env(process_name, name),
                }
                if name in self.options.database_urls:
                    extra[f"PORTAL_{name.upper()}_DATABASE_URL"] = self.options.database_urls[name]
                self._spawn(process_name, [sys.executable, "-m", f"services.{name}"], self._env(extra))
            for name in BACKENDS:
                process = self.processes[self.instance_name(name, index)]
                wait_for_port("127.0.0.1", self.instance_ports[name][index], timeout, process)
        self.http_port = self.http_port or self.options.http_port or free_port()
        gateway_env = {
            "PORTAL_HTTP_HOST": "127.0.0.1",
            "PORTAL_TRUSTED_PROXIES": self.options.trusted_proxies,
            "PORTAL_HTTP_PORT": str(self.http_port),
            "PORTAL_PUBLIC_PORT": str(self.http_port),
            "PORTAL_BASE_DOMAIN": self.options.base_domain,
            **addresses,
            **env_for("gateway", self.tokens),
            **self._observability_env("gateway"),
        }
        gateway = self._spawn("gateway", [sys.executable, "-m", "services.gateway"], self._env(gateway_env))
        self._wait_healthy(gateway, timeout)

    def _wait_healthy(self, gateway: ManagedProcess, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.http_port}/readyz"
        while True:
            gateway.raise_if_exited()
            for name, process in self.processes.items():
                if name != "mailbox":
                    process.raise_if_exited()
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - our own loopback URL
                    if reply.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the portal did not become healthy within {timeout:.0f}s; logs: {self.options.workdir / 'logs'}"
                )
            time.sleep(0.2)

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.processes[name].stop()
        self.processes.clear()
        if self.stripe is not None:
            self.stripe.stop()
            self.stripe = None
        if self.kafka is not None:
            self.kafka.stop()
            self.kafka = None

    def describe(self) -> dict[str, object]:
        return {
            "base_url": self.base_url,
            "api_url": f"{self.base_url}/api",
            "mailbox_url": self.mailbox_url,
            "http_port": self.http_port,
            "grpc_ports": self.grpc_ports,
            "metrics_ports": self.metrics_ports,
            "metrics_urls": {name: self.metrics_url(name) for name in self.metrics_ports},
            "kafka_bootstrap": self.kafka_bootstrap,
            "stripe_url": self.stripe.url if self.stripe else None,
            "logs": str(self.options.workdir / "logs"),
        }


def dump(path: Path, facts: dict[str, object]) -> None:
    """Writes the facts for scripts, readable by this user only (they include keys and the run's admin token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.chmod(0o600)
    tmp.write_text(json.dumps(facts, indent=2) + "\n")
    tmp.replace(path)
