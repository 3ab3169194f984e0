"""The portal's speed beside the one-process reference page, measured in the same run on the same PostgreSQL.

    .venv/bin/python scripts/bench_portal.py                 # 2 businesses x 200 customers x 25 invoices, 3 rounds
    .venv/bin/python scripts/bench_portal.py --customers 20 --sessions 100 --duration 3 --rounds 1   # quick
    .venv/bin/python scripts/bench_portal.py --growth        # 1,000,000 invoices in one business vs 10,000
    .venv/bin/python scripts/bench_portal.py --profile DIR   # also py-spy flame graphs of the busiest services
    .venv/bin/python scripts/bench_portal.py --tracing       # the same with tracing on (every request sampled)

From a fresh clone it: starts a throwaway PostgreSQL cluster and the whole portal on it (one database per
service); seeds businesses, customers and invoices through the business API; makes customer sessions through SSO
links; seeds the reference page (`../shared/bench/reference-page/`, beside the repository) into its own database of
the same cluster and starts it; then runs `wrk -t1 -c16` on the account page (`GET /`), the invoice page, invoice
creation (`POST /api/invoices`) and the reference page, alternating, and prints pages/s, p50, p99, errors and
server CPU per page (utime+stime from /proc of every server process, PostgreSQL backends included).

`--tracing` turns OpenTelemetry on in every service (`OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a throwaway
in-memory OTLP receiver in this process, `--tracing-ratio` of root requests sampled, default 1.0), so the same
benchmark run twice, without and with it, shows what tracing costs. The number of spans received is printed.

`wrk` is installed with apt-get when missing; the reference page runs in its own virtual environment under
`.portal/bench/` (FastAPI, uvicorn, uvloop, httptools, asyncpg, Jinja2, as its README says).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

from devtools.localservers import ManagedProcess, OtlpSink, free_port, start_postgres, wait_for_port  # noqa: E402
from devtools.mailbox import SmtpSink  # noqa: E402
from devtools.stack import BACKENDS, Stack, StackOptions  # noqa: E402
from tests.conftest import Business, create_business  # noqa: E402

REFERENCE_PACKAGES = [
    "fastapi==0.163.2", "uvicorn==0.54.0", "uvloop==0.23.0", "httptools==0.9.0", "asyncpg==0.32.0", "jinja2==3.1.6",
]  # fmt: skip
SESSION_COOKIE = "portal_session"
CLK_TCK = os.sysconf("SC_CLK_TCK")

PAGE_LUA = """-- one request per line of the file: "<host> <cookie> <path>", picked at random
local requests = {}
function init(args)
  for line in io.lines(args[1]) do
    local host, cookie, path = line:match("^(%S+)%s+(%S+)%s+(%S+)$")
    if host then requests[#requests + 1] = wrk.format("GET", path, { Host = host, Cookie = cookie }) end
  end
  math.randomseed(os.time())
end
function request() return requests[math.random(#requests)] end
OK = 200
-- wrk counts only 4xx/5xx as errors; a page that redirects (e.g. to sign-in) is an error here too
local threads = {}
bad = 0
function setup(thread) threads[#threads + 1] = thread end
function response(status, headers, body) if status ~= OK then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("Unexpected status: %d\\n", total))
end
"""
POST_LUA = """-- one POST per line of the file: "<host> <basic auth> <path> <json body>", picked at random
local requests = {}
function init(args)
  for line in io.lines(args[1]) do
    local host, auth, path, body = line:match("^(%S+)%s+(%S+)%s+(%S+)%s+(.+)$")
    if host then
      requests[#requests + 1] = wrk.format("POST", path,
        { Host = host, Authorization = "Basic " .. auth, ["Content-Type"] = "application/json" }, body)
    end
  end
  math.randomseed(os.time())
end
function request() return requests[math.random(#requests)] end
OK = 201
-- wrk counts only 4xx/5xx as errors; a page that redirects (e.g. to sign-in) is an error here too
local threads = {}
bad = 0
function setup(thread) threads[#threads + 1] = thread end
function response(status, headers, body) if status ~= OK then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("Unexpected status: %d\\n", total))
end
"""


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def reference_dir() -> Path:
    """The reference page lives in shared/ beside the repository (CI and other clones lay it out so);
    PORTAL_BENCH_REFERENCE names another folder."""
    if override := os.environ.get("PORTAL_BENCH_REFERENCE"):
        return Path(override)
    for base in (ROOT.parent, *ROOT.parents):
        candidate = base / "shared" / "bench" / "reference-page"
        if (candidate / "reference_page.py").is_file():
            return candidate
    raise SystemExit(f"the reference page was not found in ../shared/bench/reference-page beside {ROOT}")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: installing it with apt-get")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=False, env=env)
    if not shutil.which("wrk"):
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, env=env)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True, env=env)
    return shutil.which("wrk") or "wrk"


def reference_python() -> Path:
    venv = ROOT / ".portal" / "bench" / "reference-venv"
    python = venv / "bin" / "python"
    marker = venv / "installed.txt"
    if not marker.is_file() or marker.read_text() != "\n".join(REFERENCE_PACKAGES):
        say("installing the reference page's packages into " + str(venv))
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REFERENCE_PACKAGES], check=True)
        marker.write_text("\n".join(REFERENCE_PACKAGES))
    return python


# ---------------------------------------------------------------- CPU from /proc


def _stat_fields(pid: str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def group_cpu_seconds(pgids: Iterable[int]) -> float:
    """utime+stime (and that of reaped children) of every process in the groups and of their leaders' children:
    PostgreSQL backends call setsid(), so they leave the postmaster's group but stay its children."""
    wanted = set(pgids)
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(entry)
        # after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
        if fields is None or (int(fields[2]) not in wanted and int(fields[1]) not in wanted):
            continue
        ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


@dataclass
class Servers:
    """Process groups whose CPU counts as "server CPU", by component."""

    groups: dict[str, list[int]] = field(default_factory=dict)

    def snapshot(self) -> dict[str, float]:
        return {name: group_cpu_seconds(pgids) for name, pgids in self.groups.items()}


# ---------------------------------------------------------------- wrk


@dataclass
class Result:
    target: str
    rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_ms: dict[str, float]  # per page, by component
    idle_ms: float = 0.0  # per page: what the servers burn with no load, spread over this run's pages

    @property
    def cpu_total_ms(self) -> float:
        return sum(self.cpu_ms.values())


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    found = re.search(r"Unexpected status: (\d+)", output)
    if found is None:
        raise RuntimeError("wrk did not run the Lua script to its end:\n" + output)
    errors += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(n) for n in found.groups())
    return rate, p50, p99, requests, errors


@dataclass
class Target:
    name: str
    url: str
    lua: Path
    data: Path
    servers: Servers


IDLE_SECONDS = 1.0


def run_wrk(wrk: str, target: Target, args: argparse.Namespace) -> Result:
    """One wrk run. Also measures the servers' CPU for IDLE_SECONDS with no load just before: what they burn anyway
    (broker polling, relays), which a slow run spreads over few pages (reported as `idle_ms`)."""
    quiet = target.servers.snapshot()
    time.sleep(IDLE_SECONDS)
    before = target.servers.snapshot()
    idle_rate = sum(before.values()) - sum(quiet.values())
    started = time.monotonic()
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", f"--timeout={args.timeout}s",
               "--latency", "-s",
               str(target.lua), target.url, "--", str(target.data)]  # fmt: skip
    ran = subprocess.run(command, check=True, capture_output=True, text=True)
    output = ran.stdout + ran.stderr
    after = target.servers.snapshot()
    seconds = time.monotonic() - started
    rate, p50, p99, requests, errors = parse_wrk(output)
    cpu = {name: (after[name] - before[name]) * 1000 / max(requests, 1) for name in before}
    idle_ms = idle_rate / IDLE_SECONDS * seconds * 1000 / max(requests, 1)
    return Result(target.name, rate, p50, p99, requests, errors, cpu, idle_ms)


# ---------------------------------------------------------------- seeding through the API


@dataclass
class Seeded:
    business: Business
    host: str
    customers: list[int] = field(default_factory=list)
    invoices: dict[int, list[int]] = field(default_factory=dict)  # customer → its invoices


def check(reply: httpx.Response) -> httpx.Response:
    if reply.is_error:
        raise RuntimeError(f"{reply.request.method} {reply.request.url.path}: {reply.status_code} {reply.text[:300]}")
    return reply


async def post_retrying(client: httpx.AsyncClient, path: str, body: object, **kwargs: object) -> httpx.Response:
    """A POST with an Idempotency-Key, retried while the portal answers 503 (a shared, loaded machine) or a kept-alive
    connection is closed under it (the key makes the retry safe)."""
    headers = {**kwargs.pop("headers", {}), "Idempotency-Key": secrets.token_hex(16)}  # type: ignore[dict-item]
    for attempt in range(8):
        try:
            reply = await client.post(path, json=body, headers=headers, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError:
            if attempt == 7:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))
            continue
        if reply.status_code not in (409, 503):
            return check(reply)
        await asyncio.sleep(0.5 * (attempt + 1))
    return check(reply)


def basic(api_key: str) -> str:
    return base64.b64encode(f"{api_key}:".encode()).decode()


async def gather_limited(jobs: list[Callable[[], object]], limit: int) -> list[object]:
    semaphore = asyncio.Semaphore(limit)

    async def one(job: Callable[[], object]) -> object:
        async with semaphore:
            return await job()  # type: ignore[misc]

    return await asyncio.gather(*(one(job) for job in jobs))


def invoice_body(customer: int, number: int) -> dict[str, object]:
    return {
        "customer": customer,
        "items": [
            {"name": f"Consulting, week {number}", "quantity": 1 + number % 5, "unit_cost": 120 + number % 7 * 15},
            {"name": "Hosting", "quantity": 1, "unit_cost": 49.5},
        ],
    }


async def seed_business(stack: Stack, business: Business, customers: int, invoices: int) -> Seeded:
    host = f"{business.username}.localhost:{stack.http_port}"
    seeded = Seeded(business, host)
    auth = httpx.BasicAuth(business.api_key, "")
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.http_port}", auth=auth, limits=limits,
                                 headers={"Host": f"localhost:{stack.http_port}"}, timeout=60) as api:  # fmt: skip

        async def new_customer(index: int) -> int:
            reply = await post_retrying(api, "/api/customers", {"name": f"Customer {index} Holdings Ltd",
                                                            "email": f"billing{index}@customer.example"})  # fmt: skip
            check(reply)
            return int(reply.json()["id"])

        ids = await gather_limited([lambda i=i: new_customer(i) for i in range(customers)], 16)
        seeded.customers = [int(i) for i in ids]  # type: ignore[call-overload]

        async def new_invoice(customer: int, number: int) -> tuple[int, int]:
            reply = await post_retrying(api, "/api/invoices", invoice_body(customer, number))
            check(reply)
            return customer, int(reply.json()["id"])

        jobs = [lambda c=c, n=n: new_invoice(c, n) for c in seeded.customers for n in range(invoices)]
        for customer, invoice in await gather_limited(jobs, 16):  # type: ignore[misc]
            seeded.invoices.setdefault(customer, []).append(invoice)
    return seeded


