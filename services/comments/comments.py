"""Comment threads on a business's documents (invoices and estimates), oldest first."""

from __future__ import annotations

from dataclasses import dataclass

from portal_kit.errors import InvalidArgument
from sqlmodel.ext.asyncio.session import AsyncSession

from services.comments.models import Comment
from services.comments.repository import CommentRepository

DOCUMENT_TYPES = ("invoice", "estimate")
MAX_AUTHOR = 200
MAX_BODY = 5000


@dataclass(frozen=True)
class Document:
    """What a comment thread belongs to."""

    type: str
    id: int

    def __post_init__(self) -> None:
        if self.type not in DOCUMENT_TYPES:
            raise InvalidArgument("document_type must be one of invoice, estimate.", "document_type")
        if self.id <= 0:
            raise InvalidArgument("document_id must be a positive number.", "document_id")


@dataclass(frozen=True)
class NewComment:
    document: Document
    author: str
    body: str


async def add_comment(session: AsyncSession, new: NewComment) -> Comment:
    author = new.author.strip()
    body = new.body.strip()
    if not author:
        raise InvalidArgument("A comment needs an author.", "author")
    if len(author) > MAX_AUTHOR:
        raise InvalidArgument(f"An author name can have at most {MAX_AUTHOR} characters.", "author")
    if not body:
        raise InvalidArgument("A comment cannot be empty.", "body")
    if len(body) > MAX_BODY:
        raise InvalidArgument(f"A comment can have at most {MAX_BODY} characters.", "body")
    comments = CommentRepository(session)
    comment = Comment(
        tenant_id=comments.tenant_id,
        document_type=new.document.type,
        document_id=new.document.id,
        author=author,
        body=body,
    )
    return await comments.add(comment)


async def list_comments(session: AsyncSession, document: Document) -> list[Comment]:
    return await CommentRepository(session).thread(document.type, document.id)
