"""Comments on a business's documents (invoices and estimates): what a comment may say, and who may write one.

A comment is plain text: it is stored as typed (trimmed, control characters other than line breaks and tabs
refused) and escaped wherever it is shown; nothing in it is ever rendered as markup or turned into a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, ResourceExhausted
from portal_kit.principal import Principal
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.comments.models import Comment, CommentSettings
from services.comments.repository import CommentRepository

DOCUMENT_TYPES = ("invoice", "estimate")
MAX_AUTHOR = 200
MAX_BODY = 2000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOT_FOUND = "We could not find that document in your account."
COMMENTS_OFF = "This business does not take comments in the portal. Please contact them directly."
GUESTS_MAY_NOT = "Sign in to comment: this business does not take comments from emailed links."


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
class RateLimits:
    """How many comments one customer may post, per minute and per hour (all documents of one business)."""

    per_minute: int
    per_hour: int


def plain_text(value: str, param: str, max_length: int) -> str:
    """Trimmed text with Unix line breaks; refuses empty text, control characters and text over max_length."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidArgument("A comment cannot be empty." if param == "body" else f"{param} cannot be empty.", param)
    if CONTROL.search(text):
        raise InvalidArgument(f"{param} can only contain text, line breaks and tabs.", param)
    if len(text) > max_length:
        raise InvalidArgument(f"{param} can have at most {max_length} characters (this has {len(text)}).", param)
    return text


def refusal_for(settings: CommentSettings, principal: Principal) -> str | None:
    """Why this visitor may not comment under the business's settings, or None when they may."""
    if not settings.comments_enabled:
        return COMMENTS_OFF
    if principal.guest and not settings.guests_may_comment:
        return GUESTS_MAY_NOT
    return None


def check_may_comment(settings: CommentSettings, principal: Principal, document: Document, owner_id: int) -> None:
    """The server-side rules of a customer's comment: the business's settings, then the document's scope."""
    if owner_id <= 0 or not principal.may_see(document.type, document.id, owner_id):
        raise NotFound(NOT_FOUND, "document_id")
    refusal = refusal_for(settings, principal)
    if refusal == COMMENTS_OFF:
        raise FailedPrecondition(refusal)
    if refusal is not None:
        raise PermissionDenied(refusal)


async def check_rate(session: AsyncSession, customer_id: int, limits: RateLimits) -> None:
    comments = CommentRepository(session)
    now = utcnow()
    if await comments.by_customer_since(customer_id, now - timedelta(minutes=1)) >= limits.per_minute:
        raise ResourceExhausted(
            f"You can post at most {limits.per_minute} comments a minute. Please wait a moment and try again."
        )
    if await comments.by_customer_since(customer_id, now - timedelta(hours=1)) >= limits.per_hour:
        raise ResourceExhausted(
            f"You can post at most {limits.per_hour} comments an hour. Please try again later, or contact the "
            "business directly."
        )


async def list_comments(session: AsyncSession, document: Document) -> list[Comment]:
    return await CommentRepository(session).thread(document.type, document.id)
