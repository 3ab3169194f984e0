from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc

from devtools.localservers import free_port
from devtools.testing import RunningService

REPO = Path(__file__).resolve().parents[3]


async def bootstrap(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.auth.bootstrap",
        *args,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_bootstrap_creates_a_business_and_issues_keys(service: RunningService) -> None:
    addr = f"127.0.0.1:{service.port}"
    code, out, err = await bootstrap(
        "--auth-addr", addr, "create-business", "--username", "acme", "--display-name", "Acme Inc"
    )
    assert code == 0, err
    created = json.loads(out)
    assert created["business"]["username"] == "acme"
    assert created["business"]["display_name"] == "Acme Inc"
    assert created["api_key"].startswith("key_")
    assert len(created["sso_key"]) == 63

    businesses = auth_pb2_grpc.BusinessServiceStub(service.channel)
    found = await businesses.AuthenticateApiKey(pb.AuthenticateApiKeyRequest(api_key=created["api_key"]))
    assert found.business.id == created["business"]["id"]

    code, out, err = await bootstrap("issue-key", "--username", "acme", env={"PORTAL_AUTH_ADDR": addr})
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
    assert (await bootstrap(*args))[0] == 0
    code, out, err = await bootstrap(*args)
    assert (code, out) == (1, "")
    assert err.strip() == "The username 'acme' is already taken."

    code, _, err = await bootstrap("--auth-addr", addr, "create-business", "--username", "www", "--display-name", "W")
    assert code == 1 and "reserved" in err

    code, _, err = await bootstrap("--auth-addr", addr, "issue-key", "--username", "nobody")
    assert code == 1 and err.strip() == "No business with the username 'nobody'."

    unreachable = f"127.0.0.1:{free_port()}"
    code, _, err = await bootstrap("--auth-addr", unreachable, "issue-key", "--username", "acme")
    assert code == 1 and err.strip() == f"Cannot reach the auth service at {unreachable}."
