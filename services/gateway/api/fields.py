"""Strict reading of Invoiced-shaped JSON into protobuf messages: wrong types and unknown fields are 400s."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from google.protobuf.message import Message
from portal_kit.errors import InvalidArgument

# Fields the API shows but never accepts; a client that sends an object back (save()) may include them.
READ_ONLY = {"id", "object", "created_at", "updated_at", "url", "payment_url", "pdf_url", "statement_pdf_url",
             "sign_up_url", "status", "subtotal", "total", "balance", "paid", "number_of_items"}  # fmt: skip

STRING, BOOL, TIMESTAMP, INTEGER = "string", "bool", "timestamp", "integer"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def read_string(value: Any, param: str, max_length: int = 1000) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{param} must be a string, not {_type_name(value)}.", param)
    if len(value) > max_length:
        raise InvalidArgument(f"{param} is longer than {max_length} characters.", param)
    return value


def read_bool(value: Any, param: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{param} must be true or false, not {_type_name(value)}.", param)
    return value


def read_integer(value: Any, param: str, minimum: int = 0, maximum: int = 2**53 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidArgument(f"{param} must be a whole number, not {_type_name(value)}.", param)
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise InvalidArgument(f"{param} must be a whole number.", param)
    number = int(value)
    if not minimum <= number <= maximum:
        raise InvalidArgument(f"{param} must be between {minimum} and {maximum}.", param)
    return number


def read_number(value: Any, param: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidArgument(f"{param} must be a number, not {_type_name(value)}.", param)
    return Decimal(value)


def read_metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidArgument(f"{param} must be an object of strings.", param)
    if len(value) > 10:
        raise InvalidArgument(f"{param} can have at most 10 keys.", param)
    result = {}
    for key, item in value.items():
        if len(key) > 40:
            raise InvalidArgument(f"{param} keys can be at most 40 characters.", f"{param}[{key[:40]}]")
        if not isinstance(item, str | int | Decimal) or isinstance(item, bool):
            raise InvalidArgument(f"{param}[{key}] must be a string.", f"{param}[{key}]")
        text = str(item)
        if len(text) > 255:
            raise InvalidArgument(f"{param}[{key}] can be at most 255 characters.", f"{param}[{key}]")
        result[key] = text
    return result


def check_known(body: dict[str, Any], known: set[str], prefix: str = "") -> None:
    for key in body:
        if key not in known and key not in READ_ONLY:
            raise InvalidArgument(f"Unknown field: {prefix}{key}", f"{prefix}{key}")


def fill_scalars(message: Message, body: dict[str, Any], spec: dict[str, str], cleared: list[str] | None) -> None:
    """Copies the scalar fields of `spec` from body into message. A null clears (updates) or is skipped (creates)."""
    for name, kind in spec.items():
        if name not in body:
            continue
        value = body[name]
        if value is None:
            if cleared is not None:
                cleared.append(name)
            continue
        if kind == STRING:
            setattr(message, name, read_string(value, name))
        elif kind == BOOL:
            setattr(message, name, read_bool(value, name))
        elif kind == TIMESTAMP:
            setattr(message, name, read_integer(value, name))
        elif kind == INTEGER:
            setattr(message, name, read_integer(value, name, minimum=1))


def scalars_out(message: Message, spec: dict[str, str]) -> dict[str, Any]:
    """Optional proto fields → JSON values, null when unset."""
    return {name: (getattr(message, name) if message.HasField(name) else None) for name in spec}
