"""Times hostile requests against a running portal and checks that the API keeps answering meanwhile.

    .venv/bin/python scripts/bench_hostile_input.py                  # uses .portal/run.json (./portal run)
    .venv/bin/python scripts/bench_hostile_input.py --run-json /tmp/run/run.json

For each request it prints the status, the time to answer (target: under 100 ms) and the slowest answer of a
probe that lists customers every 20 ms while the hostile request runs (target: the API keeps answering).
Every request has a client timeout (--timeout, default 60 s), so a gateway that freezes is reported, not waited on.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 100.0


@dataclass
class Case:
    name: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str = "application/json"


def cases(customer_id: int) -> list[Case]:
    invoice = '{"customer": %d, "items": [{"name": "x", "quantity": %s, "unit_cost": %s}]%s}'
    huge = "1e1000000"
    return [
        Case("ttl 1e999999999", "POST", f"/customers/{customer_id}/sign_in_link", b'{"ttl": 1e999999999}'),
        Case("ttl 1e1000000", "POST", f"/customers/{customer_id}/sign_in_link", b'{"ttl": 1e1000000}'),
        Case("ttl -1e1000000", "POST", f"/customers/{customer_id}/sign_in_link", b'{"ttl": -1e1000000}'),
        Case("ttl 1e-1000000", "POST", f"/customers/{customer_id}/sign_in_link", b'{"ttl": 1e-1000000}'),
        Case(
            "ttl 4000-digit integer", "POST", f"/customers/{customer_id}/sign_in_link", b'{"ttl": ' + b"9" * 4000 + b"}"
        ),
        Case(
            "ttl 1M-digit integer",
            "POST",
            f"/customers/{customer_id}/sign_in_link",
            b'{"ttl": ' + b"9" * 1_000_000 + b"}",
        ),
        Case("ttl NaN", "POST", f"/customers/{customer_id}/sign_in_link", b'{"ttl": NaN}'),
        Case("ttl Infinity", "POST", f"/customers/{customer_id}/sign_in_link", b'{"ttl": Infinity}'),
        Case("quantity 1e1000000", "POST", "/invoices", (invoice % (customer_id, huge, "1", "")).encode()),
        Case("unit_cost 1e1000000", "POST", "/invoices", (invoice % (customer_id, "1", huge, "")).encode()),
        Case("date 1e1000000", "POST", "/invoices", (invoice % (customer_id, "1", "1", ', "date": ' + huge)).encode()),
        Case("unit_cost 1e999999999", "POST", "/invoices", (invoice % (customer_id, "1", "1e999999999", "")).encode()),
        Case(
            "quantity 0.{100k zeros}1",
            "POST",
            "/invoices",
            (invoice % (customer_id, "0." + "0" * 100_000 + "1", "1", "")).encode(),
        ),  # fmt: skip
        Case("nested 100k deep", "POST", "/customers", b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        Case("invalid UTF-8", "POST", "/customers", b'{"name": "\xff\xfe"}'),
        Case("lone surrogate escape", "POST", "/customers", b'{"name": "\\ud800"}'),
        Case("20 MB body", "POST", "/customers", b'{"name": "' + b"a" * 20_000_000 + b'"}'),
        Case("page=1e1000000", "GET", "/customers?page=" + "9" * 5000),
        Case("per_page 60k digits", "GET", "/invoices?per_page=" + "9" * 60_000),
        Case("filter 60k chars", "GET", "/invoices?filter[customer]=" + "x" * 60_000),
        Case("id 5000 digits", "GET", "/invoices/" + "9" * 5000),
    ]


def probe(client: httpx.Client, stop: threading.Event, worst: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            client.get("/customers", params={"per_page": 1})
            worst.append((time.perf_counter() - started) * 1000)
        except httpx.HTTPError:
            worst.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)


def wait_until_answering(client: httpx.Client, limit: float) -> float:
    """Seconds until the API answers a list request quickly again (a previous request may still burn CPU)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        status, elapsed = timed(lambda: client.get("/customers", params={"per_page": 1}, timeout=limit))
        if status == "200" and elapsed < TARGET_MS:
            break
        time.sleep(0.5)
    return time.perf_counter() - started


def timed(send: Callable[[], httpx.Response]) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        status = str(send().status_code)
    except httpx.TimeoutException:
        status = "timeout"
    except httpx.HTTPError as error:
        status = type(error).__name__
    return status, (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-json", type=Path, default=ROOT / ".portal" / "run.json")
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, seconds")
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    parser.add_argument("--skip", help="skip the cases whose name contains this text")
    args = parser.parse_args()
    facts = json.loads(args.run_json.read_text())
    api_url = facts["api_url"].replace("localhost", "127.0.0.1")
    auth = (facts["api_key"], "")

    with (
        httpx.Client(base_url=api_url, auth=auth, timeout=args.timeout) as client,
        httpx.Client(base_url=api_url, auth=auth, timeout=args.timeout) as prober,
    ):
        customer = client.post("/customers", json={"name": "Hostile input bench"}).json()
        print(f"{'request':<28} {'status':>7} {'time ms':>9} {'probe worst ms':>15}  verdict")
        failures = 0
        for case in cases(customer["id"]):
            if (args.only and args.only not in case.name) or (args.skip and args.skip in case.name):
                continue
            busy = wait_until_answering(prober, 900)
            if busy > 1:
                print(f"{'':<28} (the API needed {busy:.0f} s to answer quickly again before this request)")
            worst: list[float] = []
            stop = threading.Event()
            watcher = threading.Thread(target=probe, args=(prober, stop, worst), daemon=True)
            watcher.start()
            time.sleep(0.05)
            status, elapsed = timed(
                lambda case=case: client.request(
                    case.method, case.path, content=case.body, headers={"content-type": case.content_type}
                )
            )
            time.sleep(0.05)
            stop.set()
            watcher.join()
            slowest = max(worst) if worst else float("nan")
            ok = status in ("400", "404", "413") and elapsed < TARGET_MS and slowest < TARGET_MS
            failures += not ok
            print(f"{case.name:<28} {status:>7} {elapsed:>9.1f} {slowest:>15.1f}  {'ok' if ok else 'SLOW/WRONG'}")
    print(f"\n{failures} request(s) missed the target (a 4xx within {TARGET_MS:.0f} ms, probe within it too).")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
