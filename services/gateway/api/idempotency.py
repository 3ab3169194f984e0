"""`Idempotency-Key` on POST and PATCH: the first response is stored by the auth service and replayed."""

from __future__ import annotations

import json

from portal.auth.v1 import auth_pb2
from portal_kit.errors import DomainError
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from services.gateway.api.errors import domain_error_response, error_response
from services.gateway.deps import api_business, backends_of

State = auth_pb2.BeginIdempotentRequestResponse.State
REPLAYED_HEADERS = ("content-type", "link", "x-total-count")


class IdempotencyMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        key = request.headers.get("idempotency-key")
        if key is None or not request.url.path.startswith("/api/"):
            return await call_next(request)
        if request.method not in ("POST", "PATCH"):
            return error_response(400, "Idempotency-Key is only allowed on POST and PATCH requests.", "Idempotency-Key")
        try:
            auth = backends_of(request).auth((await api_business(request)).id)
            begun = await auth.begin_idempotent(key, request.method, request.url.path)
        except DomainError as error:
            return domain_error_response(error)
        if begun.state == State.STATE_COMPLETED:
            headers = json.loads(begun.headers_json or "{}")
            headers["Idempotent-Replayed"] = "true"
            return Response(begun.body, status_code=begun.status_code, headers=headers)
        if begun.state == State.STATE_IN_PROGRESS:
            return error_response(409, "A request with this Idempotency-Key is still in progress.", "Idempotency-Key")
        if begun.state == State.STATE_MISMATCH:
            return error_response(400, "This Idempotency-Key was used for a different request.", "Idempotency-Key")

        response = await call_next(request)
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        headers = {k: v for k, v in response.headers.items() if k in REPLAYED_HEADERS}
        try:
            if response.status_code >= 500:
                await auth.abandon_idempotent(key)
            else:
                await auth.complete_idempotent(key, response.status_code, body, json.dumps(headers))
        except DomainError:
            pass  # the request itself succeeded; a later retry with this key simply runs again
        return Response(body, status_code=response.status_code, headers=dict(response.headers))
