"""What a gateway route may ask for, typed: the business, the visitor, the checked form, the backend clients.

Routers declare these as parameters; nothing else in a router reads `app.state` or `request.state`.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from portal.auth.v1 import auth_pb2
from portal_kit.errors import PermissionDenied, Unauthenticated
from starlette.exceptions import HTTPException

from services.gateway.api.security import api_key_of
from services.gateway.backends import Backends
from services.gateway.clients.account_subscriptions import AccountSubscriptionsClient
from services.gateway.clients.auth import AuthClient
from services.gateway.clients.billing import BillingClient
from services.gateway.clients.comments import CommentsClient
from services.gateway.clients.subscriptions import SubscriptionsClient
from services.gateway.portal.sessions import FullSignInRequired, SignInRequired, Visitor
from services.gateway.portal.web_security import FormExpired, csrf_valid, session_token
from services.gateway.settings import GatewaySettings
from services.gateway.tenancy import Site


def backends_of(request: Request) -> Backends:
    return cast(Backends, request.app.state.backends)


def settings_of(request: Request) -> GatewaySettings:
    return cast(GatewaySettings, request.app.state.settings)


def site_of(request: Request) -> Site:
    return cast(Site, getattr(request.state, "site", Site(None)))


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` in a thread pool, which
# costs a thread hand-off per dependency per request.


async def current_settings(request: Request) -> GatewaySettings:
    return settings_of(request)


async def current_site(request: Request) -> Site:
    return site_of(request)


Settings = Annotated[GatewaySettings, Depends(current_settings)]
CurrentSite = Annotated[Site, Depends(current_site)]


# The portal: a business's host, its visitor, its forms ---------------------------------------------------------


async def portal_business(site: CurrentSite) -> auth_pb2.Business:
    """The business whose portal this host is; the base site has no portal pages (404)."""
    if site.business is None:
        raise HTTPException(404)
    return site.business


Tenant = Annotated[auth_pb2.Business, Depends(portal_business)]


async def visitor_of(request: Request, business: auth_pb2.Business) -> Visitor | None:
    """The session behind the cookie, checked by auth once per request; a dead session clears the cookie."""
    if hasattr(request.state, "visitor"):
        return cast(Visitor | None, request.state.visitor)
    token = session_token(request)
    found: Visitor | None = None
    if token:
        try:
            found = Visitor(token, await backends_of(request).auth(business.id).get_session(token))
        except (Unauthenticated, PermissionDenied):
            request.state.clear_session = True
    request.state.visitor = found
    return found


def forget_visitor(request: Request) -> None:
    """The session ended during this request: the page renders signed out and the cookie is cleared."""
    request.state.clear_session = True
    request.state.visitor = None


async def viewer(request: Request, business: Tenant) -> Visitor | None:
    return await visitor_of(request, business)


Viewer = Annotated[Visitor | None, Depends(viewer)]


async def signed_in_customer(request: Request, current: Viewer) -> Visitor:
    if current is None:
        raise SignInRequired(request.url.path)
    return current


SignedInCustomer = Annotated[Visitor, Depends(signed_in_customer)]


async def signed_in_visitor(request: Request) -> tuple[auth_pb2.Business, Visitor]:
    """What `Tenant` and `SignedInCustomer` give, with the same refusals, for the busiest pages: FastAPI resolves
    each dependency of a route on every request, and the invoice page's chain of them cost more than its template."""
    business = await portal_business(site_of(request))
    return business, await signed_in_customer(request, await visitor_of(request, business))


async def fully_signed_in(current: SignedInCustomer) -> Visitor:
    """A full sign-in, not a temporary session from an emailed document link."""
    if current.temporary:
        raise FullSignInRequired()
    return current


FullySignedIn = Annotated[Visitor, Depends(fully_signed_in)]


async def csrf_checked(request: Request) -> None:
    """Every state-changing portal form: same origin and a CSRF token bound to this browser, else FormExpired."""
    form = await request.form()
    submitted = form.get("csrf_token")
    if not csrf_valid(request, submitted if isinstance(submitted, str) else None):
        raise FormExpired()


CsrfChecked = Annotated[None, Depends(csrf_checked)]


async def portal_auth(request: Request, business: Tenant) -> AuthClient:
    return backends_of(request).auth(business.id)


async def portal_billing(request: Request, business: Tenant) -> BillingClient:
    """Billing for the portal before the customer is known (no principal): only for what auth vouches for."""
    return backends_of(request).billing(business.id)


async def account_billing(request: Request, business: Tenant, current: SignedInCustomer) -> BillingClient:
    """Billing acting for the signed-in customer (or the guest's document): billing refuses what it may not see."""
    return backends_of(request).billing(business.id, current.principal)


PortalAuth = Annotated[AuthClient, Depends(portal_auth)]
PortalBilling = Annotated[BillingClient, Depends(portal_billing)]
AccountBilling = Annotated[BillingClient, Depends(account_billing)]


# The business API: the key's business and clients for it -------------------------------------------------------


async def api_business(request: Request) -> auth_pb2.Business:
    """The business whose API key signed this request (checked by auth; cached on the request)."""
    cached = getattr(request.state, "business", None)
    if isinstance(cached, auth_pb2.Business):
        return cached
    business = await backends_of(request).auth(None).authenticate_api_key(api_key_of(request))
    request.state.business = business
    return business


ApiBusiness = Annotated[auth_pb2.Business, Depends(api_business)]


async def api_auth(request: Request, business: ApiBusiness) -> AuthClient:
    return backends_of(request).auth(business.id)


async def api_billing(request: Request, business: ApiBusiness) -> BillingClient:
    return backends_of(request).billing(business.id)


async def api_comments(request: Request, business: ApiBusiness) -> CommentsClient:
    return backends_of(request).comments(business.id)


ApiAuth = Annotated[AuthClient, Depends(api_auth)]
ApiBilling = Annotated[BillingClient, Depends(api_billing)]
ApiComments = Annotated[CommentsClient, Depends(api_comments)]


async def api_subscriptions(request: Request, business: ApiBusiness) -> SubscriptionsClient:
    return backends_of(request).subscriptions(business.id)


ApiSubscriptions = Annotated[SubscriptionsClient, Depends(api_subscriptions)]


async def api_account_subscriptions(request: Request, business: ApiBusiness) -> AccountSubscriptionsClient:
    return backends_of(request).account_subscriptions(business.id)


ApiAccountSubscriptions = Annotated[AccountSubscriptionsClient, Depends(api_account_subscriptions)]
