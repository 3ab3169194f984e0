from __future__ import annotations

import grpc
from portal.comments.v1 import comments_pb2 as pb
from portal.comments.v1 import comments_pb2_grpc
from portal_kit.context import current_principal
from portal_kit.db import Database
from portal_kit.errors import PermissionDenied
from portal_kit.outbox import OutboxRelay
from portal_kit.principal import Principal, required_principal
from portal_kit.timestamps import unix

from services.comments import comment_settings, threads
from services.comments.comments import Document, RateLimits
from services.comments.models import Comment, CommentSettings
from services.comments.threads import Presentation, ThreadView


def comment_to_pb(comment: Comment) -> pb.Comment:
    return pb.Comment(
        id=comment.id,
        document_type=comment.document_type,
        document_id=comment.document_id,
        author=comment.author,
        body=comment.body,
        created_at=unix(comment.created_at),
        author_kind=comment.author_kind,
    )


def thread_to_pb(shown: ThreadView) -> pb.Thread:
    thread = shown.thread
    return pb.Thread(
        document_type=shown.document.type,
        document_id=shown.document.id,
        comments=[comment_to_pb(c) for c in shown.comments],
        status=thread.status if thread is not None else "",
        resolved_at=unix(thread.resolved_at) if thread is not None else 0,
        may_comment=shown.refusal is None,
        refusal=shown.refusal or "",
        customer_id=thread.customer_id if thread is not None else 0,
    )


def settings_to_pb(settings: CommentSettings) -> pb.CommentSettings:
    return pb.CommentSettings(
        comments_enabled=settings.comments_enabled,
        guests_may_comment=settings.guests_may_comment,
        notification_email=settings.notification_email or "",
    )


def presentation_of(given: pb.Presentation) -> Presentation:
    return Presentation(" ".join(given.business_name.split())[:200], given.portal_url.strip().rstrip("/")[:500])


def optional_principal() -> Principal | None:
    """The customer of a portal call, or None for the business's own calls (the API sends no principal)."""
    return required_principal() if current_principal() else None


def business_only() -> None:
    """Replies, resolving and settings are the business's (the API): a call made for a portal visitor is refused."""
    if current_principal():
        raise PermissionDenied("Only the business can do this.")


class CommentServicer(comments_pb2_grpc.CommentServiceServicer):
    def __init__(self, db: Database, relay: OutboxRelay | None, limits: RateLimits) -> None:
        self.db = db
        self.relay = relay
        self.limits = limits

    def _published(self) -> None:
        if self.relay is not None:
            self.relay.notify()

    async def AddComment(
        self, request: pb.AddCommentRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddCommentResponse:
        principal = required_principal()
        document = Document(request.document_type, request.document_id)
        new = threads.NewComment(document, request.author, request.body, request.owner_customer_id)
        async with self.db.unit_of_work() as session:
            comment = await threads.add_customer_comment(
                session, principal, new, self.limits, presentation_of(request.presentation)
            )
        self._published()
        return pb.AddCommentResponse(comment=comment_to_pb(comment))

    async def GetThread(self, request: pb.GetThreadRequest, context: grpc.aio.ServicerContext) -> pb.GetThreadResponse:
        document = Document(request.document_type, request.document_id)
        async with self.db.unit_of_work() as session:
            shown = await threads.view(session, document, optional_principal())
        return pb.GetThreadResponse(thread=thread_to_pb(shown))

    async def ListComments(
        self, request: pb.ListCommentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCommentsResponse:
        document = Document(request.document_type, request.document_id)
        async with self.db.unit_of_work() as session:
            shown = await threads.view(session, document, optional_principal())
        return pb.ListCommentsResponse(comments=[comment_to_pb(c) for c in shown.comments])

    async def ReplyToThread(
        self, request: pb.ReplyToThreadRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReplyToThreadResponse:
        business_only()
        document = Document(request.document_type, request.document_id)
        presentation = presentation_of(request.presentation)
        async with self.db.unit_of_work() as session:
            comment, _ = await threads.reply(session, document, request.author, request.body, presentation)
            shown = await threads.view(session, document, None)
        self._published()
        return pb.ReplyToThreadResponse(comment=comment_to_pb(comment), thread=thread_to_pb(shown))

    async def ResolveThread(
        self, request: pb.ResolveThreadRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveThreadResponse:
        business_only()
        document = Document(request.document_type, request.document_id)
        async with self.db.unit_of_work() as session:
            await threads.resolve(session, document, presentation_of(request.presentation))
            shown = await threads.view(session, document, None)
        self._published()
        return pb.ResolveThreadResponse(thread=thread_to_pb(shown))

    async def GetCommentSettings(
        self, request: pb.GetCommentSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCommentSettingsResponse:
        async with self.db.unit_of_work() as session:
            settings = await comment_settings.current(session)
        return pb.GetCommentSettingsResponse(settings=settings_to_pb(settings))

    async def UpdateCommentSettings(
        self, request: pb.UpdateCommentSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateCommentSettingsResponse:
        business_only()
        given = request.changes
        changes = comment_settings.SettingsChanges(
            comments_enabled=given.comments_enabled if given.HasField("comments_enabled") else None,
            guests_may_comment=given.guests_may_comment if given.HasField("guests_may_comment") else None,
            notification_email=given.notification_email if given.HasField("notification_email") else None,
        )
        async with self.db.unit_of_work() as session:
            settings = await comment_settings.update(session, changes)
        return pb.UpdateCommentSettingsResponse(settings=settings_to_pb(settings))
