"""Recurring billing through the running portal: a due subscription made with the `invoiced` client is billed by a
scheduler pass (as one more replica of the subscriptions service: the stack's own may bill it too, one invoice
either way); the invoice carries its subscription in the API, the customer's email has View Invoice and Manage
Subscription, and the event log has subscription.renewed."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import invoiced
from portal_kit.db import Database
from portal_kit.settings import DEV_SECRET_KEY

from devtools.localservers import PostgresLike
from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from services.subscriptions.schedule.clock import SystemClock
from services.subscriptions.schedule.invoicing import GrpcInvoicing
from services.subscriptions.schedule.runner import Scheduler
from tests.conftest import Business


async def _one_pass(stack: Stack, postgres: PostgresLike) -> None:
    db = Database(postgres.url("portal_subscriptions"))
    invoicing = GrpcInvoicing(f"127.0.0.1:{stack.grpc_ports['billing']}", credential=stack.credential("subscriptions"))
    try:
        await Scheduler(db, invoicing, SystemClock(), DEV_SECRET_KEY.encode()).run_once()
    finally:
        await invoicing.close()
        await db.dispose()


def test_a_due_subscription_is_invoiced_and_emailed_with_a_manage_subscription_button(
    client: invoiced.Client, business: Business, stack: Stack, postgres: PostgresLike, smtp_sink: SmtpSink
) -> None:
    email = f"renewals-{business.username}@example.com"
    customer = client.Customer.create(name="Renewal Co", email=email)
    # An invoice sent through the API: billing learns the business's name and portal address for its own emails.
    client.Invoice.create(customer=customer.id, items=[{"name": "Setup", "unit_cost": 1}]).send()
    client.Plan.create(id="kwd-monthly", name="Monthly", currency="kwd", amount=12.345, interval="month")
    sub = client.Subscription.create(customer=customer.id, plan="kwd-monthly", quantity=2,
                                     start_date=int(time.time()) - 3600)  # fmt: skip
    asyncio.run(_one_pass(stack, postgres))

    api = httpx.Client(base_url=client.api_url, auth=(business.api_key, ""), timeout=30)
    invoices = api.get("/invoices", params={"filter[customer]": customer.id}).json()
    [renewal] = [i for i in invoices if i["subscription"] == sub.id]
    assert (renewal["currency"], renewal["total"], renewal["date"]) == ("kwd", 24.69, sub.start_date)
    assert [(i["name"], i["quantity"], i["unit_cost"]) for i in renewal["items"]] == [("Monthly", 1 * 2, 12.345)]
    assert all(i["subscription"] is None for i in invoices if i["id"] != renewal["id"])

    [message] = smtp_sink.wait_for(lambda m: email in m.to and renewal["number"] in m.subject, timeout=30)
    assert message.text is not None
    links = dict(re.findall(r"^(View Invoice|Manage Subscription): (\S+)\s*$", message.text, re.MULTILINE))
    assert links["View Invoice"] == renewal["url"]
    assert links["Manage Subscription"] == client.Subscription.retrieve(sub.id).url

    events = api.get("/events", params={"filter[type]": "subscription.renewed"}).json()
    assert [e["data"]["object"]["id"] for e in events] == [sub.id]
    assert client.Subscription.retrieve(sub.id).period_start == sub.start_date
