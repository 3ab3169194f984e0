"""Comments when parts are down: the broker (comments still accepted; every flag arrives once it is back, none lost,
none twice) and the comments service itself (invoice pages still render and the invoice still works)."""

from __future__ import annotations

import asyncio
import html
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import invoiced
from portal.comments.v1 import comments_pb2 as pb
from portal.comments.v1 import comments_pb2_grpc
from portal_kit import grpc_client
from portal_kit.context import bound
from portal_kit.principal import Principal
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from devtools.localservers import PostgresLike, wait_for_port
from devtools.localservers.processes import signal_group
from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import csrf_of, portal

INVOICES = 250
COMMENTS_EACH = 4  # 1,000 comments in all; within the per-customer limit of 5 a minute


def _invoices(client: invoiced.Client, business: Business) -> list[tuple[int, int]]:
    def one(n: int) -> tuple[int, int]:
        customer = client.Customer.create(name=f"Outage customer {n}")
        invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Item", "unit_cost": 10 + n}])
        return invoice.id, customer.id

    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(one, range(INVOICES)))


async def _comment_all(stack: Stack, business: Business, invoices: list[tuple[int, int]]) -> int:
    """Posts the comments as the gateway does for each invoice's customer; the number accepted."""
    channel = grpc_client.channel(f"127.0.0.1:{stack.grpc_ports['comments']}", credential=stack.credential("gateway"))
    stub = comments_pb2_grpc.CommentServiceStub(channel)
    gate = asyncio.Semaphore(16)
    presentation = pb.Presentation(business_name="Outage Co", portal_url=stack.portal_url(business.username))

    async def post(invoice_id: int, customer_id: int, n: int) -> None:
        request = pb.AddCommentRequest(document_type="invoice", document_id=invoice_id, author="Customer",
                                       body=f"comment {n}", owner_customer_id=customer_id, presentation=presentation)  # fmt: skip
        async with gate:
            with bound(business.id, Principal(customer_id, guest=True).encode()):
                await stub.AddComment(request, timeout=30)

    try:
        for n in range(COMMENTS_EACH):  # rounds, so each thread's comments are numbered in order
            await asyncio.gather(*(post(i, c, n) for i, c in invoices))
    finally:
        await channel.close()
    return len(invoices) * COMMENTS_EACH


async def _applied(postgres: PostgresLike, tenant: str) -> tuple[dict[int, int], dict[int, int]]:
    """Per invoice: how many times billing raised its flag, and the thread version billing applied last."""
    engine = create_async_engine(postgres.url("portal_billing"))
    try:
        async with engine.connect() as db:
            raised = await db.execute(text("SELECT invoice_id, count(*) FROM attention_changes "
                                           "WHERE tenant_id = :t AND change = 'flagged' GROUP BY invoice_id"), {"t": tenant})  # fmt: skip
            versions = await db.execute(text("SELECT invoice_id, version FROM invoice_attention WHERE tenant_id = :t"),
                                        {"t": tenant})  # fmt: skip
            return {r[0]: r[1] for r in raised.all()}, {r[0]: r[1] for r in versions.all()}
    finally:
        await engine.dispose()


def test_a_broker_outage_during_1000_comments_loses_nothing_and_flags_each_invoice_once(
    client: invoiced.Client, business: Business, stack: Stack, postgres: PostgresLike
) -> None:
    invoices = _invoices(client, business)
    assert stack.kafka is not None
    stack.kafka.pause()
    try:
        started = time.monotonic()
        accepted = asyncio.run(_comment_all(stack, business, invoices))
        took = time.monotonic() - started
    finally:
        stack.kafka.resume()
    assert accepted == 1000
    assert took < 120, f"posting 1,000 comments took {took:.0f}s with the broker down"

    deadline = time.monotonic() + 180
    while True:
        raised, versions = asyncio.run(_applied(postgres, business.id))
        if len(versions) == INVOICES and set(versions.values()) == {COMMENTS_EACH}:
            break
        assert time.monotonic() < deadline, f"{sum(v == COMMENTS_EACH for v in versions.values())} applied in time"
        time.sleep(0.5)
    assert raised == {invoice_id: 1 for invoice_id, _ in invoices}, "an invoice was flagged twice, or never"
    _, listed = client.Invoice.list(filter={"needs_attention": 1}, per_page=1)
    assert listed.total_count == INVOICES


def _guest_page(stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink) -> tuple[
        httpx.Client, invoiced.Invoice]:  # fmt: skip
    customer = client.Customer.create(name="Degraded Buyer", email=f"degraded-{business.username}@example.com")
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Support", "unit_cost": 321}])
    invoice.send()
    [sent] = smtp_sink.wait_for(lambda m: invoice.url in m.text, timeout=30)
    link = re.search(r'<a href="([^"]+)"[^>]*>View Invoice</a>', sent.html or "")
    assert link is not None
    browser = portal(stack, business)
    opened = browser.get(html.unescape(link.group(1)).split(str(stack.http_port), 1)[1])
    assert opened.status_code == 303 and opened.headers["location"] == f"/account/invoices/{invoice.id}"
    return browser, invoice


