"""The comments service as the gateway uses it: threads on documents, keyed by (tenant, document type, id)."""

from __future__ import annotations

from portal.comments.v1 import comments_pb2 as pb
from portal.comments.v1 import comments_pb2_grpc
from portal_kit.balancing import Channel

from services.gateway.clients.calls import CallScope, unary


class CommentsStubs:
    def __init__(self, channel: Channel) -> None:
        self.comments = comments_pb2_grpc.CommentServiceStub(channel)


class CommentsClient:
    def __init__(self, stubs: CommentsStubs, scope: CallScope) -> None:
        self.stubs = stubs
        self.scope = scope

    async def add_comment(
        self,
        document_type: str,
        document_id: int,
        author: str,
        body: str,
        owner_customer_id: int,
        presentation: pb.Presentation,
    ) -> pb.Comment:
        """A customer's comment: the scope must carry the visitor's principal."""
        request = pb.AddCommentRequest(document_type=document_type, document_id=document_id, author=author,
                                       body=body, owner_customer_id=owner_customer_id, presentation=presentation)  # fmt: skip
        reply: pb.AddCommentResponse = await unary(self.stubs.comments.AddComment, request, self.scope)
        return reply.comment

    async def thread(self, document_type: str, document_id: int) -> pb.Thread:
        request = pb.GetThreadRequest(document_type=document_type, document_id=document_id)
        reply: pb.GetThreadResponse = await unary(self.stubs.comments.GetThread, request, self.scope, read=True)
        return reply.thread

    async def list_comments(self, document_type: str, document_id: int) -> list[pb.Comment]:
        request = pb.ListCommentsRequest(document_type=document_type, document_id=document_id)
        reply: pb.ListCommentsResponse = await unary(self.stubs.comments.ListComments, request, self.scope, read=True)
        return list(reply.comments)

    async def reply(
        self, document_type: str, document_id: int, author: str, body: str, presentation: pb.Presentation
    ) -> pb.ReplyToThreadResponse:
        request = pb.ReplyToThreadRequest(document_type=document_type, document_id=document_id, author=author,
                                          body=body, presentation=presentation)  # fmt: skip
        reply: pb.ReplyToThreadResponse = await unary(self.stubs.comments.ReplyToThread, request, self.scope)
        return reply

    async def resolve(self, document_type: str, document_id: int, presentation: pb.Presentation) -> pb.Thread:
        request = pb.ResolveThreadRequest(document_type=document_type, document_id=document_id,
                                          presentation=presentation)  # fmt: skip
        reply: pb.ResolveThreadResponse = await unary(self.stubs.comments.ResolveThread, request, self.scope)
        return reply.thread

    async def settings(self) -> pb.CommentSettings:
        reply: pb.GetCommentSettingsResponse = await unary(
            self.stubs.comments.GetCommentSettings, pb.GetCommentSettingsRequest(), self.scope, read=True
        )
        return reply.settings

    async def update_settings(self, changes: pb.CommentSettingsChanges) -> pb.CommentSettings:
        request = pb.UpdateCommentSettingsRequest(changes=changes)
        reply: pb.UpdateCommentSettingsResponse = await unary(
            self.stubs.comments.UpdateCommentSettings, request, self.scope
        )
        return reply.settings
