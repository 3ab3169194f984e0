"""The business API's lists through the real `invoiced` client: following `Link` URLs (which carry keyset cursors)
walks a list once, in order, with the same `X-Total-Count` on every page; a cursor is refused (400) when it was
changed or when another business or another list presents it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import invoiced

from devtools.stack import Stack
from tests.conftest import Business, client_for


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def walk(client: invoiced.Client, kind: str, **first: object) -> tuple[list[str], list[int]]:
    """Every object's name or number, following `next` links as a client does; the totals each page reported."""
    listing = client.Customer if kind == "customers" else client.Invoice
    seen: list[str] = []
    totals: list[int] = []
    options: dict[str, object] = dict(first)
    while True:
        objects, meta = listing.list(**options)
        seen += [o.name if kind == "customers" else o.number for o in objects]
        totals.append(meta.total_count)
        if "next" not in meta.links:
            return seen, totals
        options = dict(query_of(meta.links["next"]))


def test_following_links_walks_every_invoice_once_while_more_arrive(client: invoiced.Client) -> None:
    customer = client.Customer.create(name="Walker")
    numbers = [client.Invoice.create(customer=customer.id, items=[{"name": "x", "unit_cost": 1}]).number
               for _ in range(5)]  # fmt: skip
    objects, meta = client.Invoice.list(per_page=2)
    assert "cursor=" in meta.links["next"] and "cursor=" in meta.links["last"] and "page=3" in meta.links["last"]
    late = client.Invoice.create(customer=customer.id, items=[{"name": "late", "unit_cost": 1}])  # during the walk
    seen = [o.number for o in objects]
    options = query_of(meta.links["next"])
    while True:
        page, meta = client.Invoice.list(**options)
        assert meta.total_count == 5  # counted when the walk began
        seen += [o.number for o in page]
        if "next" not in meta.links:
            break
        options = query_of(meta.links["next"])
    assert seen == [*numbers, late.number]  # none twice, none skipped: the late one sorts after them
    last, meta = client.Invoice.list(**query_of(meta.links["last"]))
    assert [o.number for o in last] == [late.number]  # 5 counted, 2 per page: the last page holds the newest one
    previous, _ = client.Invoice.list(**query_of(meta.links["previous"]))
    assert [o.number for o in previous] == numbers[3:5]


def test_customer_lists_walk_the_same_with_filters(client: invoiced.Client) -> None:
    for index in range(5):
        client.Customer.create(name=f"Customer {index}", country="FR" if index % 2 else "DE")
    everyone, totals = walk(client, "customers", per_page=2)
    assert everyone == [f"Customer {i}" for i in range(5)] and set(totals) == {5}
    french, totals = walk(client, "customers", per_page=1, filter={"country": "FR"})
    assert french == ["Customer 1", "Customer 3"] and set(totals) == {2}


def test_a_changed_or_foreign_cursor_is_a_400(
    client: invoiced.Client, stack: Stack, business: Business, other_business: Business
) -> None:
    for index in range(3):
        client.Customer.create(name=f"Customer {index}")
    _, meta = client.Customer.list(per_page=1)
    cursor = query_of(meta.links["next"])["cursor"]
    theirs = client_for(stack, other_business)
    theirs.Customer.create(name="Theirs")
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}", timeout=10,
                      headers={"Host": f"localhost:{stack.http_port}"}) as api:  # fmt: skip
        mine = api.get("/api/customers", params={"per_page": 1, "cursor": cursor}, auth=(business.api_key, ""))
        assert mine.status_code == 200 and mine.json()[0]["name"] == "Customer 1"
        changed = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
        for key, value, per_page in [
            (business.api_key, changed, 1),
            (business.api_key, cursor, 2),
            (other_business.api_key, cursor, 1),
        ]:
            reply = api.get("/api/customers", params={"per_page": per_page, "cursor": value}, auth=(key, ""))
            assert reply.status_code == 400, reply.text
            assert reply.json()["param"] == "cursor"
        assert api.get("/api/invoices", params={"cursor": "x" * 600}, auth=(business.api_key, "")).status_code == 400
