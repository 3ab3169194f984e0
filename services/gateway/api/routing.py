"""The API's router: bodies parsed exactly (Decimal, bounded), validated by pydantic models, errors as 400s.

Every API router is made with `api_router()`. A route declares its body as a `RequestModel` parameter and its
answer with `response_model=` (documentation: handlers write JSON with exact decimals themselves), e.g.

    router = api_router()

    @router.post("/things", status_code=201, response_model=Thing, responses=errors(404))
    async def create_thing(body: ThingCreate, billing: ApiBilling) -> JsonResponse: ...
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from portal_kit.errors import InvalidArgument
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from services.gateway.api.jsonio import parse_json
from services.gateway.api.schema import ApiError

DESCRIPTIONS = {
    400: "Invalid request: a field is missing, unknown, of the wrong type or out of range (`param` names it).",
    401: "Missing or invalid API key.",
    404: "No such object in this business.",
    409: "A request with this Idempotency-Key is still in progress.",
    413: "The request body is larger than 1 MB.",
    503: "A backend service is unavailable; retry later.",
}
COMMON = (400, 401, 409, 413, 503)


def errors(*extra: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers of a route: the common ones plus `extra` (e.g. 404)."""
    return {code: {"model": ApiError, "description": DESCRIPTIONS[code]} for code in sorted({*COMMON, *extra})}


class RefusedBody(HTTPException):
    """A body that is not acceptable JSON. An HTTPException, so that FastAPI's body reading lets it through."""

    def __init__(self, message: str, param: str | None) -> None:
        super().__init__(400, message)
        self.param = param


class ExactJsonRequest(Request):
    """`request.json()` through the bounded, Decimal-exact reader instead of `json.loads`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = parse_json(await self.body())
            except InvalidArgument as refused:
                raise RefusedBody(refused.message, refused.param) from None
        return self._json


class ApiRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(ExactJsonRequest(request.scope, request.receive))

        return handle


def api_router() -> APIRouter:
    # strict_content_type=False: a JSON body without a Content-Type header is still read as JSON, as before.
    return APIRouter(route_class=ApiRoute, strict_content_type=False)