async def make_sessions(
    stack: Stack, seeded: list[Seeded], count: int, rnd: random.Random
) -> list[tuple[Seeded, int, str]]:
    """`count` sessions through SSO links (the API makes the link, the customer's browser opens it)."""
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.http_port}", limits=limits, timeout=60) as web:

        async def one(index: int) -> tuple[Seeded, int, str]:
            business = seeded[index % len(seeded)]
            customer = rnd.choice(business.customers)
            link = await post_retrying(web, f"/api/customers/{customer}/sign_in_link", {"ttl": 7 * 86400},
                                  headers={"Host": f"localhost:{stack.http_port}",
                                           "Authorization": "Basic " + basic(business.business.api_key)})  # fmt: skip
            check(link)
            path = "/login/" + link.json()["url"].split("/login/", 1)[1]
            opened = await web.get(path, headers={"Host": business.host})
            token = opened.cookies.get(SESSION_COOKIE)
            if opened.status_code != 303 or not token:
                raise RuntimeError(f"SSO sign-in failed: {opened.status_code} {opened.text[:200]}")
            return business, customer, token

        return await gather_limited([lambda i=i: one(i) for i in range(count)], 16)  # type: ignore[return-value]


# ---------------------------------------------------------------- the reference page


def start_reference(python: Path, dsn: str, workdir: Path) -> tuple[ManagedProcess, Path, str]:
    """Seeds the reference database (its own seed: 20 tenants, 1,000 sessions) and starts the page."""
    source = reference_dir()
    env = {**os.environ, "REFERENCE_DSN": dsn, "PYTHONPATH": str(source)}
    sessions_path = workdir / "reference-sessions.txt"
    subprocess.run([str(python), str(source / "reference_seed.py"), str(sessions_path)], check=True, env=env,
                   cwd=source, stdout=subprocess.DEVNULL)  # fmt: skip
    port = free_port()
    process = ManagedProcess([python, source / "reference_page.py", str(port)], workdir / "logs" / "reference.log",
                             name="reference", env=env, cwd=source).start()  # fmt: skip
    wait_for_port("127.0.0.1", port, 30, process)
    return process, sessions_path, f"http://127.0.0.1:{port}/invoices"


