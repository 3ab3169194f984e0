from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from portal.comments.v1 import comments_pb2 as pb
from portal.comments.v1 import comments_pb2_grpc
from portal_kit.context import bound
from portal_kit.ids import MAX_PUBLIC_ID
from sqlmodel import select

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.comments.models import Comment
from services.comments.server import MIGRATIONS, build
from services.comments.settings import CommentsSettings


@pytest.fixture
async def service(service_databases: ServiceDatabases) -> AsyncIterator[RunningService]:
    settings = settings_for_test(CommentsSettings, await service_databases.fresh("comments", MIGRATIONS))
    async with running_service(settings, MIGRATIONS, build) as running:
        yield running


def add(
    author: str = "Jane Customer", body: str = "Could you add the PO number?", **document: object
) -> pb.AddCommentRequest:
    return pb.AddCommentRequest(
        document_type=str(document.get("document_type", "invoice")),
        document_id=int(document.get("document_id", 1234567)),  # type: ignore[call-overload]  # test data typed as object
        author=author,
        body=body,
    )


async def test_comments_are_listed_oldest_first_per_document_and_tenant(service: RunningService) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a"):
        first = await stub.AddComment(add(body="  First  "))
        second = await stub.AddComment(add(author="Acme billing", body="Second"))
        await stub.AddComment(add(body="On the estimate", document_type="estimate"))
        await stub.AddComment(add(body="Other invoice", document_id=MAX_PUBLIC_ID))
        assert first.comment.body == "First"
        assert first.comment.document_type == "invoice"
        assert first.comment.document_id == 1234567
        assert first.comment.created_at > 0
        assert len(first.comment.id) == 32 and first.comment.id != second.comment.id

        listed = await stub.ListComments(pb.ListCommentsRequest(document_type="invoice", document_id=1234567))
        assert [c.body for c in listed.comments] == ["First", "Second"]
        assert listed.comments[0] == first.comment
        other = await stub.ListComments(pb.ListCommentsRequest(document_type="invoice", document_id=MAX_PUBLIC_ID))
        assert [c.document_id for c in other.comments] == [MAX_PUBLIC_ID]
    with bound("tenant-b"):
        listed = await stub.ListComments(pb.ListCommentsRequest(document_type="invoice", document_id=1234567))
        assert list(listed.comments) == []


@pytest.mark.parametrize(
    ("request_", "param"),
    [
        (add(document_type="credit_note"), "document_type"),
        (add(document_type="Invoice"), "document_type"),
        (add(document_id=0), "document_id"),
        (add(document_id=-5), "document_id"),
        (add(author="  "), "author"),
        (add(author="a" * 201), "author"),
        (add(body=""), "body"),
        (add(body=" \n\t "), "body"),
        (add(body="b" * 5001), "body"),
    ],
)
async def test_bad_comments_are_refused_and_nothing_is_written(
    service: RunningService, request_: pb.AddCommentRequest, param: str
) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a"), pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.AddComment(request_)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(bad.value.trailing_metadata() or ())["x-portal-param"] == param
    async with service.db.unit_of_work() as session:
        assert (await session.exec(select(Comment))).all() == []


async def test_limits_are_inclusive(service: RunningService) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a"):
        added = await stub.AddComment(add(author="a" * 200, body="b" * 5000 + "   "))
    assert len(added.comment.author) == 200 and len(added.comment.body) == 5000


async def test_listing_checks_the_document(service: RunningService) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    with bound("tenant-a"), pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.ListComments(pb.ListCommentsRequest(document_type="order", document_id=1))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_calls_without_a_tenant_are_refused(service: RunningService) -> None:
    stub = comments_pb2_grpc.CommentServiceStub(service.channel)
    for call in (
        stub.AddComment(add()),
        stub.ListComments(pb.ListCommentsRequest(document_type="invoice", document_id=1)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    async with service.db.unit_of_work() as session:
        assert (await session.exec(select(Comment))).all() == []
