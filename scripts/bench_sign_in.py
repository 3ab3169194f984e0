"""Measures the time from "Email me a sign-in link" to the email in the SMTP sink (p50/p95).

    .venv/bin/python scripts/bench_sign_in.py [--requests 50]

Starts the whole portal on free ports (SQLite, the local broker, an in-process SMTP sink), creates a business
with one customer per request (the per-address limit is 5 per 15 minutes), and sends each request from its own
address (X-Forwarded-For, trusted from loopback) so the per-IP limit does not interfere. Prints the figures.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

from devtools.mailbox import SmtpSink  # noqa: E402
from devtools.stack import Stack, StackOptions  # noqa: E402
from tests.conftest import client_for, create_business  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sign-in-") as tmp, SmtpSink() as sink:
        # The bench stands in front of the gateway as a proxy would: its X-Forwarded-For gives each request its own
        # address, so the per-IP limit (20 an hour) does not stop the run.
        options = StackOptions(
            workdir=Path(tmp), smtp_port=sink.port, start_stripe=False, trusted_proxies="127.0.0.1/32"
        )
        stack = Stack(options).start()
        try:
            business = create_business(stack, "Bench Co")
            api = client_for(stack, business)
            addresses = [f"bench{i}@example.com" for i in range(args.requests)]
            for address in addresses:
                api.Customer.create(name=address, email=address)
            host = f"{business.username}.localhost:{stack.http_port}"
            timings = []
            with httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}", headers={"Host": host}) as browser:
                token = CSRF.search(browser.get("/").text).group(1)  # type: ignore[union-attr]
                for index, address in enumerate(addresses):
                    started = time.perf_counter()
                    reply = browser.post(
                        "/sign-in",
                        data={"email": address, "csrf_token": token},
                        headers={"X-Forwarded-For": f"127.9.{index // 250}.{index % 250 + 1}"},
                    )
                    assert reply.status_code == 303, reply.text
                    sink.wait_for(lambda m, a=address: a in m.to, timeout=30)
                    timings.append((time.perf_counter() - started) * 1000)
        finally:
            stack.stop()
    print(f"sign-in link to inbox over {len(timings)} requests (ms):")
    print(f"  p50 {percentile(timings, 0.50):7.1f}")
    print(f"  p95 {percentile(timings, 0.95):7.1f}")
    print(f"  min {min(timings):7.1f}  max {max(timings):7.1f}  mean {statistics.mean(timings):7.1f}")


if __name__ == "__main__":
    main()
