"""Input rules shared by customers, contacts and invoices; each failure names the field at fault."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from portal_kit.errors import InvalidArgument
from portal_kit.timestamps import from_unix

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
COUNTRY = re.compile(r"^[A-Za-z]{2}$")
NET_TERMS = re.compile(r"^NET\s*(\d{1,4})$")
MAX_METADATA_KEYS = 10
MAX_METADATA_KEY = 40
MAX_METADATA_VALUE = 255
MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z
TRUE = {"true", "True", "1"}
FALSE = {"false", "False", "0"}
DEFAULT_PER_PAGE = 100


def text(value: str, param: str, max_length: int) -> str | None:
    """Trimmed text; empty becomes None."""
    value = value.strip()
    if "\x00" in value:
        raise InvalidArgument(f"{param} cannot contain NUL characters.", param)
    if len(value) > max_length:
        raise InvalidArgument(f"{param} can be at most {max_length} characters.", param)
    return value or None


def email(value: str, param: str = "email") -> str | None:
    value = value.strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL.match(value):
        raise InvalidArgument(f"'{value}' is not a valid email address.", param)
    return value


def country(value: str, param: str = "country") -> str | None:
    value = value.strip()
    if not value:
        return None
    if not COUNTRY.match(value):
        raise InvalidArgument("country must be a two-letter ISO 3166 code, such as US.", param)
    return value.upper()


def metadata(values: dict[str, str], param: str = "metadata") -> dict[str, str]:
    if len(values) > MAX_METADATA_KEYS:
        raise InvalidArgument(f"metadata can have at most {MAX_METADATA_KEYS} keys.", param)
    for key, value in values.items():
        if not key or len(key) > MAX_METADATA_KEY:
            raise InvalidArgument(f"metadata keys must have 1 to {MAX_METADATA_KEY} characters.", param)
        if "\x00" in key + value:
            raise InvalidArgument("metadata cannot contain NUL characters.", param)
        if len(value) > MAX_METADATA_VALUE:
            raise InvalidArgument(f"metadata values can be at most {MAX_METADATA_VALUE} characters.", param)
    return dict(values)


def payment_terms(value: str, param: str = "payment_terms") -> str | None:
    """Normalized terms: "NET 30" or "DUE ON RECEIPT"."""
    value = " ".join(value.split()).upper()
    if not value:
        return None
    if value == "DUE ON RECEIPT":
        return value
    match = NET_TERMS.match(value)
    if match is None:
        raise InvalidArgument('payment_terms must look like "NET 30" or "DUE ON RECEIPT".', param)
    return f"NET {int(match.group(1))}"


def due_date_for(terms: str | None, date: datetime) -> datetime | None:
    if terms is None:
        return None
    if terms == "DUE ON RECEIPT":
        return date
    match = NET_TERMS.match(terms)
    return date + timedelta(days=int(match.group(1))) if match else None


def timestamp(seconds: int, param: str) -> datetime:
    if not 0 <= seconds <= MAX_TIMESTAMP:
        raise InvalidArgument(f"{param} must be a UNIX timestamp in seconds.", param)
    return from_unix(seconds)


def boolean(value: str, param: str) -> bool:
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InvalidArgument(f"{param} must be true or false.", param)


def integer(value: str, param: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not -(2**63) <= number < 2**63:
        raise InvalidArgument(f"{param} must be an integer.", param)
    return number


def paging(page: int, per_page: int) -> tuple[int, int]:
    """page < 1 acts as 1; per_page unset (0) is 100, otherwise clamped to 1..100."""
    per_page = DEFAULT_PER_PAGE if per_page == 0 else min(max(per_page, 1), DEFAULT_PER_PAGE)
    return max(page, 1), per_page


def unknown_filters(filters: dict[str, str], known: set[str]) -> None:
    for key in sorted(filters):
        if key not in known:
            raise InvalidArgument(
                f"Cannot filter on '{key}' (use one of {', '.join(sorted(known))}).", f"filter[{key}]"
            )
