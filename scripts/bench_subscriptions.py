"""Measures how long the billing scheduler takes to bill 10,000 due subscriptions on PostgreSQL.

    .venv/bin/python scripts/bench_subscriptions.py [--subscriptions 10000] [--lanes 8] [--customers 200]

Starts a throwaway PostgreSQL cluster (as the tests do) and the portal on it, every service as a process (as
`./portal run` does, with the scheduler's own pass pushed a day away so it does not compete). Creates a business,
customers (through the API) and the due subscriptions (written straight into the subscriptions database), then runs
one scheduler pass in this process against the running billing service: each period's invoice is made by billing
(numbered, emailed through the outbox, logged), recorded here and the subscription advanced. Prints the time of the
billing pass, invoices per second, and the time of the payment-state pass that follows.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

from portal_kit.context import bound  # noqa: E402
from portal_kit.db import Database  # noqa: E402
from portal_kit.settings import DEV_SECRET_KEY  # noqa: E402
from portal_kit.timestamps import utcnow  # noqa: E402

from devtools.localservers import start_postgres_auto  # noqa: E402
from devtools.mailbox import SmtpSink  # noqa: E402
from devtools.stack import BACKENDS, Stack, StackOptions  # noqa: E402
from services.subscriptions.plans import NewPlan, create_plan  # noqa: E402
from services.subscriptions.schedule.clock import SystemClock  # noqa: E402
from services.subscriptions.schedule.invoicing import GrpcInvoicing  # noqa: E402
from services.subscriptions.schedule.runner import PassResult, Scheduler  # noqa: E402
from services.subscriptions.subscriptions import operations  # noqa: E402
from services.subscriptions.subscriptions.operations import SubscriptionIn  # noqa: E402
from tests.conftest import client_for, create_business  # noqa: E402

BATCH = 500


class TimedInvoicing(GrpcInvoicing):
    """The real client, adding up the time the pass waits for billing's CreateSubscriptionInvoice."""

    waited = 0.0

    async def create_invoice(self, request):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return await super().create_invoice(request)
        finally:
            self.waited += time.perf_counter() - started


async def make_subscriptions(url: str, tenant: str, customers: list[int], count: int) -> None:
    db = Database(url)
    start = utcnow() - timedelta(hours=1)  # the first period started an hour ago: due now, not yet past due
    try:
        with bound(tenant):
            async with db.unit_of_work() as session:
                await create_plan(session, NewPlan("bench-monthly", "Bench Monthly", "usd", 1_999, "month"))
            for first in range(0, count, BATCH):
                async with db.unit_of_work() as session:
                    for i in range(first, min(first + BATCH, count)):
                        given = SubscriptionIn(customer=customers[i % len(customers)], plan="bench-monthly",
                                               quantity=1 + i % 3, start_date=start)  # fmt: skip
                        await operations.create(session, given, "usd", DEV_SECRET_KEY.encode())
    finally:
        await db.dispose()


async def bill(url: str, billing: str, stack: Stack, lanes: int) -> tuple[float, float, float, PassResult]:
    db = Database(url)
    invoicing = TimedInvoicing(billing, credential=stack.credential("subscriptions"))
    scheduler = Scheduler(db, invoicing, SystemClock(), DEV_SECRET_KEY.encode(), lanes)
    result = PassResult()
    try:
        now = scheduler.clock.now()
        started = time.perf_counter()
        await scheduler.bill_due(now, result)
        billed_in = time.perf_counter() - started
        started = time.perf_counter()
        await scheduler.settle(now, result)
        settled_in = time.perf_counter() - started
    finally:
        await invoicing.close()
        await db.dispose()
    return billed_in, settled_in, invoicing.waited, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--lanes", type=int, default=8)
    parser.add_argument("--instances", type=int, default=1, help="processes per backend (billing's calls alternate)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-subscriptions-") as tmp, SmtpSink() as sink:
        postgres = start_postgres_auto(Path(tmp) / "postgres")
        try:
            urls = {}
            for name in BACKENDS:
                postgres.create_database(f"portal_{name}")
                urls[name] = postgres.url(f"portal_{name}")
            options = StackOptions(workdir=Path(tmp) / "stack", database_urls=urls, smtp_port=sink.port,
                                   start_stripe=False, env={"PORTAL_SCHEDULE_INTERVAL_SECONDS": "86400"},
                                   instances=args.instances)  # fmt: skip
            stack = Stack(options).start()
            try:
                business = create_business(stack, "Bench Co")
                client = client_for(stack, business)
                customers = [
                    client.Customer.create(name=f"Subscriber {i}", email=f"s{i}@example.com", currency="usd").id
                    for i in range(args.customers)
                ]
                # One invoice sent through the API: billing learns the business's portal address for its emails.
                client.Invoice.create(customer=customers[0], items=[{"name": "Setup", "unit_cost": 1}]).send()
                made = time.perf_counter()
                asyncio.run(make_subscriptions(urls["subscriptions"], business.id, customers, args.subscriptions))
                print(f"{args.subscriptions} due subscriptions written in {time.perf_counter() - made:.1f} s")
                billing = ",".join(f"127.0.0.1:{port}" for port in stack.instance_ports["billing"])
                billed_in, settled_in, waited, result = asyncio.run(
                    bill(urls["subscriptions"], billing, stack, args.lanes)
                )
            finally:
                stack.stop()
        finally:
            postgres.stop()
    print(f"scheduler pass on PostgreSQL, {args.lanes} lanes, {args.instances} billing process(es):")
    print(f"  billed {result.billed} periods ({result.failed} failed) in {billed_in:.1f} s: "
          f"{result.billed / billed_in:.1f} invoices/s")  # fmt: skip
    print(f"  time inside billing's CreateSubscriptionInvoice, summed over the lanes: {waited:.1f} s")
    print(f"  payment-state pass over the {result.billed} unpaid invoices: {settled_in:.1f} s")


if __name__ == "__main__":
    main()
