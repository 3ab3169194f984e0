"""The comments service as the gateway uses it: threads on documents."""

from __future__ import annotations

import grpc
from portal.comments.v1 import comments_pb2 as pb
from portal.comments.v1 import comments_pb2_grpc

from services.gateway.clients.calls import CallScope, unary


class CommentsStubs:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.comments = comments_pb2_grpc.CommentServiceStub(channel)


class CommentsClient:
    def __init__(self, stubs: CommentsStubs, scope: CallScope) -> None:
        self.stubs = stubs
        self.scope = scope

    async def add_comment(self, document_type: str, document_id: int, author: str, body: str) -> pb.Comment:
        request = pb.AddCommentRequest(document_type=document_type, document_id=document_id, author=author, body=body)
        reply: pb.AddCommentResponse = await unary(self.stubs.comments.AddComment, request, self.scope)
        return reply.comment

    async def list_comments(self, document_type: str, document_id: int) -> list[pb.Comment]:
        request = pb.ListCommentsRequest(document_type=document_type, document_id=document_id)
        reply: pb.ListCommentsResponse = await unary(self.stubs.comments.ListComments, request, self.scope)
        return list(reply.comments)
