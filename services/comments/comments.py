"""Comment threads on a business's documents (invoices and estimates), oldest first."""

from __future__ import annotations

from portal_kit.errors import InvalidArgument
from sqlmodel.ext.asyncio.session import AsyncSession

from services.comments.models import Comment
from services.comments.repository import CommentRepository

DOCUMENT_TYPES = ("invoice", "estimate")
MAX_AUTHOR = 200
MAX_BODY = 5000


def _document(document_type: str, document_id: int) -> tuple[str, int]:
    if document_type not in DOCUMENT_TYPES:
        raise InvalidArgument("document_type must be one of invoice, estimate.", "document_type")
    if document_id <= 0:
        raise InvalidArgument("document_id must be a positive number.", "document_id")
    return document_type, document_id


async def add_comment(
    session: AsyncSession, *, document_type: str, document_id: int, author: str, body: str
) -> Comment:
    document_type, document_id = _document(document_type, document_id)
    author = author.strip()
    body = body.strip()
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
        document_type=document_type,
        document_id=document_id,
        author=author,
        body=body,
    )
    return await comments.add(comment)


async def list_comments(session: AsyncSession, *, document_type: str, document_id: int) -> list[Comment]:
    document_type, document_id = _document(document_type, document_id)
    comments = CommentRepository(session)
    query = (
        comments.base()
        .where(Comment.document_type == document_type, Comment.document_id == document_id)
        .order_by(Comment.created_at, Comment.pk)  # type: ignore[arg-type]
    )
    return list((await session.exec(query)).all())
