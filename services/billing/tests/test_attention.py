"""The needs-attention flag from comment-flag events (applied once, in version order) and the grouped emails."""

from __future__ import annotations

from datetime import timedelta

from google.protobuf import any_pb2
from portal.billing.v1 import account_pb2 as apb
from portal.billing.v1 import common_pb2, events_pb2, invoices_pb2_grpc
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1.account_pb2_grpc import AccountServiceStub
from portal.comments.v1 import events_pb2 as comment_events
from portal_kit.consumer import Event, IdempotentConsumer
from portal_kit.context import bound
from portal_kit.ids import new_uuid
from portal_kit.outbox import OutboxEvent, OutboxRelay
from portal_kit.principal import Principal
from portal_kit.timestamps import utcnow
from sqlmodel import col, select

from devtools.testing import RunningService
from services.billing.attention.flags import COMMENT_FLAG_TOPIC, CommentFlagHandler
from services.billing.attention.models import AttentionChange, AttentionNotice
from services.billing.attention.notices import AttentionDigest
from services.billing.event_log.models import Event as LoggedEvent
from services.billing.settings import BillingSettings
from services.billing.tests.factories import item, new_customer, new_invoice

Change = comment_events.CommentFlag.Change
WINDOW = timedelta(minutes=10)


def flag(invoice: ipb.Invoice, version: int, change: int, needs_attention: bool, **extra: object) -> Event:
    fields: dict[str, object] = {
        "document_type": "invoice", "notification_email": "ops@acme.test", "author": "Jane Customer",
        "excerpt": f"comment {version}", **extra,
    }  # fmt: skip
    message = comment_events.CommentFlag(
        document_id=invoice.id, customer_id=invoice.customer, version=version,
        change=change, needs_attention=needs_attention, comment_id=new_uuid(),  # type: ignore[arg-type]  # change is a Change value
        business_name="Acme", portal_url="http://acme.localhost:8000",
        at=int(utcnow().timestamp()), **fields,  # type: ignore[arg-type]  # field values typed as object
    )  # fmt: skip
    return Event(new_uuid(), "tenant-a", COMMENT_FLAG_TOPIC, f"invoice:{invoice.id}", message.SerializeToString())


def consumer(service: RunningService[BillingSettings]) -> IdempotentConsumer:
    handler = CommentFlagHandler(service.settings.secret_key, WINDOW)
    return IdempotentConsumer(service.db, "127.0.0.1:1", [COMMENT_FLAG_TOPIC], "billing.attention", handler)


async def emails(service: RunningService[BillingSettings]) -> list[events_pb2.EmailRequested]:
    async with service.db.unit_of_work() as session:
        rows = (await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.seq)))).all()
    return [events_pb2.EmailRequested.FromString(r.payload) for r in rows if r.topic == "billing.email_requested.v1"]


async def changes(service: RunningService[BillingSettings]) -> list[tuple[int, str, int]]:
    async with service.db.unit_of_work() as session:
        rows = (await session.exec(select(AttentionChange).order_by(col(AttentionChange.pk)))).all()
    return [(r.invoice_id, r.change, r.version) for r in rows]


async def flagged(invoices: invoices_pb2_grpc.InvoiceServiceStub) -> list[int]:
    with bound("tenant-a"):
        listed = await invoices.ListInvoices(
            ipb.ListInvoicesRequest(page=common_pb2.PageRequest(page=1, per_page=100), filter={"needs_attention": "1"})
        )
    return [i.id for i in listed.invoices]


async def make_invoice(service: RunningService[BillingSettings], invoices: invoices_pb2_grpc.InvoiceServiceStub,
                       customers: object, email: str = "jane@example.com") -> ipb.Invoice:  # fmt: skip
    with bound("tenant-a"):
        customer = await new_customer(customers, name="Jane Customer", email=email)  # type: ignore[arg-type]  # the stub fixture
        return await new_invoice(invoices, customer.id, item("1", 1500))


async def test_a_flag_is_applied_once_and_in_version_order(
    service: RunningService[BillingSettings], invoices: invoices_pb2_grpc.InvoiceServiceStub, customers: object
) -> None:
    invoice = await make_invoice(service, invoices, customers)
    flags = consumer(service)
    commented = flag(invoice, 1, Change.CHANGE_COMMENTED, True)
    assert await flags.handle(commented) is True
    assert await flags.handle(commented) is False  # the same event again (at-least-once delivery)
    # The same change re-sent under another event id changes nothing either: its version was applied.
    await flags.handle(flag(invoice, 1, Change.CHANGE_COMMENTED, True))
    assert await flagged(invoices) == [invoice.id]
    with bound("tenant-a"):
        shown = (await invoices.GetInvoice(ipb.GetInvoiceRequest(id=invoice.id))).invoice
    assert shown.needs_attention is True

    # Reordered: the resolve (v3) arrives before the reply (v2); the reply then changes nothing.
    await flags.handle(flag(invoice, 3, Change.CHANGE_RESOLVED, False))
    await flags.handle(flag(invoice, 2, Change.CHANGE_REPLIED, True))
    assert await flagged(invoices) == []
    await flags.handle(flag(invoice, 4, Change.CHANGE_COMMENTED, True))  # a new comment flags it again
    assert await flagged(invoices) == [invoice.id]
    assert await changes(service) == [
        (invoice.id, "flagged", 1),
        (invoice.id, "resolved", 3),
        (invoice.id, "flagged", 4),
    ]
    # Each change of the flag is in the business's event log (GET /api/events), with the flag before and after.
    async with service.db.unit_of_work() as session:
        logged = (await session.exec(select(LoggedEvent).order_by(col(LoggedEvent.pk)))).all()
    attention = [e for e in logged if e.type.startswith("invoice.") and "attention" in e.type]
    assert [(e.type, e.object_id, e.customer_id) for e in attention] == [
        ("invoice.needs_attention", invoice.id, invoice.customer),
        ("invoice.attention_resolved", invoice.id, invoice.customer),
        ("invoice.needs_attention", invoice.id, invoice.customer),
    ]
    first = ipb.Invoice()
    assert any_pb2.Any.FromString(attention[0].object).Unpack(first) and first.needs_attention is True
    previous = ipb.Invoice()
    assert attention[0].previous is not None
    assert any_pb2.Any.FromString(attention[0].previous).Unpack(previous) and previous.needs_attention is False


