"""JSON in and out with exact decimals: numbers are parsed as Decimal and written without floats."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from portal_kit.errors import InvalidArgument
from starlette.responses import Response


def parse_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise InvalidArgument("The request body must be a JSON object.")
    return value


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
        out.append(text)
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, float):
        raise TypeError("floats are not allowed in API output")
    else:
        out.append(json.dumps(value))


def dumps(value: Any) -> str:
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content).encode()
