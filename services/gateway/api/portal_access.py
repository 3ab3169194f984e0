"""Business API for customers' portal access: SSO sign-in links, ending sessions, portal settings, SSO key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from portal.auth.v1 import auth_pb2
from portal_kit.errors import InvalidArgument

from services.gateway.api.fields import BOOL, check_known, read_bool, read_integer, read_string
from services.gateway.api.jsonio import JsonResponse, parse_body
from services.gateway.deps import ApiAuth, ApiBusiness, Settings

router = APIRouter()
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
    customer_id: ObjectId, request: Request, business: ApiBusiness, auth: ApiAuth, settings: Settings
) -> JsonResponse:
    """A single sign-on link for one customer (Invoiced-compatible JWT), default 1 hour, at most 7 days."""
    body = parse_body(await request.body())
    check_known(body, {"ttl"})
    ttl = read_integer(body["ttl"], "ttl", minimum=60, maximum=7 * 86400) if body.get("ttl") is not None else 3600
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


@router.post("/customers/{customer_id}/sign_out")
async def end_customer_sessions(customer_id: ObjectId, request: Request, auth: ApiAuth) -> JsonResponse:
    parse_body(await request.body())
    ended = await auth.end_customer_sessions(customer_id)
    return JsonResponse({"id": customer_id, "object": "customer_sessions", "ended": ended})


@router.get("/portal_settings")
async def get_portal_settings(auth: ApiAuth) -> JsonResponse:
    return JsonResponse(settings_json(await auth.portal_settings()))


@router.patch("/portal_settings")
async def update_portal_settings(request: Request, auth: ApiAuth) -> JsonResponse:
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
    return JsonResponse(settings_json(await auth.update_portal_settings(changes)))


@router.post("/sso_key/rotate")
async def rotate_sso_key(request: Request, auth: ApiAuth) -> JsonResponse:
    """A new SSO key, shown once; links signed with the old key stop working at once."""
    parse_body(await request.body())
    return JsonResponse({"id": "sso_key", "object": "sso_key", "sso_key": await auth.rotate_sso_key()})
