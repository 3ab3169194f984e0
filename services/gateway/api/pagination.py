"""Invoiced's list conventions: top-level arrays, `page`/`per_page`, `Link` and `X-Total-Count` headers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from portal.billing.v1 import common_pb2
from portal_kit.errors import InvalidArgument

DEFAULT_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    page: int
    per_page: int

    def to_pb(self) -> common_pb2.PageRequest:
        return common_pb2.PageRequest(page=self.page, per_page=self.per_page)


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        if len(raw) > 18:
            raise ValueError(raw)
        return int(raw)
    except ValueError:
        raise InvalidArgument(f"{name} must be a whole number.", name) from None


def page_of(request: Request) -> Page:
    page = max(_int_param(request, "page", 1), 1)
    per_page = min(max(_int_param(request, "per_page", DEFAULT_PER_PAGE), 1), 100)
    return Page(page, per_page)


def bracketed(request: Request, prefix: str) -> dict[str, str]:
    """`filter[customer]=12` → {"customer": "12"} (the Invoiced client's encoding)."""
    found = {}
    for key, value in request.query_params.multi_items():
        if key.startswith(prefix + "[") and key.endswith("]"):
            found[key[len(prefix) + 1 : -1]] = value
    return found


def list_headers(request: Request, page: Page, total: int) -> dict[str, str]:
    last = max(1, math.ceil(total / page.per_page))
    base = str(request.url.replace(query="")).split("?")[0]
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]

    def url(number: int) -> str:
        params = [*kept, ("page", str(number))]
        if page.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(page.per_page)))
        query = "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in params)
        return f"{base}?{query}"

    links = [("self", page.page), ("first", 1)]
    if page.page > 1:
        links.append(("previous", min(page.page - 1, last)))
    if page.page < last:
        links.append(("next", page.page + 1))
    links.append(("last", last))
    return {
        "Link": ", ".join(f'<{url(number)}>; rel="{rel}"' for rel, number in links),
        "X-Total-Count": str(total),
    }
