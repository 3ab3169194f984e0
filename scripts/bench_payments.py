"""Measures "Pay pressed → invoice shown as paid" (p50/p95), Stripe's webhook included.

    .venv/bin/python scripts/bench_payments.py [--payments 30]

Starts the portal as `./portal run` does (SQLite, the local broker, localstripe, every service as a process) with
an in-process SMTP sink, connects a business to localstripe (webhooks registered), signs a customer in and saves a
card. Then, for each payment: a fresh invoice, the pay form's POST (the button), and the page's own polling of the
payment until Stripe's webhook has settled it and the invoice page shows "paid". localstripe waits one second
before it sends any webhook, so that second is in every figure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

from devtools.mailbox import SmtpSink  # noqa: E402
from devtools.stack import Stack, StackOptions  # noqa: E402
from tests.conftest import client_for, create_business  # noqa: E402
from tests.integration.portal_client import portal, sign_in  # noqa: E402
from tests.integration.stripe_support import add_card, api, connect, pay, pay_form  # noqa: E402

POLL_SECONDS = 0.02


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-payments-") as tmp, SmtpSink() as sink:
        stack = Stack(StackOptions(workdir=Path(tmp), smtp_port=sink.port)).start()
        try:
            business = create_business(stack, "Bench Co")
            connect(stack, business)
            client = client_for(stack, business)
            customer = client.Customer.create(name="Bench Payer", email="payer@example.com", currency="usd")
            timings = []
            with portal(stack, business) as browser, api(stack, business) as http:
                sign_in(browser, sink, "payer@example.com")
                add_card(stack, browser)
                card = str(http.get(f"/customers/{customer.id}/payment_sources").json()[0]["id"])
                for _ in range(args.payments):
                    invoice = client.Invoice.create(customer=customer.id, sent=True,
                                                    items=[{"name": "Plan", "quantity": 1, "unit_cost": 19.99}])  # fmt: skip
                    csrf, key = pay_form(browser, [invoice.id])
                    started = time.perf_counter()
                    reply = pay(browser, csrf, key, "usd", [(invoice.id, "19.99")], card)
                    assert reply.status_code == 200, reply.text
                    payment = reply.json()["payment"]
                    while browser.get(f"/account/payments/{payment}/status").json()["status"] != "succeeded":
                        time.sleep(POLL_SECONDS)
                    page = browser.get(f"/account/invoices/{invoice.id}")
                    assert "status-paid" in page.text, "the invoice page does not show it paid"
                    timings.append(time.perf_counter() - started)
        finally:
            stack.stop()
    print(f"pay pressed -> invoice shown as paid, {len(timings)} payments (webhook included):")
    print(f"  p50 {percentile(timings, 0.5) * 1000:.0f} ms   p95 {percentile(timings, 0.95) * 1000:.0f} ms"
          f"   min {min(timings) * 1000:.0f} ms   max {max(timings) * 1000:.0f} ms")  # fmt: skip
    print("  (localstripe holds every webhook for 1 s before sending it)")


if __name__ == "__main__":
    main()
