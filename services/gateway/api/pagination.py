"""Invoiced's list conventions: top-level arrays, `page`/`per_page`, `Link` and `X-Total-Count` headers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query, Request
from portal.billing.v1 import common_pb2

DEFAULT_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    page: int
    per_page: int

    def to_pb(self) -> common_pb2.PageRequest:
        return common_pb2.PageRequest(page=self.page, per_page=self.per_page)


PageNumber = Annotated[int, Query(ge=1, le=10**9, description="Page number, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=10**9, description="Objects per page: 1 to 100 (more is taken as 100).")]


def _bracketed_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "style": "deepObject",
        "explode": True,
        "required": False,
        "description": description,
        "schema": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 255}},
    }


# `filter[customer]=12` and `metadata[key]=value` are read from the raw query (bracketed); documented here.
LIST_PARAMETERS: dict[str, Any] = {
    "parameters": [
        _bracketed_parameter("filter", "Exact-match filters on the object's fields, e.g. filter[customer]=12."),
        _bracketed_parameter("metadata", "Exact-match filters on metadata, e.g. metadata[account]=A-7."),
    ]
}


def page_of(page: int, per_page: int) -> Page:
    return Page(page, min(per_page, 100))


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
