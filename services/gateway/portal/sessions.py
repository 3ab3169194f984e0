"""The signed-in customer of a request (see deps.visitor_of), its session cookie and the sign-in redirects."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from portal.auth.v1 import auth_pb2
from portal_kit.principal import Principal
from starlette.responses import RedirectResponse, Response

from services.gateway.portal.web_security import SESSION_COOKIE, clear_cookie, set_cookie

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

    @property
    def principal(self) -> Principal:
        """Who the backends see this visitor as: the account in use, narrowed to one document for a guest."""
        if self.document_only:
            return Principal(self.session.customer_id, self.session.document_type, self.session.document_id, guest=True)
        return Principal(self.session.customer_id, guest=self.temporary)


class SignInRequired(Exception):
    """Raised by pages that need a session; the app answers with a redirect to the sign-in form."""

    def __init__(self, return_to: str | None = None) -> None:
        self.return_to = return_to


class FullSignInRequired(Exception):
    """Raised when a temporary session tries something only a full sign-in may do. `return_to`: the page the
    emailed sign-in link comes back to (else the account's home)."""

    def __init__(self, return_to: str | None = None) -> None:
        self.return_to = return_to


def start_session(request: Request, response: Response, token: str, session: auth_pb2.Session) -> None:
    """A fresh cookie for a fresh session id (never reuse one: no fixation). Temporary: browser-session cookie."""
    max_age = None if session.kind == TEMPORARY else FULL_COOKIE_SECONDS
    set_cookie(request, response, SESSION_COOKIE, token, max_age=max_age)
    # The page the visitor lands on next needs no call to auth: this gateway keeps a copy from now on.
    backends = getattr(request.app.state, "backends", None)
    site = getattr(request.state, "site", None)
    if backends is not None and site is not None and site.business is not None:
        backends.caches.keep_session(site.business.id, token, session)


def end_cookie(request: Request, response: Response) -> None:
    clear_cookie(request, response, SESSION_COOKIE)


def to_sign_in(return_to: str | None = None) -> RedirectResponse:
    target = "/" if not return_to or return_to == "/" else f"/?return_to={quote(return_to, safe='/')}"
    return RedirectResponse(target, status_code=303)
