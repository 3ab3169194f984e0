"""The signed-in customer of a request: the session cookie, checked by the auth service on every request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from portal.auth.v1 import auth_pb2
from portal_kit.errors import PermissionDenied, Unauthenticated
from starlette.responses import RedirectResponse, Response

from services.gateway.portal.web_security import SESSION_COOKIE, clear_cookie, session_token, set_cookie

TEMPORARY = "temporary"
FULL_COOKIE_SECONDS = 72 * 3600  # the longest absolute timeout a business may choose; the server decides validity


@dataclass(frozen=True)
class Visitor:
    token: str
    session: auth_pb2.Session

    @property
    def temporary(self) -> bool:
        return self.session.kind == TEMPORARY

    @property
    def document_only(self) -> bool:
        return self.temporary and self.session.scope == "document"

    def may_see(self, document_type: str, document_id: int) -> bool:
        if not self.document_only:
            return True
        return self.session.document_type == document_type and self.session.document_id == document_id


class SignInRequired(Exception):
    """Raised by pages that need a session; the app answers with a redirect to the sign-in form."""

    def __init__(self, return_to: str | None = None) -> None:
        self.return_to = return_to


class FullSignInRequired(Exception):
    """Raised when a temporary session tries something only a full sign-in may do."""


async def visitor(request: Request) -> Visitor | None:
    if hasattr(request.state, "visitor"):
        return request.state.visitor
    token = session_token(request)
    found: Visitor | None = None
    if token:
        backends = request.app.state.backends
        business = request.state.site.business
        try:
            reply = await backends.call(
                backends.sessions.GetSession, auth_pb2.GetSessionRequest(session_token=token), business.id
            )
            found = Visitor(token, reply.session)
        except (Unauthenticated, PermissionDenied):
            request.state.clear_session = True
    request.state.visitor = found
    return found


async def require_visitor(request: Request) -> Visitor:
    found = await visitor(request)
    if found is None:
        raise SignInRequired(request.url.path)
    return found


async def require_full(request: Request) -> Visitor:
    found = await require_visitor(request)
    if found.temporary:
        raise FullSignInRequired()
    return found


def start_session(request: Request, response: Response, token: str, session: auth_pb2.Session) -> None:
    """A fresh cookie for a fresh session id (never reuse one: no fixation). Temporary: browser-session cookie."""
    max_age = None if session.kind == TEMPORARY else FULL_COOKIE_SECONDS
    set_cookie(request, response, SESSION_COOKIE, token, max_age=max_age)


def end_cookie(request: Request, response: Response) -> None:
    clear_cookie(request, response, SESSION_COOKIE)


def to_sign_in(return_to: str | None = None) -> RedirectResponse:
    target = "/" if not return_to or return_to == "/" else f"/?return_to={quote(return_to, safe='/')}"
    return RedirectResponse(target, status_code=303)