# ---------------------------------------------------------------- report


def median_result(results: list[Result]) -> Result:
    first = results[0]
    return Result(
        first.target,
        statistics.median(r.rate for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.requests for r in results),
        sum(r.errors for r in results),
        {name: statistics.median(r.cpu_ms[name] for r in results) for name in first.cpu_ms},
        statistics.median(r.idle_ms for r in results),
    )


def print_table(rows: list[Result], reference: Result | None) -> None:
    print()
    print(f"{'':<22}{'pages/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'CPU ms/page':>13}"
          f"{'x ref rate':>11}{'x ref p99':>10}{'x ref CPU':>10}{'idle ms':>9}   CPU by component (ms/page)")  # fmt: skip
    for row in rows:
        ratio_rate = f"{row.rate / reference.rate:.2f}" if reference else "-"
        ratio_p99 = f"{row.p99_ms / reference.p99_ms:.2f}" if reference else "-"
        ratio_cpu = f"{row.cpu_total_ms / reference.cpu_total_ms:.2f}" if reference and reference.cpu_total_ms else "-"
        parts = " ".join(f"{k} {v:.2f}" for k, v in row.cpu_ms.items() if v >= 0.005)
        print(f"{row.target:<22}{row.rate:>9.0f}{row.p50_ms:>9.1f}{row.p99_ms:>9.1f}{row.errors:>8}"
              f"{row.cpu_total_ms:>13.2f}{ratio_rate:>11}{ratio_p99:>10}{ratio_cpu:>10}{row.idle_ms:>9.2f}   {parts}")  # fmt: skip
    print(
        "CPU ms/page: utime+stime of the server processes (PostgreSQL backends included) per page; 'idle ms' is the"
        " part of it they burn with no load at all (measured 1 s before each run), spread over the run's pages."
    )
    print()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------- main runs


