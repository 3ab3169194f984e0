"""Business API for customers' portal access: SSO sign-in links, ending sessions, portal settings, SSO key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from portal.auth.v1 import auth_pb2
from portal_kit.errors import InvalidArgument

from services.gateway.api.fields import BOOL, check_known, read_bool, read_integer, read_string
from services.gateway.api.jsonio import JsonResponse, parse_body
from services.gateway.api.security import authenticate

router = APIRouter()
Business = auth_pb2.Business
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SETTINGS_FIELDS = {"temporary_scope": "string", "require_sign_in": BOOL, "idle_timeout_minutes": "integer",
                   "absolute_timeout_hours": "integer"}  # fmt: skip


def settings_json(settings: auth_pb2.PortalSettings) -> dict[str, Any]:
    return {
        "id": "portal_settings",
        "object": "portal_settings",
        "temporary_scope": settings.temporary_scope,
        "require_sign_in": settings.require_sign_in,
        "idle_timeout_minutes": settings.idle_timeout_minutes,
        "absolute_timeout_hours": settings.absolute_timeout_hours,
    }


@router.post("/customers/{customer_id}/sign_in_link", status_code=201)
async def create_sign_in_link(
    customer_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> JsonResponse:
    """A single sign-on link for one customer (Invoiced-compatible JWT), default 1 hour, at most 7 days."""
    body = parse_body(await request.body())
    check_known(body, {"ttl"})
    ttl = read_integer(body["ttl"], "ttl", minimum=60, maximum=7 * 86400) if body.get("ttl") is not None else 3600
    backends = request.app.state.backends
    reply = await backends.call(
        backends.sign_in.IssueSsoToken,
        auth_pb2.IssueSsoTokenRequest(customer_id=customer_id, ttl_seconds=ttl),
        business.id,
    )
    url = f"{request.app.state.settings.portal_url(business.username)}/login/{reply.token}"
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


@router.post("/customers/{customer_id}/sign_out")
async def end_customer_sessions(
    customer_id: ObjectId, request: Request, business: Business = Depends(authenticate)
) -> JsonResponse:
    parse_body(await request.body())
    backends = request.app.state.backends
    reply = await backends.call(
        backends.sessions.EndCustomerSessions, auth_pb2.EndCustomerSessionsRequest(customer_id=customer_id), business.id
    )
    return JsonResponse({"id": customer_id, "object": "customer_sessions", "ended": reply.ended})


@router.get("/portal_settings")
async def get_portal_settings(request: Request, business: Business = Depends(authenticate)) -> JsonResponse:
    backends = request.app.state.backends
    reply = await backends.call(
        backends.portal_settings.GetPortalSettings, auth_pb2.GetPortalSettingsRequest(), business.id
    )
    return JsonResponse(settings_json(reply.settings))


@router.patch("/portal_settings")
async def update_portal_settings(request: Request, business: Business = Depends(authenticate)) -> JsonResponse:
    body = parse_body(await request.body())
    check_known(body, set(SETTINGS_FIELDS))
    changes = auth_pb2.PortalSettingsChanges()
    for name, value in body.items():
        if value is None:
            raise InvalidArgument(f"{name} cannot be null.", name)
        if name == "temporary_scope":
            changes.temporary_scope = read_string(value, name, 20)
        elif name == "require_sign_in":
            changes.require_sign_in = read_bool(value, name)
        else:
            setattr(changes, name, read_integer(value, name, minimum=0, maximum=10_000))
    backends = request.app.state.backends
    reply = await backends.call(
        backends.portal_settings.UpdatePortalSettings,
        auth_pb2.UpdatePortalSettingsRequest(changes=changes),
        business.id,
    )
    return JsonResponse(settings_json(reply.settings))


@router.post("/sso_key/rotate")
async def rotate_sso_key(request: Request, business: Business = Depends(authenticate)) -> JsonResponse:
    """A new SSO key, shown once; links signed with the old key stop working at once."""
    parse_body(await request.body())
    backends = request.app.state.backends
    reply = await backends.call(backends.sign_in.RotateSsoKey, auth_pb2.RotateSsoKeyRequest(), business.id)
    return JsonResponse({"id": "sso_key", "object": "sso_key", "sso_key": reply.sso_key})
