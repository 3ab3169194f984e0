"""A business's API keys: listed without secrets, created with the secret shown once, revoked at once."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.context import bound
from sqlmodel import select

from devtools.testing import RunningService
from services.auth.models import ApiKey
from services.auth.tests.test_businesses import authenticate, create


def keys_of(service: RunningService) -> auth_pb2_grpc.ApiKeyServiceStub:
    return auth_pb2_grpc.ApiKeyServiceStub(service.channel)


async def refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call  # type: ignore[misc]  # any pending gRPC call
    return failure.value


async def test_a_new_key_works_and_is_listed_without_its_secret(service: RunningService) -> None:
    business = await create(service)
    with bound(business.business.id):
        created = await keys_of(service).CreateApiKey(pb.CreateApiKeyRequest(name="  Accounting sync "))
        listed = (await keys_of(service).ListApiKeys(pb.ListApiKeysRequest())).api_keys
    assert created.secret.startswith("key_") and created.secret != business.api_key
    assert (created.api_key.name, created.api_key.last4) == ("Accounting sync", created.secret[-4:])
    assert not created.api_key.HasField("revoked_at") and created.api_key.created_at > 0
    assert (await authenticate(service, created.secret)).business.id == business.business.id

    assert [k.id for k in listed] == [listed[0].id, created.api_key.id]  # oldest first: the first key, then this one
    assert listed[0].last4 == business.api_key[-4:] and listed[0].name == ""
    shown = str(listed)
    assert created.secret not in shown and business.api_key not in shown
    async with service.db.unit_of_work() as session:
        hashes = [k.key_hash for k in (await session.exec(select(ApiKey))).all()]
    assert not any(h in shown for h in hashes)


async def test_a_revoked_key_stops_working_at_once(service: RunningService) -> None:
    business = await create(service)
    with bound(business.business.id):
        spare = await keys_of(service).CreateApiKey(pb.CreateApiKeyRequest(name="spare"))
        first_id = (await keys_of(service).ListApiKeys(pb.ListApiKeysRequest())).api_keys[0].id
        revoked = await keys_of(service).RevokeApiKey(pb.RevokeApiKeyRequest(id=first_id))
        assert revoked.api_key.HasField("revoked_at")
        again = await keys_of(service).RevokeApiKey(pb.RevokeApiKeyRequest(id=first_id))
        assert again.api_key.revoked_at == revoked.api_key.revoked_at  # revoking twice changes nothing
    failure = await refused(authenticate(service, business.api_key))
    assert failure.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await authenticate(service, spare.secret)).business.id == business.business.id


async def test_the_last_active_key_cannot_be_revoked(service: RunningService) -> None:
    business = await create(service)
    with bound(business.business.id):
        only = (await keys_of(service).ListApiKeys(pb.ListApiKeysRequest())).api_keys[0]
        failure = await refused(keys_of(service).RevokeApiKey(pb.RevokeApiKeyRequest(id=only.id)))
    assert failure.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "create a new key first" in (failure.details() or "")
    assert (await authenticate(service, business.api_key)).business.id == business.business.id


async def test_concurrent_revocations_keep_one_key(service: RunningService) -> None:
    """Two keys revoked at the same moment (on PostgreSQL): one wins, the other is refused (the business row is locked)."""
    business = await create(service)
    with bound(business.business.id):
        await keys_of(service).CreateApiKey(pb.CreateApiKeyRequest(name="second"))
        ids = [k.id for k in (await keys_of(service).ListApiKeys(pb.ListApiKeysRequest())).api_keys]
        outcomes = await asyncio.gather(
            *(keys_of(service).RevokeApiKey(pb.RevokeApiKeyRequest(id=i)) for i in ids), return_exceptions=True
        )
        active = [
            k
            for k in (await keys_of(service).ListApiKeys(pb.ListApiKeysRequest())).api_keys
            if not k.HasField("revoked_at")
        ]
    assert len(active) == 1
    failures = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert [f.code() for f in failures] == [grpc.StatusCode.FAILED_PRECONDITION], outcomes


async def test_another_business_key_reads_as_missing(service: RunningService) -> None:
    acme = await create(service, "acme")
    globex = await create(service, "globex")
    with bound(acme.business.id):
        await keys_of(service).CreateApiKey(pb.CreateApiKeyRequest())
    with bound(globex.business.id):
        theirs = (await keys_of(service).ListApiKeys(pb.ListApiKeysRequest())).api_keys[0]
        await keys_of(service).CreateApiKey(pb.CreateApiKeyRequest())
    with bound(acme.business.id):
        failure = await refused(keys_of(service).RevokeApiKey(pb.RevokeApiKeyRequest(id=theirs.id)))
        assert failure.code() == grpc.StatusCode.NOT_FOUND
        listed = (await keys_of(service).ListApiKeys(pb.ListApiKeysRequest())).api_keys
        assert theirs.id not in [k.id for k in listed] and len(listed) == 2
    assert (await authenticate(service, globex.api_key)).business.id == globex.business.id


async def test_bad_names_are_refused(service: RunningService) -> None:
    business = await create(service)
    with bound(business.business.id):
        for name in ("x" * 101, "tab\there"):
            failure = await refused(keys_of(service).CreateApiKey(pb.CreateApiKeyRequest(name=name)))
            assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert dict(failure.trailing_metadata() or ())["x-portal-param"] == "name"


async def test_operators_list_issue_and_revoke_by_username(service: RunningService) -> None:
    business = await create(service)
    admin = auth_pb2_grpc.BusinessAdminServiceStub(service.admin_channel)
    issued = await admin.IssueApiKey(pb.IssueApiKeyRequest(username="ACME", name="ops"))
    assert issued.key.name == "ops" and issued.key.last4 == issued.api_key[-4:]
    listed = await admin.ListBusinessApiKeys(pb.ListBusinessApiKeysRequest(username="acme"))
    assert listed.business.id == business.business.id and [k.name for k in listed.api_keys] == ["", "ops"]
    revoked = await admin.RevokeBusinessApiKey(pb.RevokeBusinessApiKeyRequest(username="acme", id=issued.key.id))
    assert revoked.api_key.HasField("revoked_at")
    assert (await refused(authenticate(service, issued.api_key))).code() == grpc.StatusCode.UNAUTHENTICATED
    missing = await refused(admin.RevokeBusinessApiKey(pb.RevokeBusinessApiKeyRequest(username="nobody", id="x")))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    # The gateway's credential cannot reach the operator's RPCs.
    as_gateway = auth_pb2_grpc.BusinessAdminServiceStub(service.channel)
    denied = await refused(as_gateway.ListBusinessApiKeys(pb.ListBusinessApiKeysRequest(username="acme")))
    assert denied.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)
