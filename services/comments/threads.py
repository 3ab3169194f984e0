"""A document's thread and its changes: a customer's comment flags it, the business replies and resolves.

Every change bumps the thread's `version` and records one `comments.comment_flag.v1` event in the same
transaction (the outbox): billing sets or clears the invoice's needs-attention flag from it and sends the emails.
Nothing is lost while the broker is down; consumers apply a version once, so duplicates and reordering are harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.comments.v1 import events_pb2
from portal_kit.errors import FailedPrecondition, NotFound
from portal_kit.outbox import record_event
from portal_kit.principal import Principal
from portal_kit.timestamps import unix, utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.comments import comment_settings
from services.comments.comments import (
    MAX_AUTHOR,
    MAX_BODY,
    NOT_FOUND,
    Document,
    RateLimits,
    check_may_comment,
    check_rate,
    plain_text,
    refusal_for,
)
from services.comments.models import Comment, CommentSettings, Thread
from services.comments.repository import CommentRepository, ThreadRepository

COMMENT_FLAG_TOPIC = "comments.comment_flag.v1"
EXCERPT = 300
Change = events_pb2.CommentFlag.Change
NO_THREAD = "The customer has not commented on this document yet, so there is no thread to reply to or resolve."


@dataclass(frozen=True)
class Presentation:
    business_name: str
    portal_url: str


@dataclass(frozen=True)
class NewComment:
    document: Document
    author: str
    body: str
    owner_id: int  # the document's customer, as billing answered for this principal


@dataclass(frozen=True)
class ThreadView:
    document: Document
    thread: Thread | None
    comments: list[Comment]
    refusal: str | None  # why the visitor may not comment; None when they may (customers only)


async def _flag_event(
    session: AsyncSession,
    thread: Thread,
    change: int,
    comment: Comment | None,
    settings: CommentSettings,
    presentation: Presentation,
) -> None:
    event = events_pb2.CommentFlag(
        document_type=thread.document_type,
        document_id=thread.document_id,
        customer_id=thread.customer_id,
        version=thread.version,
        change=change,  # type: ignore[arg-type]  # a Change value; protobuf types enum fields as their wrapper
        needs_attention=thread.needs_attention,
        comment_id=comment.id if comment else "",
        author=comment.author if comment else "",
        excerpt=comment.body[:EXCERPT] if comment else "",
        notification_email=settings.notification_email or "",
        business_name=presentation.business_name,
        portal_url=presentation.portal_url,
        at=unix(thread.updated_at),
    )
    await record_event(session, COMMENT_FLAG_TOPIC, f"{thread.document_type}:{thread.document_id}", event)


async def add_customer_comment(
    session: AsyncSession, principal: Principal, new: NewComment, limits: RateLimits, presentation: Presentation
) -> Comment:
    """A customer's comment: checked against the business's settings and the visitor's scope, rate-limited per
    customer, stored, and the thread flagged (open, needs attention) with its event."""
    settings = await comment_settings.current(session)
    check_may_comment(settings, principal, new.document, new.owner_id)
    author = plain_text(new.author, "author", MAX_AUTHOR)
    body = plain_text(new.body, "body", MAX_BODY)
    await check_rate(session, principal.customer_id, limits)
    threads = ThreadRepository(session)
    thread = await threads.of_document(new.document.type, new.document.id, lock=True)
    if thread is None:
        fresh = Thread(tenant_id=threads.tenant_id, document_type=new.document.type, document_id=new.document.id,
                       customer_id=new.owner_id)  # fmt: skip
        thread = await threads.create_once(fresh)
    if thread.customer_id != principal.customer_id:
        raise NotFound(NOT_FOUND, "document_id")
    comment = await CommentRepository(session).add(
        Comment(
            tenant_id=threads.tenant_id,
            document_type=new.document.type,
            document_id=new.document.id,
            author=" ".join(author.split()),
            author_kind="customer",
            customer_id=principal.customer_id,
            body=body,
        )
    )
    thread.status, thread.needs_attention, thread.resolved_at = "open", True, None
    thread.version += 1
    thread.updated_at = comment.created_at
    await threads.save(thread)
    await _flag_event(session, thread, Change.CHANGE_COMMENTED, comment, settings, presentation)
    return comment


async def _existing_thread(session: AsyncSession, document: Document) -> Thread:
    thread = await ThreadRepository(session).of_document(document.type, document.id, lock=True)
    if thread is None:
        raise FailedPrecondition(NO_THREAD, "document_id")
    return thread


async def reply(
    session: AsyncSession, document: Document, author: str, body: str, presentation: Presentation
) -> tuple[Comment, Thread]:
    """The business's reply. The flag stays as it is: only resolving clears it."""
    author = " ".join(plain_text(author, "author", MAX_AUTHOR).split())
    body = plain_text(body, "body", MAX_BODY)
    thread = await _existing_thread(session, document)
    comment = await CommentRepository(session).add(
        Comment(
            tenant_id=thread.tenant_id,
            document_type=document.type,
            document_id=document.id,
            author=author,
            author_kind="business",
            body=body,
        )  # fmt: skip
    )
    thread.version += 1
    thread.updated_at = comment.created_at
    await ThreadRepository(session).save(thread)
    settings = await comment_settings.current(session)
    await _flag_event(session, thread, Change.CHANGE_REPLIED, comment, settings, presentation)
    return comment, thread


async def resolve(session: AsyncSession, document: Document, presentation: Presentation) -> Thread:
    """Marks the thread resolved and clears the flag. Resolving a resolved thread changes nothing."""
    thread = await _existing_thread(session, document)
    if thread.status == "resolved":
        return thread
    now = utcnow()
    thread.status, thread.needs_attention, thread.resolved_at, thread.updated_at = "resolved", False, now, now
    thread.version += 1
    await ThreadRepository(session).save(thread)
    settings = await comment_settings.current(session)
    await _flag_event(session, thread, Change.CHANGE_RESOLVED, None, settings, presentation)
    return thread


async def view(session: AsyncSession, document: Document, principal: Principal | None) -> ThreadView:
    """The thread as its customer (principal) or the business (None) sees it. Another customer's thread, or a
    guest's out-of-scope document, reads as not found."""
    thread = await ThreadRepository(session).of_document(document.type, document.id)
    refusal = None
    if principal is not None:
        owner = thread.customer_id if thread is not None else principal.customer_id
        if not principal.may_see(document.type, document.id, owner):
            raise NotFound(NOT_FOUND, "document_id")
        refusal = refusal_for(await comment_settings.current(session), principal)
    comments = await CommentRepository(session).thread(document.type, document.id) if thread is not None else []
    return ThreadView(document, thread, comments, refusal)
