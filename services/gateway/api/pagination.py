"""Invoiced's list conventions: top-level arrays, `page`/`per_page`, `Link` and `X-Total-Count` headers.

Lists that grow (customers, invoices) put an opaque `cursor` beside `page` in their `next`, `previous` and `last`
links: billing serves such a page by keyset, so following the links costs the same on page 10,000 as on page 1,
and the total counted at the first page is carried along (portal_kit.keyset). `page=N` alone still works.
"""

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
    cursor: str = ""

    def to_pb(self) -> common_pb2.PageRequest:
        return common_pb2.PageRequest(page=self.page, per_page=self.per_page, cursor=self.cursor)


PageNumber = Annotated[int, Query(ge=1, le=10**9, description="Page number, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=10**9, description="Objects per page: 1 to 100 (more is taken as 100).")]
PageCursor = Annotated[
    str | None,
    Query(max_length=512, description="Opaque: copy it from a `Link` header's URL; it decides the page's position."),
]


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


def page_of(page: int, per_page: int, cursor: str | None = None) -> Page:
    return Page(page, min(per_page, 100), cursor or "")


def bracketed(request: Request, prefix: str) -> dict[str, str]:
    """`filter[customer]=12` → {"customer": "12"} (the Invoiced client's encoding)."""
    found = {}
    for key, value in request.query_params.multi_items():
        if key.startswith(prefix + "[") and key.endswith("]"):
            found[key[len(prefix) + 1 : -1]] = value
    return found


def list_headers(request: Request, page: Page, info: common_pb2.PageInfo) -> dict[str, str]:
    """`Link` (self, first, previous, next, last) and `X-Total-Count` for a page billing answered with `info`.

    A list that pages by keyset gives cursors for its neighbours; one that does not gets page numbers only."""
    total = info.total_count
    current = info.page or page.page
    last = info.last_page or max(1, math.ceil(total / page.per_page))
    base = str(request.url.replace(query="")).split("?")[0]
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page", "cursor")]

    def url(number: int, cursor: str = "") -> str:
        params = [*kept, ("page", str(number))]
        if page.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(page.per_page)))
        if cursor:
            params.append(("cursor", cursor))
        query = "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in params)
        return f"{base}?{query}"

    links = [("self", url(current, page.cursor)), ("first", url(1))]
    if current > 1:
        links.append(("previous", url(min(current - 1, last), info.previous_cursor)))
    if current < last:
        links.append(("next", url(current + 1, info.next_cursor)))
    links.append(("last", url(last, info.last_cursor if last > 1 else "")))
    return {
        "Link": ", ".join(f'<{target}>; rel="{rel}"' for rel, target in links),
        "X-Total-Count": str(total),
    }