async def test_a_flag_naming_another_customers_invoice_is_ignored(
    service: RunningService[BillingSettings], invoices: invoices_pb2_grpc.InvoiceServiceStub, customers: object
) -> None:
    invoice = await make_invoice(service, invoices, customers)
    forged = ipb.Invoice(id=invoice.id, customer=invoice.customer + 1)
    await consumer(service).handle(flag(forged, 1, Change.CHANGE_COMMENTED, True))
    await consumer(service).handle(flag(ipb.Invoice(id=invoice.id + 1, customer=invoice.customer), 1,
                                        Change.CHANGE_COMMENTED, True))  # fmt: skip
    estimate = flag(invoice, 1, Change.CHANGE_COMMENTED, True, document_type="estimate")
    await consumer(service).handle(estimate)
    assert await flagged(invoices) == []
    assert await changes(service) == []


async def test_the_business_gets_one_email_per_window_listing_every_invoice_flagged(
    service: RunningService[BillingSettings], invoices: invoices_pb2_grpc.InvoiceServiceStub, customers: object
) -> None:
    first, second, third = [await make_invoice(service, invoices, customers) for _ in range(3)]
    flags = consumer(service)
    await flags.handle(flag(first, 1, Change.CHANGE_COMMENTED, True))
    for version in range(2, 12):  # a flood on the same invoice: no more emails
        await flags.handle(flag(first, version, Change.CHANGE_COMMENTED, True))
    await flags.handle(flag(second, 1, Change.CHANGE_COMMENTED, True))
    await flags.handle(flag(third, 1, Change.CHANGE_COMMENTED, True))
    sent = await emails(service)
    assert len(sent) == 1, "the first flag after a quiet window is emailed at once, the rest wait"
    assert [i.number for i in sent[0].needs_attention.items] == [first.number]
    assert [r.email for r in sent[0].envelope.to] == ["ops@acme.test"]

    digest = AttentionDigest(
        service.db, OutboxRelay(service.db, "127.0.0.1:1"), WINDOW
    )  # not running: the test reads the outbox
    assert await digest.send_due() == 0  # still inside the window
    with bound("tenant-a"):
        async with service.db.unit_of_work() as session:
            notice = await session.get(AttentionNotice, "tenant-a")
            assert notice is not None and notice.last_sent_at is not None
            notice.last_sent_at = notice.last_sent_at - WINDOW
            session.add(notice)
    assert await digest.send_due() == 1
    sent = await emails(service)
    assert len(sent) == 2
    assert sorted(i.number for i in sent[1].needs_attention.items) == sorted([second.number, third.number])
    assert sent[1].needs_attention.more == 0
    assert await digest.send_due() == 0


async def test_a_reply_and_resolving_email_the_customer(
    service: RunningService[BillingSettings], invoices: invoices_pb2_grpc.InvoiceServiceStub, customers: object
) -> None:
    invoice = await make_invoice(service, invoices, customers, email="jane@example.com")
    flags = consumer(service)
    await flags.handle(flag(invoice, 1, Change.CHANGE_COMMENTED, True, notification_email=""))
    assert await emails(service) == []  # no notification address: the flag only
    await flags.handle(flag(invoice, 2, Change.CHANGE_REPLIED, True, excerpt="Fixed <b>now</b>", author="Acme"))
    await flags.handle(flag(invoice, 3, Change.CHANGE_RESOLVED, False, excerpt="", author=""))
    sent = await emails(service)
    assert [(e.comment_update.resolved, e.comment_update.excerpt) for e in sent] == [
        (False, "Fixed <b>now</b>"), (True, "")]  # fmt: skip
    assert [r.email for r in sent[0].envelope.to] == ["jane@example.com"]
    assert sent[0].comment_update.link.startswith("http://acme.localhost:8000/invoices/")
    assert sent[0].comment_update.number == invoice.number


async def test_the_account_invoice_says_whether_its_comment_thread_exists(
    service: RunningService[BillingSettings], invoices: invoices_pb2_grpc.InvoiceServiceStub, customers: object
) -> None:
    invoice = await make_invoice(service, invoices, customers)
    account = AccountServiceStub(service.channel)
    request = apb.GetAccountInvoiceRequest(id=invoice.id)
    with bound("tenant-a", Principal(invoice.customer).encode()):
        assert (await account.GetAccountInvoice(request)).has_comments is False
    assert await consumer(service).handle(flag(invoice, 1, Change.CHANGE_COMMENTED, True)) is True
    assert await consumer(service).handle(flag(invoice, 2, Change.CHANGE_RESOLVED, False)) is True
    with bound("tenant-a", Principal(invoice.customer).encode()):
        assert (await account.GetAccountInvoice(request)).has_comments is True  # resolved still has its comments
