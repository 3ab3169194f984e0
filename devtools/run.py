"""`./portal run`: the whole portal on this machine with demo data. Ctrl-C stops everything.

Defaults need no external servers: SQLite files under .portal/data, a local Kafka-protocol broker, a fake
Stripe and the dev mailbox. Environment switches, for a closer-to-production run:
  PORTAL_POSTGRES_URL=postgresql+asyncpg://user:pass@host:5432   one database per service (portal_<service>)
  PORTAL_<SERVICE>_DATABASE_URL=...                             one service's database
  PORTAL_KAFKA_BOOTSTRAP=host:9092                              an existing Kafka
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import asyncpg

from devtools import demo, demo_stripe
from devtools.localservers import PortInUse, ensure_port_free, free_port
from devtools.stack import BACKENDS, ROOT, Stack, StackOptions, dump


def pick_port(wanted: int) -> int:
    try:
        ensure_port_free(wanted, "the portal's web server")
        return wanted
    except PortInUse as taken:
        for candidate in range(wanted + 1, wanted + 50):
            try:
                ensure_port_free(candidate, "the portal's web server")
            except PortInUse:
                continue
            print(f"portal: {taken}; using port {candidate} instead.", file=sys.stderr)
            return candidate
        return free_port()


async def create_postgres_databases(server_url: str) -> dict[str, str]:
    urls = {}
    plain = server_url.replace("postgresql+asyncpg://", "postgresql://").rstrip("/")
    connection = await asyncpg.connect(plain + "/postgres")
    try:
        for name in BACKENDS:
            database = f"portal_{name}"
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{database}"')
            urls[name] = f"{server_url.rstrip('/')}/{database}"
    finally:
        await connection.close()
    return urls


def database_urls() -> dict[str, str]:
    urls: dict[str, str] = {}
    if server := os.environ.get("PORTAL_POSTGRES_URL"):
        urls.update(asyncio.run(create_postgres_databases(server)))
    for name in BACKENDS:
        if url := os.environ.get(f"PORTAL_{name.upper()}_DATABASE_URL"):
            urls[name] = url
    return urls


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="./portal run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORTAL_HTTP_PORT", "8000")),
        help="web port (default 8000; 0 = any free port)",
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".portal", help="where data, logs and run.json go")
    parser.add_argument("--fresh", action="store_true", help="delete the local data first")
    args = parser.parse_args()

    started = time.monotonic()
    workdir: Path = args.data_dir.resolve()
    if args.fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    http_port = pick_port(args.port) if args.port else free_port()
    options = StackOptions(
        workdir=workdir,
        http_port=http_port,
        database_urls=database_urls(),
        kafka_bootstrap=os.environ.get("PORTAL_KAFKA_BOOTSTRAP"),
    )
    stack = Stack(options)

    def request_stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)  # also when started in the background, where SIGINT is ignored
    try:
        print("portal: starting the broker, fake Stripe, mailbox and services...", file=sys.stderr, flush=True)
        stack.start()
        business = asyncio.run(
            demo.ensure_business(f"127.0.0.1:{stack.grpc_ports['auth']}", stack.admin_credential, "acme", "Acme Inc")
        )
        api_url = f"http://127.0.0.1:{stack.http_port}/api"
        demo.seed_sync(api_url, business.api_key)
        if stack.stripe is not None:  # acme takes cards through localstripe (test cards: README)
            demo_stripe.connect_business(api_url, business.api_key, stack.stripe.url,
                                         f"http://127.0.0.1:{stack.http_port}", business.username)  # fmt: skip
        facts = {
            **stack.describe(),
            "portal_url": stack.portal_url(business.username) + "/",
            "sign_up_url": demo.sign_up_page_sync(api_url, business.api_key),
            "business": business.username,
            "api_key": business.api_key,
            "sso_key": business.sso_key,
            "admin_token": stack.admin_credential.token,  # for the bootstrap CLI: PORTAL_ADMIN_TOKEN
            "started_in_seconds": round(time.monotonic() - started, 2),
        }
        dump(workdir / "run.json", facts)
        print(
            "\nThe billing portal is running.\n"
            f"  Portal (open this):   {facts['portal_url']}\n"
            f"  Sign-up page:         {facts['sign_up_url']}\n"
            f"  Business API:         {facts['api_url']}\n"
            f"  Demo API key:         {business.api_key}\n"
            f"  Demo SSO key:         {business.sso_key}\n"
            f"  Dev mailbox:          {facts['mailbox_url']}\n"
            f"  Try the API:          curl -u {business.api_key}: {facts['api_url']}/invoices\n"
            f"  Facts as JSON:        {workdir / 'run.json'}\n"
            f"  Metrics:              {facts['metrics_urls']['gateway']} (every component's: run.json)\n"
            f"  Logs:                 {facts['logs']}\n"
            f"Started in {facts['started_in_seconds']} s. Press Ctrl-C to stop.\n",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nportal: stopping...", file=sys.stderr, flush=True)
        return 0
    except (PortInUse, TimeoutError, RuntimeError) as problem:
        print(f"portal: could not start: {problem}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        (workdir / "run.json").unlink(missing_ok=True)
        print("portal: stopped.", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
