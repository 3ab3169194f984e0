"""The comments service on PostgreSQL: threads, the comment-flag events in its outbox, settings, limits, text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from portal.comments.v1 import comments_pb2 as pb
from portal.comments.v1 import comments_pb2_grpc, events_pb2
from portal_kit.context import bound
from portal_kit.ids import MAX_PUBLIC_ID
from portal_kit.outbox import OutboxEvent
from portal_kit.principal import Principal
from sqlmodel import col, select

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.comments.server import MIGRATIONS, build
from services.comments.settings import CommentsSettings

INVOICE = 1234567
CUSTOMER = 7000001
JANE = Principal(CUSTOMER).encode()
GUEST = Principal(CUSTOMER, guest=True).encode()
Change = events_pb2.CommentFlag.Change
PRESENTATION = pb.Presentation(business_name="Acme", portal_url="http://acme.localhost:8000")


@pytest.fixture
async def service(service_databases: ServiceDatabases) -> AsyncIterator[RunningService[CommentsSettings]]:
    settings = settings_for_test(
        CommentsSettings,
        await service_databases.fresh("comments", MIGRATIONS),
        comment_limit_per_minute=5,
        comment_limit_per_hour=8,
    )
    async with running_service(settings, MIGRATIONS, build) as running:
        yield running


def add(
    body: str = "Could you add the PO number?",
    document_type: str = "invoice",
    document_id: int = INVOICE,
    owner: int = CUSTOMER,
    author: str = "Jane Customer",
) -> pb.AddCommentRequest:
    return pb.AddCommentRequest(document_type=document_type, document_id=document_id, author=author, body=body,
                                owner_customer_id=owner, presentation=PRESENTATION)  # fmt: skip


def thread(document_id: int = INVOICE, document_type: str = "invoice") -> pb.GetThreadRequest:
    return pb.GetThreadRequest(document_type=document_type, document_id=document_id)


async def flags(service: RunningService[CommentsSettings]) -> list[events_pb2.CommentFlag]:
    async with service.db.unit_of_work() as session:
        rows = (await session.exec(select(OutboxEvent).order_by(col(OutboxEvent.seq)))).all()
    assert {row.topic for row in rows} <= {"comments.comment_flag.v1"}
    return [events_pb2.CommentFlag.FromString(row.payload) for row in rows]


async def refused(call: object, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]  # a grpc call object is awaitable; grpc ships no type hints for it
    assert caught.value.code() == code, caught.value.details()
    return str(caught.value.details())


async def test_threads_are_listed_oldest_first_per_document_and_tenant(
    service: RunningService[CommentsSettings],
) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a", JANE):
        first = await stub.AddComment(add(body="  First\r\nline two  "))
        second = await stub.AddComment(add(body="Second"))
        await stub.AddComment(add(body="On the estimate", document_type="estimate"))
        await stub.AddComment(add(body="Other invoice", document_id=MAX_PUBLIC_ID))
        assert first.comment.body == "First\nline two"
        assert (first.comment.author, first.comment.author_kind) == ("Jane Customer", "customer")
        assert first.comment.created_at > 0 and len(first.comment.id) == 32 and first.comment.id != second.comment.id
        shown = (await stub.GetThread(thread())).thread
        assert [c.body for c in shown.comments] == ["First\nline two", "Second"]
        assert (shown.status, shown.may_comment) == ("open", True)
        other = (await stub.GetThread(thread(MAX_PUBLIC_ID))).thread
        assert [c.body for c in other.comments] == ["Other invoice"]
    with bound("tenant-b", JANE):
        assert list((await stub.GetThread(thread())).thread.comments) == []
    with bound("tenant-b"):  # the business, no principal
        assert (
            list(
                (await stub.ListComments(pb.ListCommentsRequest(document_type="invoice", document_id=INVOICE))).comments
            )
            == []
        )


async def test_comment_reply_resolve_and_a_new_comment_publish_versioned_flags(
    service: RunningService[CommentsSettings],
) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a", JANE):
        await stub.AddComment(add(body="Wrong address on this one"))
    with bound("tenant-a"):
        replied = await stub.ReplyToThread(pb.ReplyToThreadRequest(
            document_type="invoice", document_id=INVOICE, author="Acme billing", body="Fixed, thanks!",
            presentation=PRESENTATION))  # fmt: skip
        assert (replied.comment.author_kind, replied.thread.status) == ("business", "open")
        resolved = await stub.ResolveThread(pb.ResolveThreadRequest(document_type="invoice", document_id=INVOICE,
                                                                    presentation=PRESENTATION))  # fmt: skip
        assert resolved.thread.status == "resolved" and resolved.thread.resolved_at > 0
        again = await stub.ResolveThread(pb.ResolveThreadRequest(document_type="invoice", document_id=INVOICE))
        assert again.thread.status == "resolved"  # resolving twice publishes nothing more
    with bound("tenant-a", JANE):
        shown = (await stub.GetThread(thread())).thread
        assert [(c.author_kind, c.body) for c in shown.comments] == [
            ("customer", "Wrong address on this one"), ("business", "Fixed, thanks!")]  # fmt: skip
        assert shown.status == "resolved"
        await stub.AddComment(add(body="Still wrong, sorry"))
        assert (await stub.GetThread(thread())).thread.status == "open"

    published = await flags(service)
    assert [(f.change, f.version, f.needs_attention) for f in published] == [
        (Change.CHANGE_COMMENTED, 1, True),
        (Change.CHANGE_REPLIED, 2, True),
        (Change.CHANGE_RESOLVED, 3, False),
        (Change.CHANGE_COMMENTED, 4, True),
    ]
    first = published[0]
    assert (first.document_type, first.document_id, first.customer_id) == ("invoice", INVOICE, CUSTOMER)
    assert (first.excerpt, first.author, first.portal_url) == ("Wrong address on this one", "Jane Customer",
                                                               "http://acme.localhost:8000")  # fmt: skip
    assert published[1].excerpt == "Fixed, thanks!"


async def test_every_setting_and_scope_is_enforced_by_the_service(service: RunningService[CommentsSettings]) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a"):
        guests_off = pb.CommentSettingsChanges(guests_may_comment=False, notification_email="ops@acme.test")
        settings = (await stub.UpdateCommentSettings(pb.UpdateCommentSettingsRequest(changes=guests_off))).settings
        assert (settings.comments_enabled, settings.guests_may_comment) == (True, False)
        assert settings.notification_email == "ops@acme.test"
    with bound("tenant-a", GUEST):
        message = await refused(stub.AddComment(add()), grpc.StatusCode.PERMISSION_DENIED)
        assert "Sign in to comment" in message
        shown = (await stub.GetThread(thread())).thread
        assert (shown.may_comment, shown.refusal) == (False, message)
    with bound("tenant-a", JANE):
        await stub.AddComment(add(body="A signed-in customer may"))
        # Another customer's document (billing said whose it is) and another customer's thread read as not found.
        await refused(stub.AddComment(add(owner=CUSTOMER + 1, document_id=55555555)), grpc.StatusCode.NOT_FOUND)
    with bound("tenant-a", Principal(CUSTOMER + 1).encode()):
        await refused(stub.AddComment(add(owner=CUSTOMER + 1)), grpc.StatusCode.NOT_FOUND)
        await refused(stub.GetThread(thread()), grpc.StatusCode.NOT_FOUND)
    with bound("tenant-a"):
        off = pb.CommentSettingsChanges(comments_enabled=False, guests_may_comment=True)
        await stub.UpdateCommentSettings(pb.UpdateCommentSettingsRequest(changes=off))
    with bound("tenant-a", JANE):
        message = await refused(stub.AddComment(add()), grpc.StatusCode.FAILED_PRECONDITION)
        assert "does not take comments" in message
    with bound("tenant-a", Principal(CUSTOMER, "invoice", 999999999, guest=True).encode()):
        # A guest scoped to another document may not comment here, whatever the settings.
        await refused(stub.AddComment(add()), grpc.StatusCode.NOT_FOUND)
    with bound("tenant-b", GUEST):  # settings are per business: tenant-b has the defaults
        await stub.AddComment(add(body="Guests may comment at tenant-b"))
    with bound("tenant-a"):
        bad = pb.CommentSettingsChanges(notification_email="not an address")
        await refused(stub.UpdateCommentSettings(pb.UpdateCommentSettingsRequest(changes=bad)),
                      grpc.StatusCode.INVALID_ARGUMENT)  # fmt: skip
    with bound("tenant-a", JANE):  # a portal visitor's call never changes settings, replies or resolves
        on = pb.UpdateCommentSettingsRequest(changes=pb.CommentSettingsChanges(comments_enabled=True))
        await refused(stub.UpdateCommentSettings(on), grpc.StatusCode.PERMISSION_DENIED)
        resolve = pb.ResolveThreadRequest(document_type="invoice", document_id=INVOICE)
        await refused(stub.ResolveThread(resolve), grpc.StatusCode.PERMISSION_DENIED)
    with bound("tenant-a"):
        assert (await stub.GetCommentSettings(pb.GetCommentSettingsRequest())).settings.comments_enabled is False


async def test_comments_are_plain_text_within_limits(service: RunningService[CommentsSettings]) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a", JANE):
        markup = '<script>alert(1)</script> <a href="https://evil.test">pay here</a>'
        stored = await stub.AddComment(add(body=markup))
        assert stored.comment.body == markup  # kept as typed; escaped where shown
        assert "at most 2000" in await refused(stub.AddComment(add(body="x" * 2001)), grpc.StatusCode.INVALID_ARGUMENT)
        await stub.AddComment(add(body="x" * 2000))
        await refused(stub.AddComment(add(body="   ")), grpc.StatusCode.INVALID_ARGUMENT)
        await refused(stub.AddComment(add(body="bell\x07")), grpc.StatusCode.INVALID_ARGUMENT)
        await refused(stub.AddComment(add(document_type="order")), grpc.StatusCode.INVALID_ARGUMENT)
    with bound("tenant-a"):
        await refused(stub.AddComment(add()), grpc.StatusCode.PERMISSION_DENIED)  # a customer's call needs one


async def test_comments_are_rate_limited_per_customer(service: RunningService[CommentsSettings]) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a", JANE):
        for n in range(5):
            await stub.AddComment(add(body=f"comment {n}", document_id=INVOICE + n))
        message = await refused(stub.AddComment(add(body="sixth")), grpc.StatusCode.RESOURCE_EXHAUSTED)
        assert "at most 5 comments a minute" in message
    with bound("tenant-a", Principal(CUSTOMER + 1).encode()):  # another customer is not held back
        await stub.AddComment(add(body="mine", owner=CUSTOMER + 1, document_id=INVOICE + 100))
    assert len(await flags(service)) == 6  # the refused comment published nothing


async def test_a_reply_needs_a_thread(service: RunningService[CommentsSettings]) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a"):
        request = pb.ReplyToThreadRequest(document_type="invoice", document_id=INVOICE, author="Acme", body="Hi")
        assert "not commented" in await refused(stub.ReplyToThread(request), grpc.StatusCode.FAILED_PRECONDITION)
        resolve = pb.ResolveThreadRequest(document_type="invoice", document_id=INVOICE)
        await refused(stub.ResolveThread(resolve), grpc.StatusCode.FAILED_PRECONDITION)
    assert await flags(service) == []