@dataclass
class Run:
    workdir: Path
    postgres: object
    stack: Stack
    servers: Servers
    wrk: str


def portal_servers(stack: Stack, postgres_pgid: int) -> Servers:
    groups = {name: [process.pgid] for name, process in stack.processes.items() if name != "mailbox"}
    groups["postgres"] = [postgres_pgid]
    return Servers(groups)


def write_page_targets(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def profile(args: argparse.Namespace, stack: Stack, target: Target, wrk: str, label: str) -> None:
    """py-spy flame graphs of the gateway, auth and billing while wrk loads `target`."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists() and not shutil.which(spy):
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy==0.4.3"], check=True)
    out = Path(args.profile)
    out.mkdir(parents=True, exist_ok=True)
    spies = []
    for name in ("gateway", "auth", "billing"):
        suffix = "svg" if args.profile_format == "flamegraph" else "txt"
        graph = out / f"{label}-{re.sub(r'[^a-z0-9]+', '_', target.name).strip('_')}-{name}.{suffix}"
        command = [spy, "record", "--nonblocking", "-r", "200", "-d", str(args.duration), "-o", str(graph),
                   "-f", args.profile_format, "-p", str(stack.processes[name].pid)]  # fmt: skip
        with open(out / "py-spy.log", "ab") as spy_log:
            spies.append(subprocess.Popen(command, stdout=spy_log, stderr=subprocess.STDOUT))
    run_wrk(wrk, target, args)
    for spy_process in spies:
        spy_process.wait(timeout=60)
    say(f"flame graphs written to {out}")


TRACE_ENV: dict[str, str] = {}  # OTEL_* for every service when --tracing is on


def start_everything(workdir: Path, sink: SmtpSink) -> tuple[object, Stack]:
    say("starting a throwaway PostgreSQL cluster")
    postgres = start_postgres(workdir / "postgres")
    urls = {}
    for name in BACKENDS:
        postgres.create_database(f"portal_{name}")
        urls[name] = postgres.url(f"portal_{name}")
    postgres.create_database("reference")
    say("starting the portal on it")
    stack = Stack(StackOptions(workdir=workdir / "stack", database_urls=urls, smtp_port=sink.port,
                               start_stripe=False, env=TRACE_ENV)).start(timeout=120)  # fmt: skip
    return postgres, stack


def pages_run(args: argparse.Namespace, workdir: Path, sink: SmtpSink, wrk: str, ref_python: Path) -> None:
    postgres, stack = start_everything(workdir, sink)
    reference = None
    try:
        rnd = random.Random(7)  # noqa: S311 - which session a request uses, not a secret
        started = time.monotonic()
        say(f"seeding {args.businesses} businesses x {args.customers} customers x {args.invoices} invoices via the API")
        businesses = [create_business(stack, f"Bench Business {i + 1}") for i in range(args.businesses)]
        seeded = [asyncio.run(seed_business(stack, b, args.customers, args.invoices)) for b in businesses]
        total = args.businesses * args.customers * args.invoices
        seconds = time.monotonic() - started
        say(f"seeded in {seconds:.0f}s ({total / seconds:.0f} invoices/s incl. customers)")
        say(f"making {args.sessions} sessions through SSO links")
        sessions = asyncio.run(make_sessions(stack, seeded, args.sessions, rnd))
        servers = portal_servers(stack, postgres.process.pgid)  # type: ignore[attr-defined]
        account = [f"{s.host} {SESSION_COOKIE}={token} /" for s, _, token in sessions]
        invoice = [f"{s.host} {SESSION_COOKIE}={token} /account/invoices/{rnd.choice(s.invoices[c])}"
                   for s, c, token in sessions]  # fmt: skip
        creation = [f"localhost:{stack.http_port} {basic(s.business.api_key)} /api/invoices "
                    + json.dumps(invoice_body(c, n), separators=(",", ":"))
                    for s in seeded for n, c in enumerate(s.customers)]  # fmt: skip
        page_lua = write_page_targets(workdir / "page.lua", [PAGE_LUA])
        post_lua = write_page_targets(workdir / "post.lua", [POST_LUA])
        base = f"http://127.0.0.1:{stack.http_port}"
        targets = [
            Target("account page /", base + "/", page_lua, write_page_targets(workdir / "account.txt", account),
                   servers),
            Target("invoice page", base + "/", page_lua, write_page_targets(workdir / "invoice.txt", invoice),
                   servers),
            Target("invoice creation", base + "/api/invoices", post_lua,
                   write_page_targets(workdir / "create.txt", creation), servers),
        ]  # fmt: skip
        say("seeding and starting the reference page in the same cluster")
        reference, ref_sessions, ref_url = start_reference(ref_python, postgres.dsn("reference"), workdir)  # type: ignore[attr-defined]
        ref_servers = Servers({"reference": [reference.pgid], "postgres": [postgres.process.pgid]})  # type: ignore[attr-defined]
        # The reference's own sessions ("<host> <token>"), requested like its reference_page.lua does.
        ref_lines = [f"{host} sid={token} /invoices" for host, token in
                     (line.split() for line in ref_sessions.read_text().splitlines() if line.strip())]  # fmt: skip
        ref_data = write_page_targets(workdir / "reference.txt", ref_lines)
        ref_target = Target("reference page", ref_url, page_lua, ref_data, ref_servers)
        keys = {"account": targets[0], "invoice": targets[1], "create": targets[2]}
        wanted = [keys[k] for k in args.only] if args.only else targets
        for target in [*wanted, ref_target]:  # warm-up: caches, pools, JIT-less but still
            run_wrk(wrk, Target(target.name, target.url, target.lua, target.data, target.servers),
                    argparse.Namespace(**{**vars(args), "duration": 2}))  # fmt: skip
        if args.profile:
            for target in wanted:
                profile(args, stack, target, wrk, args.profile_label)
        results: dict[str, list[Result]] = {}
        loads = []
        for round_number in range(args.rounds):
            for target in [*wanted, ref_target]:
                result = run_wrk(wrk, target, args)
                results.setdefault(target.name, []).append(result)
                say(f"round {round_number + 1} {target.name}: {result.rate:.0f}/s p99 {result.p99_ms:.1f} ms "
                    f"errors {result.errors} CPU {result.cpu_total_ms:.2f} ms/page")  # fmt: skip
            loads.append(load_average())
        medians = [median_result(v) for v in results.values()]
        print(f"\nmedians of {args.rounds} rounds, wrk -t{args.threads} -c{args.connections} -d{args.duration}s; "
              f"load average after each round: {' | '.join(loads)}; {os.cpu_count()} CPUs")  # fmt: skip
        print_table(medians, median_result(results["reference page"]))
    finally:
        if reference is not None:
            reference.stop()
        stack.stop()
        postgres.stop()  # type: ignore[attr-defined]


# ---------------------------------------------------------------- growth


def growth_sql(tenant: str, customers: list[int], first: int, count: int, skip: set[int]) -> str:
    """`count` invoices with one line item each for the tenant, spread over customers not in `skip`."""
    bulk = [c for c in customers if c not in skip]
    array = "ARRAY[" + ",".join(str(c) for c in bulk) + "]::bigint[]"
    return f"""
    WITH new AS (
      SELECT g, ({array})[1 + (g % {len(bulk)})] AS customer,
             (8000000000000 + g)::bigint AS id,
             timestamp '2024-01-01' + (g % 700) * interval '1 day' AS date
      FROM generate_series({first}, {first + count - 1}) AS g
    ), inv AS (
      INSERT INTO invoices (tenant_id, id, customer_id, number, currency, autopay, draft, closed, paid, voided, sent,
        date, due_date, discounts, taxes, subtotal, total_discounts, total_taxes, total, balance, link_nonce,
        link_hash, link_issued_at, created_at, updated_at)
      SELECT '{tenant}', id, customer, 'BULK-' || g, 'usd', false, false, false, false, false, false,
        date, date + interval '30 days', '[]', '[]', 10000, 0, 0, 10000, 10000, md5(g::text), md5('l' || g),
        now(), date, date
      FROM new RETURNING id
    )
    INSERT INTO line_items (tenant_id, id, invoice_id, position, name, quantity, unit_cost, amount, discountable,
      taxable, discounts, taxes, metadata_json, created_at, updated_at)
    SELECT '{tenant}', id + 1000000000000, id, 0, 'Service', '1', 10000, 10000, true, true, '[]', '[]', '{{}}',
      now(), now()
    FROM inv;
    """  # noqa: S608 - only integers and the tenant id the benchmark made


def explain_account_page(postgres: object, tenant: str, customer: int) -> None:
    """Prints PostgreSQL's plan of the account page's statement as billing runs it: a prepared statement, which
    PostgreSQL may run with a generic plan (the same for every tenant) after a few executions."""
    from sqlalchemy.dialects import postgresql

    from services.billing.repository import ACCOUNT_READS

    sql, _names = ACCOUNT_READS["first_page"].compiled(postgresql.asyncpg.dialect())
    for mode in ("force_custom_plan", "force_generic_plan"):
        say(f"plan of the account page's statement ({mode})")
        psql(postgres, "portal_billing", f"SET plan_cache_mode = {mode}; PREPARE page(varchar, bigint, integer) AS "
             f"{sql}; EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE page('{tenant}', {customer}, 26);", echo=True)  # fmt: skip


def psql(postgres: object, database: str, sql: str, echo: bool = False) -> None:
    bin_dir = postgres.bin_dir  # type: ignore[attr-defined]
    subprocess.run([str(bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                    str(postgres.port), "-U", "postgres", "-d", database, "-c", sql],  # type: ignore[attr-defined]
                   check=True, stdout=None if echo else subprocess.DEVNULL)  # fmt: skip


def growth_run(args: argparse.Namespace, workdir: Path, sink: SmtpSink, wrk: str) -> None:
    postgres, stack = start_everything(workdir, sink)
    try:
        rnd = random.Random(11)  # noqa: S311 - which session a request uses, not a secret
        business = create_business(stack, "Growth Co")
        say("seeding 200 customers (20 of them with 25 invoices each) through the API")
        seeded = asyncio.run(seed_business(stack, business, 200, 0))
        measured = seeded.customers[:20]
        one_customer = Seeded(business, seeded.host, measured, {})
        seeded_small = asyncio.run(_invoices_for(stack, one_customer, 25))
        sessions = asyncio.run(make_sessions(stack, [seeded_small], 100, rnd))
        servers = portal_servers(stack, postgres.process.pgid)  # type: ignore[attr-defined]
        page_lua = write_page_targets(workdir / "page.lua", [PAGE_LUA])
        account = write_page_targets(workdir / "account.txt",
                                     [f"{s.host} {SESSION_COOKIE}={t} /" for s, _, t in sessions])  # fmt: skip
        base = f"http://127.0.0.1:{stack.http_port}"
        auth = basic(business.api_key)
        figures: dict[str, list[Result]] = {}
        have = 20 * 25
        for size in (10_000, args.growth_invoices):
            say(f"growing the business to {size:,} invoices in SQL")
            step = 200_000
            while have < size:
                batch = min(step, size - have)
                psql(postgres, "portal_billing", growth_sql(business.id, seeded.customers, have, batch, set(measured)))
                have += batch
            psql(postgres, "portal_billing", "VACUUM ANALYZE invoices")
            psql(postgres, "portal_billing", "VACUUM ANALYZE line_items")
            # The bulk load's dirty pages are written now, not by a checkpoint in the middle of a measured run: the
            # runs compare steady states.
            psql(postgres, "portal_billing", "CHECKPOINT")
            if args.explain:
                explain_account_page(postgres, business.id, measured[0])
            deep = max(1, size // 200)
            api_lines = [f"localhost:{stack.http_port} x {deep_link(stack, business, deep)}"]
            api_data = write_page_targets(workdir / f"api-{size}.txt", api_lines)
            api_lua = write_page_targets(
                workdir / "api.lua",
                [
                    PAGE_LUA.replace(
                        "{ Host = host, Cookie = cookie }", '{ Host = host, Authorization = "Basic ' + auth + '" }'
                    )
                ],
            )
            targets = [
                Target(f"account page @{size:,}", base + "/", page_lua, account, servers),
                Target(f"api page {deep + 1} @{size:,}", base + "/api/invoices", api_lua, api_data, servers),
            ]
            for target in targets:
                run_wrk(wrk, target, argparse.Namespace(**{**vars(args), "duration": 2}))
            for _ in range(args.rounds):
                for target in targets:
                    result = run_wrk(wrk, target, args)
                    figures.setdefault(target.name, []).append(result)
                    say(f"{target.name}: {result.rate:.0f}/s p99 {result.p99_ms:.1f} ms errors {result.errors}")
        rows = [median_result(v) for v in figures.values()]
        print(f"\ngrowth: medians of {args.rounds} rounds, load average {load_average()}")
        print_table(rows, None)
        small = {r.target.split(" @")[0].split(" page ")[0]: r for r in rows if r.target.endswith("@10,000")}
        for row in rows:
            if row.target.endswith("@10,000"):
                continue
            key = row.target.split(" @")[0].split(" page ")[0]
            base_p99 = small[key].p99_ms or float("nan")
            print(f"{row.target}: p99 {row.p99_ms / base_p99:.2f}x its p99 at 10,000 (goal <= 1.2x)")
    finally:
        stack.stop()
        postgres.stop()  # type: ignore[attr-defined]


def deep_link(stack: Stack, business: Business, page: int) -> str:
    """The `next` link of page `page` (mid-list): what a client following the Link header asks for that deep."""
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}", timeout=120, auth=(business.api_key, ""),
                      headers={"Host": f"localhost:{stack.http_port}"}) as api:  # fmt: skip
        reply = api.get("/api/invoices", params={"page": page})
        check(reply)
        found = re.search(r'<([^>]*)>; rel="next"', reply.headers["Link"])
        if not found:
            raise RuntimeError(f"page {page} has no next link: {reply.headers['Link']}")
        parts = httpx.URL(found.group(1))
        return f"{parts.raw_path.decode()}"


async def _invoices_for(stack: Stack, seeded: Seeded, count: int) -> Seeded:
    auth = httpx.BasicAuth(seeded.business.api_key, "")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.http_port}", auth=auth, timeout=60,
                                 headers={"Host": f"localhost:{stack.http_port}"}) as api:  # fmt: skip

        async def one(customer: int, number: int) -> tuple[int, int]:
            reply = await post_retrying(api, "/api/invoices", invoice_body(customer, number))
            check(reply)
            return customer, int(reply.json()["id"])

        jobs = [lambda c=c, n=n: one(c, n) for c in seeded.customers for n in range(count)]
        for customer, invoice in await gather_limited(jobs, 16):  # type: ignore[misc]
            seeded.invoices.setdefault(customer, []).append(invoice)
    return seeded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--businesses", type=int, default=2)
    parser.add_argument("--customers", type=int, default=200, help="per business")
    parser.add_argument("--invoices", type=int, default=25, help="per customer")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--timeout", type=int, default=2, help="wrk's request timeout; a timeout is an error")
    parser.add_argument("--only", nargs="+", choices=["account", "invoice", "create"], help="only these targets")
    parser.add_argument("--growth", action="store_true", help="1,000,000 invoices in one business vs 10,000")
    parser.add_argument("--explain", action="store_true", help="with --growth: PostgreSQL's plans of the account page")
    parser.add_argument("--growth-invoices", type=int, default=1_000_000)
    parser.add_argument("--profile", metavar="DIR", help="py-spy flame graphs of gateway, auth and billing")
    parser.add_argument("--profile-format", choices=["flamegraph", "raw"], default="flamegraph",
                        help="raw: collapsed stacks (text) instead of SVG flame graphs")  # fmt: skip
    parser.add_argument("--profile-label", default="run")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--tracing", action="store_true", help="OpenTelemetry on, spans sent to an in-memory receiver")
    parser.add_argument("--tracing-ratio", type=float, default=1.0, help="share of requests traced (with --tracing)")
    args = parser.parse_args()
    wrk = ensure_wrk()
    ref_python = reference_python() if not args.growth else Path(sys.executable)
    say(f"load average before: {load_average()}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    traces = OtlpSink(keep=False)
    try:
        with SmtpSink() as sink, traces:
            if args.tracing:
                TRACE_ENV.update(traces.env(schedule_delay_ms=5000))  # the SDK's default batching
                TRACE_ENV.update(
                    OTEL_TRACES_SAMPLER="parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG=str(args.tracing_ratio)
                )
                say(f"tracing on: spans go to {traces.endpoint}, ratio {args.tracing_ratio}")
            if args.growth:
                growth_run(args, workdir, sink, wrk)
            else:
                pages_run(args, workdir, sink, wrk, ref_python)
            if args.tracing:
                say(f"tracing: {traces.received} spans received")
    finally:
        if args.keep:
            say(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