def _with_a_comment(browser: httpx.Client, path: str, body: str) -> None:
    """Posts a comment and waits until billing knows the thread exists (its comment-flag event came through Kafka),
    so that plain views of the page fetch the thread from then on."""
    posted = browser.post(f"{path}/comments", data={"csrf_token": csrf_of(browser.get(path)), "body": body})
    assert posted.status_code == 303 and posted.headers["location"] == f"{path}?posted=1#comments"
    deadline = time.monotonic() + 30
    while body not in browser.get(path).text:
        assert time.monotonic() < deadline, "billing never learnt of the thread"
        time.sleep(0.2)


def test_an_invoice_without_comments_never_asks_the_comments_service(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    browser, invoice = _guest_page(stack, business, client, smtp_sink)
    path = f"/account/invoices/{invoice.id}"
    assert "No comments yet" in browser.get(path).text  # the gateway now knows the business's comment settings
    comments = stack.processes["comments"]
    signal_group(comments.pgid, signal.SIGSTOP)  # a call would wait out its 0.5 s deadline and show the notice
    try:
        page = browser.get(path)
    finally:
        signal_group(comments.pgid, signal.SIGCONT)
    assert page.status_code == 200 and "No comments yet" in page.text and 'name="body"' in page.text
    assert "Comments are unavailable for a moment" not in page.text


def test_the_page_after_posting_shows_the_comment_before_billing_hears_of_it(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    browser, invoice = _guest_page(stack, business, client, smtp_sink)
    path = f"/account/invoices/{invoice.id}"
    assert stack.kafka is not None
    stack.kafka.pause()  # the comment-flag event cannot reach billing: has_comments stays false
    try:
        posted = browser.post(f"{path}/comments", data={"csrf_token": csrf_of(browser.get(path)), "body": "Is VAT in?"})
        assert posted.status_code == 303
        after = browser.get(posted.headers["location"].split("#")[0])
        assert after.status_code == 200 and "Is VAT in?" in after.text
    finally:
        stack.kafka.resume()
    deadline = time.monotonic() + 30
    while "Is VAT in?" not in browser.get(path).text:  # once billing applied the event, every view fetches it
        assert time.monotonic() < deadline, "the thread was not shown once billing knew of it"
        time.sleep(0.2)


def test_invoice_pages_render_while_the_comments_service_is_stopped(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    browser, invoice = _guest_page(stack, business, client, smtp_sink)
    path = f"/account/invoices/{invoice.id}"
    _with_a_comment(browser, path, "First question")
    comments = stack.processes["comments"]
    comments.stop()
    try:
        started = time.monotonic()
        page = browser.get(path)
        took = time.monotonic() - started
        assert page.status_code == 200
        assert "Comments are unavailable for a moment" in page.text
        assert f"Invoice {invoice.number}" in page.text and "$321.00" in page.text
        assert took < 3.0, f"the page waited {took:.2f}s for the comments service"  # a stopped service refuses at once
        pdf = browser.get(f"{path}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        token = invoice.url.rsplit("/", 1)[1]
        assert browser.get(f"/invoices/{token}/payment").status_code == 303  # the payment link still leads here
        posted = browser.post(f"{path}/comments", data={"csrf_token": csrf_of(page), "body": "Anyone there?"})
        assert posted.status_code == 503
        assert "Comments are unavailable for a moment" in posted.text and "Anyone there?" in posted.text
    finally:
        comments.start()
        wait_for_port("127.0.0.1", stack.grpc_ports["comments"], 60, comments)
    deadline = time.monotonic() + 30
    while "First question" not in browser.get(path).text:
        assert time.monotonic() < deadline, "the thread did not come back with the service"
        time.sleep(0.2)


def test_a_frozen_comments_service_costs_the_page_its_short_deadline_only(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    browser, invoice = _guest_page(stack, business, client, smtp_sink)
    _with_a_comment(browser, f"/account/invoices/{invoice.id}", "First question")
    comments = stack.processes["comments"]

    signal_group(comments.pgid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        page = browser.get(f"/account/invoices/{invoice.id}")
        took = time.monotonic() - started
    finally:
        signal_group(comments.pgid, signal.SIGCONT)
    assert page.status_code == 200 and "Comments are unavailable for a moment" in page.text
    # The thread waits its 0.5 s deadline, not the 5 s every other backend call may take.
    assert 0.4 < took < 4.0, f"the page took {took:.2f}s"
