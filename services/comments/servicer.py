from __future__ import annotations

import grpc
from portal.comments.v1 import comments_pb2 as pb
from portal.comments.v1 import comments_pb2_grpc
from portal_kit.db import Database
from portal_kit.timestamps import unix

from services.comments import comments
from services.comments.models import Comment


def comment_to_pb(comment: Comment) -> pb.Comment:
    return pb.Comment(
        id=comment.id,
        document_type=comment.document_type,
        document_id=comment.document_id,
        author=comment.author,
        body=comment.body,
        created_at=unix(comment.created_at),
    )


class CommentServicer(comments_pb2_grpc.CommentServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def AddComment(
        self, request: pb.AddCommentRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddCommentResponse:
        async with self.db.unit_of_work() as session:
            document = comments.Document(request.document_type, request.document_id)
            new = comments.NewComment(document, author=request.author, body=request.body)
            comment = await comments.add_comment(session, new)
        return pb.AddCommentResponse(comment=comment_to_pb(comment))

    async def ListComments(
        self, request: pb.ListCommentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCommentsResponse:
        async with self.db.unit_of_work() as session:
            rows = await comments.list_comments(session, comments.Document(request.document_type, request.document_id))
        return pb.ListCommentsResponse(comments=[comment_to_pb(c) for c in rows])
