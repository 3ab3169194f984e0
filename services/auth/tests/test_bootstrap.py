from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import grpc
import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.service_auth import ADMIN, ADMIN_TOKEN_ENV

from devtools.localservers import refusing_port
from devtools.testing import RunningService

REPO = Path(__file__).resolve().parents[3]


async def bootstrap(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Runs the CLI with the environment given; the admin token is the caller's business (see `as_admin`)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.auth.bootstrap",
        *args,
        cwd=REPO,
        env={**{k: v for k, v in os.environ.items() if k != ADMIN_TOKEN_ENV}, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def as_admin(service: RunningService, **extra: str) -> dict[str, str]:
    return {ADMIN_TOKEN_ENV: service.tokens[ADMIN], **extra}


async def test_bootstrap_creates_a_business_and_issues_keys(service: RunningService) -> None:
    addr = f"127.0.0.1:{service.port}"
    code, out, err = await bootstrap(
        "--auth-addr", addr, "create-business", "--username", "acme", "--display-name", "Acme Inc",
        env=as_admin(service),
    )  # fmt: skip
    assert code == 0, err
    created = json.loads(out)
    assert created["business"]["username"] == "acme"
    assert created["business"]["display_name"] == "Acme Inc"
    assert created["api_key"].startswith("key_")
    assert len(created["sso_key"]) == 63

    businesses = auth_pb2_grpc.BusinessServiceStub(service.channel)
    found = await businesses.AuthenticateApiKey(pb.AuthenticateApiKeyRequest(api_key=created["api_key"]))
    assert found.business.id == created["business"]["id"]

    code, out, err = await bootstrap("issue-key", "--username", "acme", env=as_admin(service, PORTAL_AUTH_ADDR=addr))
    assert code == 0, err
    issued = json.loads(out)
    assert issued["business"] == created["business"]
    assert issued["sso_key"] == created["sso_key"]
    assert issued["api_key"] != created["api_key"]
    found = await businesses.AuthenticateApiKey(pb.AuthenticateApiKeyRequest(api_key=issued["api_key"]))
    assert found.business.id == created["business"]["id"]


async def test_bootstrap_errors_are_readable(service: RunningService) -> None:
    addr = f"127.0.0.1:{service.port}"
    args = ("--auth-addr", addr, "create-business", "--username", "acme", "--display-name", "Acme")
    admin = as_admin(service)
    assert (await bootstrap(*args, env=admin))[0] == 0
    code, out, err = await bootstrap(*args, env=admin)
    assert (code, out) == (1, "")
    assert err.strip() == "The username 'acme' is already taken."

    code, _, err = await bootstrap(
        "--auth-addr", addr, "create-business", "--username", "www", "--display-name", "W", env=admin
    )
    assert code == 1 and "reserved" in err

    code, _, err = await bootstrap("--auth-addr", addr, "issue-key", "--username", "nobody", env=admin)
    assert code == 1 and err.strip() == "No business with the username 'nobody'."

    with refusing_port() as port:
        unreachable = f"127.0.0.1:{port}"
        code, _, err = await bootstrap("--auth-addr", unreachable, "issue-key", "--username", "acme", env=admin)
    assert code == 1 and err.strip() == f"Cannot reach the auth service at {unreachable}."


async def test_bootstrap_needs_the_admin_credential(service: RunningService) -> None:
    args = ("--auth-addr", f"127.0.0.1:{service.port}", "issue-key", "--username", "acme")
    code, out, err = await bootstrap(*args)
    assert (code, out) == (2, "")
    assert err.strip() == f"Set {ADMIN_TOKEN_ENV} to the release's admin token."

    for wrong in (service.tokens["gateway"], service.tokens[ADMIN] + "x"):
        code, out, err = await bootstrap(*args, env={ADMIN_TOKEN_ENV: wrong})
        assert (code, out) == (1, "")
        assert err.strip() == f"The auth service refused the admin credential: check {ADMIN_TOKEN_ENV}."


async def test_bootstrap_lists_and_revokes_keys(service: RunningService) -> None:
    env = as_admin(service, PORTAL_AUTH_ADDR=f"127.0.0.1:{service.port}")
    code, out, err = await bootstrap("create-business", "--username", "acme", "--display-name", "Acme", env=env)
    assert code == 0, err
    first_secret = json.loads(out)["api_key"]
    code, out, err = await bootstrap("issue-key", "--username", "acme", "--name", "Nightly sync", env=env)
    assert code == 0, err
    issued = json.loads(out)
    assert issued["key"]["name"] == "Nightly sync" and issued["key"]["last4"] == issued["api_key"][-4:]

    code, out, err = await bootstrap("list-keys", "--username", "acme", env=env)
    assert code == 0, err
    listed = json.loads(out)
    assert [k["name"] for k in listed["api_keys"]] == [None, "Nightly sync"]
    assert first_secret not in out and issued["api_key"] not in out

    first_id = listed["api_keys"][0]["id"]
    code, out, err = await bootstrap("revoke-key", "--username", "acme", "--id", first_id, env=env)
    assert code == 0, err
    assert json.loads(out)["api_key"]["revoked_at"] is not None
    businesses = auth_pb2_grpc.BusinessServiceStub(service.channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await businesses.AuthenticateApiKey(pb.AuthenticateApiKeyRequest(api_key=first_secret))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED

    code, out, err = await bootstrap("revoke-key", "--username", "acme", "--id", issued["key"]["id"], env=env)
    assert (code, out) == (1, "") and "only active API key" in err
