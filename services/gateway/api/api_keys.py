"""/api/api_keys: a business lists, creates and revokes its own API keys. Auth decides; this maps HTTP to RPCs.

A key's secret appears once, in the answer to its creation. Lists show id, name, last four characters and dates,
never the secret or its hash. Revoking the business's last active key is refused (400): create another one first.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from portal.auth.v1 import auth_pb2
from portal_kit.errors import InvalidArgument

from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.models import ApiKey, ApiKeyCreate, EmptyBody, NewApiKey
from services.gateway.api.routing import api_router, errors
from services.gateway.deps import ApiAuth

router = api_router()
KeyId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
NOT_REPLAYABLE = (
    "Idempotency-Key is not accepted when creating an API key: its secret is shown once and never stored, so the "
    "answer cannot be replayed. Retry without it, and revoke any key whose secret you did not receive."
)


def api_key_json(key: auth_pb2.ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "object": "api_key",
        "name": key.name or None,
        "last4": key.last4 or None,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at if key.HasField("last_used_at") else None,
        "revoked_at": key.revoked_at if key.HasField("revoked_at") else None,
    }


@router.get("/api_keys", response_model=list[ApiKey], responses=errors())
async def list_api_keys(auth: ApiAuth) -> JsonResponse:
    """Every key of the business, oldest first, revoked ones included (with revoked_at)."""
    rows = [api_key_json(key) for key in await auth.list_api_keys()]
    return JsonResponse(rows, headers={"X-Total-Count": str(len(rows))})


@router.post("/api_keys", status_code=201, response_model=NewApiKey, responses=errors())
async def create_api_key(request: Request, auth: ApiAuth, body: ApiKeyCreate | None = None) -> JsonResponse:
    """A new key; `secret` is in this answer only (use it as the HTTP Basic username)."""
    if request.headers.get("idempotency-key") is not None:
        raise InvalidArgument(NOT_REPLAYABLE, "Idempotency-Key")
    name = body.name if body is not None and body.name is not None else ""
    created = await auth.create_api_key(name)
    return JsonResponse({**api_key_json(created.api_key), "secret": created.secret}, status_code=201)


@router.delete("/api_keys/{key_id}", response_model=ApiKey, responses=errors(404))
async def revoke_api_key(key_id: KeyId, auth: ApiAuth, body: EmptyBody | None = None) -> JsonResponse:
    """Revokes a key at once (the next request with it is a 401); the business's last active key is kept."""
    return JsonResponse(api_key_json(await auth.revoke_api_key(key_id)))
