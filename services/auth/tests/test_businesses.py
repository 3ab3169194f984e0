from __future__ import annotations

import string

import grpc
import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.replays import IdempotentReply
from portal_kit.timestamps import utcnow
from sqlmodel import SQLModel, select

from devtools.testing import RunningService
from services.auth.models import ApiKey, Business


async def create(
    service: RunningService, username: str = "acme", display_name: str = "Acme Inc"
) -> pb.CreateBusinessResponse:
    admin = auth_pb2_grpc.BusinessAdminServiceStub(service.admin_channel)
    return await admin.CreateBusiness(pb.CreateBusinessRequest(username=username, display_name=display_name))


async def authenticate(service: RunningService, api_key: str) -> pb.AuthenticateApiKeyResponse:
    return await auth_pb2_grpc.BusinessServiceStub(service.channel).AuthenticateApiKey(
        pb.AuthenticateApiKeyRequest(api_key=api_key)
    )


async def test_create_business_shows_the_key_once_and_stores_only_its_hash(service: RunningService) -> None:
    created = await create(service, username="Acme", display_name="  Acme Inc ")
    assert created.business.username == "acme"
    assert created.business.display_name == "Acme Inc"
    assert len(created.business.id) == 32
    assert created.business.created_at > 0
    assert created.api_key.startswith("key_") and len(created.api_key) >= 4 + 32
    assert len(created.sso_key) == 63 and set(created.sso_key) <= set(string.ascii_letters + string.digits)

    async with service.db.unit_of_work() as session:
        rows = [
            *(await session.exec(select(Business))).all(),
            *(await session.exec(select(ApiKey))).all(),
            *(await session.exec(select(IdempotentReply))).all(),
        ]
    stored = " ".join(str(value) for row in rows for value in row.model_dump().values())
    assert created.api_key not in stored
    assert created.api_key.removeprefix("key_") not in stored
    keys = [row for row in rows if isinstance(row, ApiKey)]
    assert len(keys) == 1 and keys[0].tenant_id == created.business.id and len(keys[0].key_hash) == 64


