"""Errors in Invoiced's JSON shape: {"type", "message", "param"}; validation failures are 400, never 422."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from portal_kit.errors import (
    Aborted,
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)

from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.schema import kind_of

log = logging.getLogger("gateway.api")

_STATUS: dict[type[DomainError], int] = {
    InvalidArgument: 400,
    AlreadyExists: 400,
    FailedPrecondition: 400,
    NotFound: 404,
    Unauthenticated: 401,
    PermissionDenied: 403,
    Unavailable: 503,
    Aborted: 409,
    ResourceExhausted: 429,
}


def error_response(status: int, message: str, param: str | None = None) -> JsonResponse:
    kind = "invalid_request" if status < 500 else "api_error"
    if status == 401:
        kind = "authentication_error"
    elif status == 429:
        kind = "rate_limit_error"
    body: dict[str, object] = {"type": kind, "message": message}
    if param:
        body["param"] = param
    headers = {"WWW-Authenticate": 'Basic realm="Billing Portal API"'} if status == 401 else None
    return JsonResponse(body, status_code=status, headers=headers)


def domain_error_response(error: DomainError) -> JsonResponse:
    return error_response(_STATUS.get(type(error), 500), error.message, error.param)


def param_of(location: Sequence[Any]) -> str | None:
    """("body", "items", 0, "quantity") → "items[0].quantity"."""
    param = ""
    for part in location:
        if isinstance(part, int):
            param += f"[{part}]"
        else:
            param += f".{part}" if param else str(part)
    return param or None


def _sentence(error: Mapping[str, Any], param: str | None) -> str:
    """A message a person understands for one pydantic error."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    what = param or "The request body"
    if kind == "extra_forbidden":
        return f"Unknown field: {param}"
    if kind == "missing":
        return f"{what} is required."
    if isinstance(value, bytes) and param is None:
        return "The request body must be JSON, sent with Content-Type: application/json."
    if kind in ("model_attributes_type", "model_type", "dict_type"):
        return f"{what} must be a JSON object, not {kind_of(value)}."
    if kind == "list_type":
        return f"{what} must be an array, not {kind_of(value)}."
    if kind == "string_type":
        return f"{what} must be a string, not {kind_of(value)}."
    if kind == "bool_type":
        return f"{what} must be true or false, not {kind_of(value)}."
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{what} must be a whole number."
    if kind == "string_too_long":
        return f"{what} is longer than {ctx.get('max_length')} characters."
    if kind == "string_too_short":
        return f"{what} cannot be empty."
    if kind == "too_long":
        return f"{what} can have at most {ctx.get('max_length')} entries."
    if kind in ("greater_than_equal", "greater_than"):
        return f"{what} must be at least {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"{what} must be at most {ctx.get('le', ctx.get('lt'))}."
    if kind == "literal_error":
        return f"{what} must be one of {ctx.get('expected')}."
    return f"{what} {error.get('msg', 'is not valid')}."


def validation_error_response(found: Sequence[Mapping[str, Any]]) -> JsonResponse:
    """The first pydantic error as a 400; an id in the address that is no number is a 404 (no such object)."""
    first = found[0] if found else {}
    location = tuple(first.get("loc", ()))
    where = location[0] if location else None
    inside = location[1:] if where in ("body", "query", "path", "header", "cookie") else location
    param = param_of(inside)
    if where == "path" and param and param.endswith("_id"):
        return error_response(404, "No such object: the id in the address is not valid.")
    return error_response(400, _sentence(first, param), param)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> JsonResponse:
        return domain_error_response(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, error: RequestValidationError) -> JsonResponse:
        return validation_error_response(error.errors())
