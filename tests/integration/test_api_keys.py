"""/api/api_keys on the running portal: list, create (secret shown once), revoke (401 at once), last key kept."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from devtools.stack import Stack
from tests.conftest import Business

FIELDS = {"id", "object", "name", "last4", "created_at", "last_used_at", "revoked_at"}


@pytest.fixture
def base(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.http_port}/api"


@pytest.fixture
def api(base: str, business: Business) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, auth=(business.api_key, "")) as client:
        yield client


def test_keys_are_listed_created_and_revoked_through_the_api(api: httpx.Client, base: str, business: Business) -> None:
    listed = api.get("/api_keys")
    assert listed.status_code == 200 and listed.headers["x-total-count"] == "1"
    (first,) = listed.json()
    assert set(first) == FIELDS and first["object"] == "api_key"
    assert first["last4"] == business.api_key[-4:] and first["revoked_at"] is None
    assert first["last_used_at"] is not None  # this very request used it

    created = api.post("/api_keys", json={"name": "Nightly sync"})
    assert created.status_code == 201, created.text
    new = created.json()
    assert set(new) == FIELDS | {"secret"} and new["name"] == "Nightly sync" and new["last4"] == new["secret"][-4:]
    with httpx.Client(base_url=base, auth=(new["secret"], "")) as replacement:
        assert replacement.get("/customers").status_code == 200
        listed_again = replacement.get("/api_keys").json()
        assert [k["id"] for k in listed_again] == [first["id"], new["id"]]
        assert all("secret" not in k for k in listed_again) and new["secret"] not in str(listed_again)

        revoked = replacement.delete(f"/api_keys/{first['id']}")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        stopped = api.get("/customers")  # the revoked key, on the very next request
        assert stopped.status_code == 401 and stopped.json()["type"] == "authentication_error"

        last = replacement.delete(f"/api_keys/{new['id']}")
        assert last.status_code == 400, last.text
        assert "only active API key" in last.json()["message"] and last.json()["param"] == "id"
        assert replacement.get("/customers").status_code == 200

        assert replacement.delete("/api_keys/no-such-key").status_code == 404
        assert replacement.delete("/api_keys/bad!id").status_code in (400, 404)


def test_creating_a_key_is_never_replayed_and_bad_bodies_are_refused(api: httpx.Client) -> None:
    replayable = api.post("/api_keys", json={"name": "ci"}, headers={"Idempotency-Key": "key-create-1"})
    assert replayable.status_code == 400 and replayable.json()["param"] == "Idempotency-Key"
    assert "shown once" in replayable.json()["message"]
    for body, param in (({"name": 42}, "name"), ({"name": "x" * 101}, "name"), ({"scope": "all"}, "scope")):
        reply = api.post("/api_keys", json=body)
        assert reply.status_code == 400 and reply.json()["param"] == param, (body, reply.text)
    assert api.get("/api_keys").headers["x-total-count"] == "1"
    assert api.post("/api_keys").status_code == 201  # no body: a key without a name
