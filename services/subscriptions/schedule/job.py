"""The scheduler as the service's background Worker: a pass every `schedule_interval_seconds` on every replica
(SKIP LOCKED and the billed-period key keep them from billing a period twice); SIGTERM lets the pass in hand end."""

from __future__ import annotations

import asyncio

from portal_kit.db import Database
from portal_kit.grpc_server import Worker
from portal_kit.service_auth import ServiceCredential

from services.subscriptions.portal_access.settings import past_due_policy
from services.subscriptions.schedule.clock import SystemClock
from services.subscriptions.schedule.invoicing import GrpcInvoicing
from services.subscriptions.schedule.runner import Scheduler
from services.subscriptions.settings import SubscriptionsSettings


def schedule_worker(
    db: Database, settings: SubscriptionsSettings, credential: ServiceCredential | None = None
) -> Worker:
    """`credential`: how to call billing (None: this process's own, from the environment)."""
    invoicing = GrpcInvoicing(settings.billing_addr, credential)
    scheduler = Scheduler(
        db, invoicing, SystemClock(), settings.secret_key, settings.schedule_lanes, past_due=past_due_policy
    )
    stopping = asyncio.Event()

    async def run() -> None:
        try:
            await scheduler.run_forever(settings.schedule_interval_seconds, stopping)
        finally:
            await invoicing.close()

    return Worker(run, stopping.set)
