"""Business API for customers' portal access: SSO sign-in links, ending sessions, portal settings, SSO key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from portal.auth.v1 import auth_pb2

from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.models import (
    CustomerSessions,
    EmptyBody,
    PortalSettings,
    PortalSettingsUpdate,
    SignInLink,
    SignInLinkRequest,
    SsoKey,
)
from services.gateway.api.routing import api_router, errors
from services.gateway.deps import ApiAuth, ApiBusiness, Settings

router = api_router()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def settings_json(settings: auth_pb2.PortalSettings) -> dict[str, Any]:
    return {
        "id": "portal_settings",
        "object": "portal_settings",
        "temporary_scope": settings.temporary_scope,
        "require_sign_in": settings.require_sign_in,
        "idle_timeout_minutes": settings.idle_timeout_minutes,
        "absolute_timeout_hours": settings.absolute_timeout_hours,
    }


@router.post("/customers/{customer_id}/sign_in_link", status_code=201, response_model=SignInLink, responses=errors(404))
async def create_sign_in_link(
    customer_id: ObjectId,
    business: ApiBusiness,
    auth: ApiAuth,
    settings: Settings,
    body: SignInLinkRequest | None = None,
) -> JsonResponse:
    """A single sign-on link for one customer (Invoiced-compatible JWT), default 1 hour, at most 7 days."""
    ttl = body.ttl if body is not None and body.ttl is not None else 3600
    reply = await auth.issue_sso_token(customer_id, ttl)
    url = f"{settings.portal_url(business.username)}/login/{reply.token}"
    return JsonResponse(
        {
            "id": customer_id,
            "object": "sign_in_link",
            "customer": customer_id,
            "url": url,
            "expires_at": reply.expires_at,
        },
        status_code=201,
    )


@router.post("/customers/{customer_id}/sign_out", response_model=CustomerSessions, responses=errors(404))
async def end_customer_sessions(customer_id: ObjectId, auth: ApiAuth, body: EmptyBody | None = None) -> JsonResponse:
    ended = await auth.end_customer_sessions(customer_id)
    return JsonResponse({"id": customer_id, "object": "customer_sessions", "ended": ended})


@router.get("/portal_settings", response_model=PortalSettings, responses=errors())
async def get_portal_settings(auth: ApiAuth) -> JsonResponse:
    return JsonResponse(settings_json(await auth.portal_settings()))


@router.patch("/portal_settings", response_model=PortalSettings, responses=errors())
async def update_portal_settings(body: PortalSettingsUpdate, auth: ApiAuth) -> JsonResponse:
    """Only the fields sent change."""
    changes = auth_pb2.PortalSettingsChanges(**body.given())
    return JsonResponse(settings_json(await auth.update_portal_settings(changes)))


@router.post("/sso_key/rotate", response_model=SsoKey, responses=errors())
async def rotate_sso_key(auth: ApiAuth, body: EmptyBody | None = None) -> JsonResponse:
    """A new SSO key, shown once; links signed with the old key stop working at once."""
    return JsonResponse({"id": "sso_key", "object": "sso_key", "sso_key": await auth.rotate_sso_key()})