@pytest.mark.parametrize(
    "username",
    ["", "ab", "a" * 41, "1acme", "-acme", "acme-", "ac_me", "ac me", "acmé", "ac--me", "www", "API", "billing"],
)
async def test_bad_usernames_are_refused_with_a_readable_message(service: RunningService, username: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await create(service, username=username)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "username" in (refused.value.details() or "").lower()
    assert dict(refused.value.trailing_metadata() or ())["x-portal-param"] == "username"


@pytest.mark.parametrize("username", ["abc", "a" * 40, "a1-b2", "acme-2024"])
async def test_good_usernames_are_accepted(service: RunningService, username: str) -> None:
    created = await create(service, username=username)
    assert created.business.username == username


@pytest.mark.parametrize("display_name", ["", "   ", "x" * 101])
async def test_display_name_is_required_and_bounded(service: RunningService, display_name: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await create(service, display_name=display_name)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(refused.value.trailing_metadata() or ())["x-portal-param"] == "display_name"


async def test_a_taken_username_is_refused(service: RunningService) -> None:
    await create(service, username="acme")
    for again in ("acme", "ACME"):
        with pytest.raises(grpc.aio.AioRpcError) as taken:
            await create(service, username=again, display_name="Other")
        assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS
        assert "already taken" in (taken.value.details() or "")
    async with service.db.unit_of_work() as session:
        assert len((await session.exec(select(Business))).all()) == 1
        assert len((await session.exec(select(ApiKey))).all()) == 1


async def _set(service: RunningService, model: type[SQLModel], **values: object) -> None:
    """Sets columns on every row of a table: how a business gets disabled or a key revoked today."""
    async with service.db.unit_of_work() as session:
        rows: list[SQLModel] = list((await session.exec(select(model))).all())
        for row in rows:
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)


async def test_authenticate_api_key_good_bad_revoked_and_disabled(service: RunningService) -> None:
    created = await create(service)
    other = await create(service, username="globex", display_name="Globex")
    found = await authenticate(service, created.api_key)
    assert found.business == created.business
    async with service.db.unit_of_work() as session:
        key = (await session.exec(select(ApiKey).where(ApiKey.tenant_id == created.business.id))).one()
        assert key.last_used_at is not None

    answers = []
    for bad in ["", "nonsense", "key_" + "x" * 32, created.api_key + "x", created.api_key.upper()]:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await authenticate(service, bad)
        answers.append((refused.value.code(), refused.value.details()))

    await _set(service, ApiKey, revoked_at=utcnow())
    with pytest.raises(grpc.aio.AioRpcError) as revoked:
        await authenticate(service, created.api_key)
    answers.append((revoked.value.code(), revoked.value.details()))

    await _set(service, ApiKey, revoked_at=None)
    assert (await authenticate(service, other.api_key)).business.username == "globex"
    await _set(service, Business, disabled=True)
    with pytest.raises(grpc.aio.AioRpcError) as disabled:
        await authenticate(service, other.api_key)
    answers.append((disabled.value.code(), disabled.value.details()))

    assert set(answers) == {(grpc.StatusCode.UNAUTHENTICATED, "Invalid API key.")}


async def test_issue_api_key_adds_a_working_key(service: RunningService) -> None:
    created = await create(service)
    admin = auth_pb2_grpc.BusinessAdminServiceStub(service.admin_channel)
    issued = await admin.IssueApiKey(pb.IssueApiKeyRequest(username="acme"))
    assert issued.business == created.business
    assert issued.sso_key == created.sso_key
    assert issued.api_key != created.api_key
    assert (await authenticate(service, issued.api_key)).business.id == created.business.id
    assert (await authenticate(service, created.api_key)).business.id == created.business.id

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await admin.IssueApiKey(pb.IssueApiKeyRequest(username="nobody"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND

    await _set(service, Business, disabled=True)
    with pytest.raises(grpc.aio.AioRpcError) as disabled:
        await admin.IssueApiKey(pb.IssueApiKeyRequest(username="acme"))
    assert disabled.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_resolve_business_hides_unknown_and_disabled_alike(service: RunningService) -> None:
    created = await create(service)
    businesses = auth_pb2_grpc.BusinessServiceStub(service.channel)
    resolved = await businesses.ResolveBusiness(pb.ResolveBusinessRequest(username="acme"))
    assert resolved.business == created.business
    assert (await businesses.ResolveBusiness(pb.ResolveBusinessRequest(username="ACME"))).business.id

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await businesses.ResolveBusiness(pb.ResolveBusinessRequest(username="nobody"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND

    await _set(service, Business, disabled=True)
    with pytest.raises(grpc.aio.AioRpcError) as disabled:
        await businesses.ResolveBusiness(pb.ResolveBusinessRequest(username="acme"))
    assert disabled.value.code() == grpc.StatusCode.NOT_FOUND
    assert disabled.value.details() == "No business with the username 'acme'."


async def test_admin_rpcs_refuse_the_gateway_and_services_credentials(service: RunningService) -> None:
    """Creating a business or minting an API key takes the admin credential, not a service's."""
    for caller in ("gateway", "auth", "mailer"):
        channel = service.channel_as(caller)
        try:
            admin = auth_pb2_grpc.BusinessAdminServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as create_refused:
                await admin.CreateBusiness(pb.CreateBusinessRequest(username="acme", display_name="Acme"))
            with pytest.raises(grpc.aio.AioRpcError) as issue_refused:
                await admin.IssueApiKey(pb.IssueApiKeyRequest(username="acme"))
        finally:
            await channel.close()
        assert create_refused.value.code() == grpc.StatusCode.PERMISSION_DENIED, caller
        assert issue_refused.value.code() == grpc.StatusCode.PERMISSION_DENIED, caller
    async with service.db.unit_of_work() as session:
        assert (await session.exec(select(Business))).all() == []
    assert (await create(service)).business.username == "acme"  # the admin credential works
