"""Create a business or issue it a fresh API key through the auth service's admin API; prints JSON.

python -m services.auth.bootstrap create-business --username acme --display-name "Acme Inc"
python -m services.auth.bootstrap issue-key --username acme [--name "Nightly sync"]
python -m services.auth.bootstrap list-keys --username acme
python -m services.auth.bootstrap revoke-key --username acme --id KEY_ID

The admin credential comes from $PORTAL_ADMIN_TOKEN (the release's admin token, the one the auth service has).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

import grpc
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit import grpc_client
from portal_kit.balancing import split_addresses
from portal_kit.errors import DomainError
from portal_kit.service_auth import ADMIN, ADMIN_TOKEN_ENV, ServiceCredential

DEFAULT_AUTH_ADDR = "127.0.0.1:50051"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.auth.bootstrap", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--auth-addr",
        default=os.environ.get("PORTAL_AUTH_ADDR", DEFAULT_AUTH_ADDR),
        help="host:port of the auth service (default: $PORTAL_AUTH_ADDR or %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-business", help="create a business and its first API key")
    create.add_argument("--username", required=True, help="the portal subdomain")
    create.add_argument("--display-name", required=True)
    issue = commands.add_parser("issue-key", help="issue a new API key for an existing business")
    issue.add_argument("--username", required=True)
    issue.add_argument("--name", default="", help="a label to tell keys apart")
    listing = commands.add_parser("list-keys", help="list a business's API keys (never their secrets)")
    listing.add_argument("--username", required=True)
    revoke = commands.add_parser("revoke-key", help="revoke an API key at once (the last active one is kept)")
    revoke.add_argument("--username", required=True)
    revoke.add_argument("--id", required=True, help="the key's id, from list-keys")
    return parser.parse_args(argv)


def key_json(key: pb.ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name or None,
        "last4": key.last4 or None,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at if key.HasField("last_used_at") else None,
        "revoked_at": key.revoked_at if key.HasField("revoked_at") else None,
    }


def business_json(business: pb.Business) -> dict[str, Any]:
    return {
        "id": business.id,
        "username": business.username,
        "display_name": business.display_name,
        "created_at": business.created_at,
    }


async def run(args: argparse.Namespace, credential: ServiceCredential) -> dict[str, Any]:
    address = split_addresses(args.auth_addr)[0]  # PORTAL_AUTH_ADDR may list several instances: any one will do
    async with grpc_client.channel(address, default_timeout=10.0, credential=credential) as channel:
        admin = auth_pb2_grpc.BusinessAdminServiceStub(channel)
        if args.command == "list-keys":
            listed = await admin.ListBusinessApiKeys(pb.ListBusinessApiKeysRequest(username=args.username))
            return {"business": business_json(listed.business), "api_keys": [key_json(k) for k in listed.api_keys]}
        if args.command == "revoke-key":
            revoked = await admin.RevokeBusinessApiKey(
                pb.RevokeBusinessApiKeyRequest(username=args.username, id=args.id)
            )
            return {"api_key": key_json(revoked.api_key)}
        if args.command == "create-business":
            created = await admin.CreateBusiness(
                pb.CreateBusinessRequest(username=args.username, display_name=args.display_name)
            )
            return {"business": business_json(created.business), "api_key": created.api_key, "sso_key": created.sso_key}
        issued = await admin.IssueApiKey(pb.IssueApiKeyRequest(username=args.username, name=args.name))
        return {
            "business": business_json(issued.business),
            "api_key": issued.api_key,
            "sso_key": issued.sso_key,
            "key": key_json(issued.key),
        }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    credential = ServiceCredential.from_env(ADMIN)
    if credential is None:
        print(f"Set {ADMIN_TOKEN_ENV} to the release's admin token.", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(run(args, credential))
    except grpc.aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            print(f"Cannot reach the auth service at {args.auth_addr}.", file=sys.stderr)
        elif error.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
            print(f"The auth service refused the admin credential: check {ADMIN_TOKEN_ENV}.", file=sys.stderr)
        else:
            failure: DomainError = grpc_client.domain_error(error)
            print(failure.message, file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
