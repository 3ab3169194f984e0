"""The API's OpenAPI document (API routes only, real error codes) and a docs page for people at /api/docs.

The page is rendered on the server from the same document: no script, no CDN (the CSP allows neither), so it
works offline and shows exactly what /api/openapi.json says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from services.gateway.deps import settings_of
from services.gateway.portal import security_headers

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
DESCRIPTION = """The business API of the billing portal, in the shapes of Invoiced's REST API.

Authenticate with HTTP Basic: your API key as the username, an empty password. Amounts are decimal numbers in the
currency's major unit (12.34), exact. Lists are top-level arrays with `Link` and `X-Total-Count` headers. Errors
are `{"type", "message", "param"}`. `Idempotency-Key` on POST and PATCH replays the first answer."""
METHODS = ("get", "post", "patch", "put", "delete")


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document without its phantom 422s (validation errors here are 400s) and with Basic auth."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(title="Billing Portal API", version="1", description=DESCRIPTION, routes=app.routes)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    document["components"]["securitySchemes"] = {
        "apiKey": {"type": "http", "scheme": "basic", "description": "The API key as the username, no password."}
    }
    document["security"] = [{"apiKey": []}]
    app.openapi_schema = document
    return document


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_of(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return " | ".join(repr(value) for value in schema["enum"])
    kind = schema.get("type", "any")
    return " or ".join(kind) if isinstance(kind, list) else str(kind)


def _limits(schema: dict[str, Any]) -> str:
    names = {"minimum": "≥", "maximum": "≤", "maxLength": "max length ", "minLength": "min length ",
             "maxProperties": "max keys "}  # fmt: skip
    found = [f"{label}{schema[key]}" for key, label in names.items() if key in schema]
    for option in schema.get("anyOf", []):
        found.extend(_limits(option).split(", ") if _limits(option) else [])
    return ", ".join(found)


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": _type_of(field),
            "required": name in required,
            "limits": _limits(field),
            "description": field.get("description", ""),
        }
        for name, field in schema.get("properties", {}).items()
    ]


def _schema_name(content: dict[str, Any]) -> str:
    for media in content.values():
        return _type_of(media.get("schema", {}))
    return ""


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, operations in document.get("paths", {}).items():
        for method in METHODS:
            if method not in operations:
                continue
            operation = operations[method]
            body = operation.get("requestBody", {})
            found.append(
                {
                    "anchor": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "in": parameter["in"],
                            "required": parameter.get("required", False),
                            "type": _type_of(parameter.get("schema", {})),
                            "description": parameter.get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "body": _schema_name(body.get("content", {})),
                    "responses": [
                        {
                            "status": status,
                            "description": answer.get("description", ""),
                            "schema": _schema_name(answer.get("content", {})),
                        }
                        for status, answer in operation.get("responses", {}).items()
                    ],  # fmt: skip
                }
            )
    return found


def install(app: FastAPI) -> None:
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]  # FastAPI's documented override

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs(request: Request) -> Response:
        document = openapi_document(app)
        schemas = document.get("components", {}).get("schemas", {})
        context = {
            "document": document,
            "operations": _operations(document),
            "schemas": [
                {"name": name, "fields": _fields(schema), "description": schema.get("description", "")}
                for name, schema in sorted(schemas.items())
            ],  # fmt: skip
        }
        response = templates.TemplateResponse(request, "api_docs.html", context)
        return security_headers.apply(response, settings_of(request).https)
