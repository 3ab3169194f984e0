"""A document's comment thread inside its portal page (invoices today; estimates embed it the same way).

Loading never fails the page: with the comments service slow or down (a short deadline, settings.comments_deadline)
the thread section says comments are unavailable for a moment, and the rest of the page works as usual.
Posting goes through the comments service, which enforces the business's settings and the visitor's scope.
How to embed it in another document page: /work/coordination/comments.md (load() for the page, post() for the
document's own POST route, `comment_thread.html` in its template).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

from portal.auth.v1 import auth_pb2
from portal.comments.v1 import comments_pb2
from portal_kit.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)

from services.gateway.backends import Backends
from services.gateway.portal.sessions import Visitor

log = logging.getLogger("gateway.comments")
MAX_DRAFT = 4000  # what a refused comment keeps in the form (the service allows 2,000 characters)
UNAVAILABLE = "Comments are unavailable for a moment. The rest of this page works as usual; try again shortly."
PATHS = {"invoice": "invoices", "estimate": "estimates"}


@dataclass(frozen=True)
class Owner:
    """What a comment needs to know of its document, as billing answered for this visitor."""

    customer_id: int
    customer_name: str


@dataclass(frozen=True)
class ThreadView:
    """What the template `comment_thread.html` shows."""

    document_type: str
    document_id: int
    available: bool
    comments: list[comments_pb2.Comment] = field(default_factory=list)
    status: str = ""
    resolved_at: int = 0
    may_comment: bool = False
    refusal: str = ""
    error: str = ""
    draft: str = ""

    @property
    def action(self) -> str:
        return f"/account/{PATHS[self.document_type]}/{self.document_id}/comments"


async def load(backends: Backends, tenant: str, visitor: Visitor, document_type: str, document_id: int) -> ThreadView:
    """The thread for the page; never raises (an unavailable thread is a message, not an error page)."""
    try:
        thread = await backends.comments(tenant, visitor.principal, page=True).thread(document_type, document_id)
    except NotFound:
        return ThreadView(document_type, document_id, available=True)
    except Exception as error:  # noqa: BLE001 - any failure of the comments service leaves the page working
        log.warning("comment thread unavailable", extra={"error": type(error).__name__})
        return ThreadView(document_type, document_id, available=False)
    return ThreadView(document_type, document_id, True, list(thread.comments), thread.status, thread.resolved_at,
                      thread.may_comment, thread.refusal)  # fmt: skip


SETTINGS_SECONDS = 30.0  # how long a gateway trusts a business's comment settings (its own API changes end it)
_settings: dict[str, tuple[float, comments_pb2.CommentSettings]] = {}


def forget_settings(tenant: str) -> None:
    """The business changed its comment settings through this gateway: the next page asks again."""
    _settings.pop(tenant, None)


async def _may_comment(backends: Backends, tenant: str, visitor: Visitor) -> bool | None:
    """Whether the business's settings let this visitor comment; None when the comments service did not answer."""
    now = time.monotonic()
    cached = _settings.get(tenant)
    if cached is None or cached[0] <= now:
        try:
            settings = await backends.comments(tenant, page=True).settings()
        except Exception as error:  # noqa: BLE001 - as for load(): the page shows the thread as unavailable
            log.warning("comment settings unavailable", extra={"error": type(error).__name__})
            return None
        cached = _settings[tenant] = (now + SETTINGS_SECONDS, settings)
    settings = cached[1]
    return settings.comments_enabled and (settings.guests_may_comment or not visitor.principal.guest)


async def load_unless_empty(
    backends: Backends, tenant: str, visitor: Visitor, document_type: str, document_id: int, has_comments: bool
) -> ThreadView:
    """The thread for the page, without a comments call for a document without comments (`has_comments` false)
    that the visitor may comment on: an empty thread and the form. Otherwise, and when the visitor may not
    comment (the service words the reason), as load(). The business's settings come from a short per-gateway cache.
    """
    if has_comments:
        return await load(backends, tenant, visitor, document_type, document_id)
    may_comment = await _may_comment(backends, tenant, visitor)
    if may_comment is None:
        return ThreadView(document_type, document_id, available=False)
    if not may_comment:
        return await load(backends, tenant, visitor, document_type, document_id)
    return ThreadView(document_type, document_id, available=True, may_comment=True)


def presentation(business_name: str, portal_url: str) -> comments_pb2.Presentation:
    return comments_pb2.Presentation(business_name=business_name, portal_url=portal_url)


@dataclass(frozen=True)
class Refused:
    """A comment the comments service refused: the page shows the message above the form, with the text kept."""

    message: str
    status: int


_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidArgument, 400), (FailedPrecondition, 403), (PermissionDenied, 403), (ResourceExhausted, 429),
    (NotFound, 404),
)  # fmt: skip


async def post(
    backends: Backends,
    business: auth_pb2.Business,
    portal_url: str,
    visitor: Visitor,
    document_type: str,
    document_id: int,
    owner: Owner,
    body: str,
) -> Refused | None:
    """Posts the visitor's comment; None when it was taken. The comments service enforces every rule."""
    comments = backends.comments(business.id, visitor.principal)
    try:
        await comments.add_comment(document_type, document_id, owner.customer_name, body, owner.customer_id,
                                   presentation(business.display_name, portal_url))  # fmt: skip
    except DomainError as error:
        for kind, status in _STATUS:
            if isinstance(error, kind):
                return Refused(error.message, status)
        log.warning("comment not posted: comments unavailable", extra={"error": type(error).__name__})
        return Refused(UNAVAILABLE, 503)
    except Exception as error:  # noqa: BLE001 - the comments service failed in another way: the same for the visitor
        log.warning("comment not posted: comments unavailable", extra={"error": type(error).__name__})
        return Refused(UNAVAILABLE, 503)
    return None


def with_refusal(thread: ThreadView, refused: Refused, draft: str) -> ThreadView:
    return replace(thread, error=refused.message, draft=draft[:MAX_DRAFT])
