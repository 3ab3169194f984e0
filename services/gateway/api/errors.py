"""Errors in Invoiced's JSON shape: {"type", "message", "param"}; validation failures are 400, never 422."""

from __future__ import annotations

import logging

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
    Unauthenticated,
    Unavailable,
)

from services.gateway.api.jsonio import JsonResponse

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


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> JsonResponse:
        return domain_error_response(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, error: RequestValidationError) -> JsonResponse:
        first = error.errors()[0] if error.errors() else {}
        location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
        param = ".".join(location) or None
        return error_response(400, f"{param or 'request'}: {first.get('msg', 'invalid value')}", param)
