"""JSON in and out with exact decimals: numbers are parsed as Decimal and written without floats.

Reading is bounded before any conversion: a number token longer than MAX_NUMBER_CHARS or with an exponent beyond
MAX_EXPONENT, NaN/Infinity, nesting deeper than MAX_DEPTH and strings that are not valid Unicode are refused with
an InvalidArgument naming the field, so no request can make the gateway build a number with a million digits.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from portal_kit.errors import InvalidArgument
from starlette.responses import Response

MAX_NUMBER_CHARS = 40  # sign, digits, point and exponent: room for 20-digit amounts, far from absurd ones
MAX_EXPONENT = 40
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class RefusedNumber:
    """Stands in for a number token refused while parsing, until the walk knows which field held it."""

    def __init__(self, token: str, finite: bool = True) -> None:
        self.token = token[:20]
        self.finite = finite


def _integer(token: str) -> int | RefusedNumber:
    return RefusedNumber(token) if len(token) > MAX_NUMBER_CHARS else int(token)


def _decimal(token: str) -> Decimal | RefusedNumber:
    if len(token) > MAX_NUMBER_CHARS:
        return RefusedNumber(token)
    _, _, exponent = token.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        return RefusedNumber(token)
    return Decimal(token)


def _constant(token: str) -> RefusedNumber:
    return RefusedNumber(token, finite=False)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _check(value: Any, path: str, depth: int) -> None:
    """Raises for the first refused number, lone surrogate or too-deep nesting, naming where it is."""
    param = path or None
    if isinstance(value, RefusedNumber):
        if not value.finite:
            raise InvalidArgument(f"{path or 'A value'} must be a finite number, not {value.token}.", param)
        raise InvalidArgument(
            f"{path or 'A value'} is not a number we accept: at most {MAX_NUMBER_CHARS} characters and an exponent "
            f"between -{MAX_EXPONENT} and {MAX_EXPONENT}.",
            param,
        )
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise InvalidArgument(f"{path or 'A value'} is not valid Unicode text.", param)
        return
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            top = re.split(r"[.\[]", path, maxsplit=1)[0] or None
            raise InvalidArgument(f"The request body is nested too deeply (at most {MAX_DEPTH} levels).", top)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and _SURROGATE.search(key):
                raise InvalidArgument("A field name is not valid Unicode text.", param)
            _check(item, _join(path, key), depth + 1)


def parse_json(raw: bytes) -> Any:
    """Any JSON value, with Decimal for fractions and bounded numbers; raises InvalidArgument for anything else."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidArgument("The request body is not valid UTF-8.") from None
    try:
        value = json.loads(text, parse_float=_decimal, parse_int=_integer, parse_constant=_constant)
    except RecursionError:
        raise InvalidArgument(f"The request body is nested too deeply (at most {MAX_DEPTH} levels).") from None
    except ValueError:
        raise InvalidArgument("The request body is not valid JSON.") from None
    _check(value, "", 0)
    return value


def parse_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise InvalidArgument("The request body must be a JSON object.")
    return value


_string = json.encoder.encode_basestring_ascii  # the C function json.dumps uses


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def _encode(value: Any, out: list[str]) -> None:
    """Exact type checks first, for the common cases (an invoice is some 70 values): subclasses (an IntEnum,
    an OrderedDict) take the general path below, as json.dumps would write them."""
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif kind is int:
        out.append(int.__repr__(value))
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is dict:
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_string(key) if type(key) is str else json.dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif kind is list or kind is tuple:
        out.append("[")
        first = True
        for item in value:
            if not first:
                out.append(",")
            first = False
            _encode(item, out)
        out.append("]")
    elif isinstance(value, Decimal):
        out.append(_decimal_text(value))
    elif isinstance(value, float):
        raise TypeError("floats are not allowed in API output")
    elif isinstance(value, dict):
        _encode(dict(value), out)
    elif isinstance(value, list | tuple):
        _encode(list(value), out)
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
