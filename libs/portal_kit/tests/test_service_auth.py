"""Service credentials: the server interceptor refuses unauthenticated callers before reading any tenant metadata.

A PlanService (subscriptions: only the gateway may call it) and a BusinessAdminService (admin only) run on one
in-process GrpcServer; each test calls it with real channels and credentials.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from portal.auth.v1 import auth_pb2, auth_pb2_grpc
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc

from portal_kit import grpc_client
from portal_kit.context import PRINCIPAL_METADATA_KEY, TENANT_METADATA_KEY, bound, current_tenant_or_none
from portal_kit.grpc_server import GrpcServer, Registration
from portal_kit.service_auth import (
    ADMIN,
    ADMIN_TOKEN_ENV,
    CALLER_METADATA_KEY,
    CALLERS,
    SERVICE_NAME_ENV,
    TOKEN_METADATA_KEY,
    UNAUTHENTICATED_MESSAGE,
    Refused,
    ServiceCredential,
    ServiceTrust,
    env_for,
    generate_tokens,
    own_credential,
    require_own_credential,
    token_env,
)

TOKENS = generate_tokens()
TENANT = "biz_0123456789abcdef0123456789abcd"


class RecordingPlans(plans_pb2_grpc.PlanServiceServicer):
    """Records every call that reached it, with the tenant it saw."""

    def __init__(self) -> None:
        self.calls: list[str | None] = []

    async def GetPlan(  # noqa: N802 - generated gRPC method name
        self, request: plans_pb2.GetPlanRequest, context: grpc.aio.ServicerContext
    ) -> plans_pb2.GetPlanResponse:
        self.calls.append(current_tenant_or_none())
        return plans_pb2.GetPlanResponse(plan=plans_pb2.Plan(id=request.id, name="Gold"))


class RecordingAdmin(auth_pb2_grpc.BusinessAdminServiceServicer):
    def __init__(self) -> None:
        self.calls = 0

    async def IssueApiKey(  # noqa: N802 - generated gRPC method name
        self, request: auth_pb2.IssueApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.IssueApiKeyResponse:
        self.calls += 1
        return auth_pb2.IssueApiKeyResponse(api_key="key_issued")


class Served:
    def __init__(self, reflection_enabled: bool) -> None:
        # The RPCs not under test stay the generated base's UNIMPLEMENTED.
        self.plans = RecordingPlans()  # type: ignore[abstract]
        self.admin = RecordingAdmin()  # type: ignore[abstract]
        self.server = GrpcServer(
            [
                Registration(
                    "portal.subscriptions.v1.PlanService", plans_pb2_grpc.add_PlanServiceServicer_to_server, self.plans
                ),
                Registration(
                    "portal.auth.v1.BusinessAdminService",
                    auth_pb2_grpc.add_BusinessAdminServiceServicer_to_server,
                    self.admin,
                ),
            ],
            0,
            trust=ServiceTrust.of("subscriptions", TOKENS),
            host="127.0.0.1",
            reflection_enabled=reflection_enabled,
        )
        self.address = f"127.0.0.1:{self.server.port}"


@pytest.fixture
async def served(request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    running = Served(reflection_enabled=getattr(request, "param", False))
    await running.server.start()
    try:
        yield running
    finally:
        await running.server.stop(0)


async def get_plan(served: Served, credential: ServiceCredential | None, **metadata: str) -> plans_pb2.GetPlanResponse:
    channel = grpc.aio.insecure_channel(served.address)  # a bare channel: only what the test puts in is sent
    try:
        stub = plans_pb2_grpc.PlanServiceStub(channel)
        sent = [*(credential.metadata() if credential else ()), *metadata.items()]
        return await stub.GetPlan(plans_pb2.GetPlanRequest(id="plan_1"), metadata=sent, timeout=5)
    finally:
        await channel.close()


async def refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    return info.value


async def test_the_right_credential_passes_and_its_tenant_is_bound(served: Served) -> None:
    gateway = ServiceCredential("gateway", TOKENS["gateway"])
    reply = await get_plan(served, gateway, **{TENANT_METADATA_KEY: TENANT})
    assert reply.plan.name == "Gold"
    assert served.plans.calls == [TENANT]


@pytest.mark.parametrize(
    "credential",
    [
        None,
        ServiceCredential("gateway", "wrong-" + TOKENS["gateway"]),
        ServiceCredential("gateway", TOKENS["gateway"][:-1]),
        ServiceCredential("gateway", ""),
        ServiceCredential("gateway", TOKENS["auth"]),  # another caller's token
        ServiceCredential("nobody", TOKENS["gateway"]),
    ],
    ids=["none", "wrong", "truncated", "empty", "someone-elses", "unknown-caller"],
)
async def test_a_missing_or_wrong_credential_is_unauthenticated_and_reaches_nothing(
    served: Served, credential: ServiceCredential | None
) -> None:
    error = await refused(
        get_plan(served, credential, **{TENANT_METADATA_KEY: TENANT, PRINCIPAL_METADATA_KEY: "customer:1"})
    )
    assert (error.code(), error.details()) == (grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE)
    assert served.plans.calls == []


async def test_forged_tenant_metadata_without_a_credential_learns_nothing(served: Served) -> None:
    """A real tenant, an unknown one, none at all: the same answer, and the servicer never runs."""
    answers = set()
    for metadata in ({TENANT_METADATA_KEY: TENANT}, {TENANT_METADATA_KEY: "biz_unknown"}, {}):
        error = await refused(get_plan(served, None, **metadata))
        answers.add((error.code(), error.details(), tuple(error.trailing_metadata() or ())))
    assert answers == {(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE, ())}
    assert served.plans.calls == []


async def test_a_caller_the_server_does_not_accept_is_denied(served: Served) -> None:
    """The mailer is a real caller of the release, with its valid token, but subscriptions does not accept it."""
    assert "mailer" not in CALLERS["subscriptions"]
    error = await refused(get_plan(served, ServiceCredential("mailer", TOKENS["mailer"])))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == "The mailer service may not call portal.subscriptions.v1.PlanService."
    assert served.plans.calls == []


async def test_admin_rpcs_need_the_admin_credential(served: Served) -> None:
    async def issue(credential: ServiceCredential | None) -> auth_pb2.IssueApiKeyResponse:
        async with grpc_client.channel(served.address, credential=credential) as channel:
            stub = auth_pb2_grpc.BusinessAdminServiceStub(channel)
            return await stub.IssueApiKey(auth_pb2.IssueApiKeyRequest(username="acme"))

    gateway = await refused(issue(ServiceCredential("gateway", TOKENS["gateway"])))
    assert gateway.code() == grpc.StatusCode.PERMISSION_DENIED
    assert gateway.details() == "The gateway service may not call portal.auth.v1.BusinessAdminService."
    wrong = await refused(issue(ServiceCredential(ADMIN, TOKENS["gateway"])))
    assert wrong.code() == grpc.StatusCode.UNAUTHENTICATED
    assert served.admin.calls == 0

    assert (await issue(ServiceCredential(ADMIN, TOKENS[ADMIN]))).api_key == "key_issued"
    assert served.admin.calls == 1
    # ...and the admin credential opens nothing else.
    denied = await refused(get_plan(served, ServiceCredential(ADMIN, TOKENS[ADMIN])))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_the_client_attaches_its_credential_to_every_call(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default the process's own credential ($PORTAL_SERVICE_NAME and its token), with the bound tenant."""
    monkeypatch.setenv(SERVICE_NAME_ENV, "gateway")
    monkeypatch.setenv(token_env("gateway"), TOKENS["gateway"])
    async with grpc_client.channel(served.address) as channel:
        with bound(TENANT):
            for _ in range(2):
                await plans_pb2_grpc.PlanServiceStub(channel).GetPlan(plans_pb2.GetPlanRequest(id="p"))
    assert served.plans.calls == [TENANT, TENANT]

    monkeypatch.delenv(token_env("gateway"))
    assert own_credential() is None
    async with grpc_client.channel(served.address) as channel:
        error = await refused(plans_pb2_grpc.PlanServiceStub(channel).GetPlan(plans_pb2.GetPlanRequest(id="p")))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_health_answers_without_a_credential(served: Served) -> None:
    channel = grpc.aio.insecure_channel(served.address)
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    finally:
        await channel.close()
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def list_services(served: Served) -> set[str]:
    channel = grpc.aio.insecure_channel(served.address)
    try:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        responses = [r async for r in stub.ServerReflectionInfo(iter([request]), timeout=5)]
    finally:
        await channel.close()
    return {service.name for service in responses[0].list_services_response.service}


async def test_reflection_is_off_unless_enabled(served: Served) -> None:
    """Asked as a unary call, so the request is complete when the server answers: a bidi stream still sending when
    the UNIMPLEMENTED trailers arrive can be reset (INTERNAL) on a loaded machine."""
    channel = grpc.aio.insecure_channel(served.address)
    try:
        ask = channel.unary_unary(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        error = await refused(ask(reflection_pb2.ServerReflectionRequest(list_services=""), timeout=5))
    finally:
        await channel.close()
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize("served", [True], indirect=True)
async def test_reflection_when_enabled_lists_the_services(served: Served) -> None:
    assert "portal.subscriptions.v1.PlanService" in await list_services(served)


def test_interceptor_metadata_keys_are_the_ones_the_credential_sends() -> None:
    credential = ServiceCredential("gateway", "s3cr3t")
    assert dict(credential.metadata()) == {CALLER_METADATA_KEY: "gateway", TOKEN_METADATA_KEY: "s3cr3t"}
    assert "s3cr3t" not in repr(credential)


def test_each_component_gets_only_the_tokens_it_needs() -> None:
    tokens = generate_tokens()
    assert env_for("gateway", tokens) == {SERVICE_NAME_ENV: "gateway", token_env("gateway"): tokens["gateway"]}
    assert env_for("auth", tokens) == {
        SERVICE_NAME_ENV: "auth",
        token_env("auth"): tokens["auth"],  # auth calls billing
        token_env("gateway"): tokens["gateway"],
        ADMIN_TOKEN_ENV: tokens[ADMIN],
    }
    billing = env_for("billing", tokens)
    assert set(billing) == {SERVICE_NAME_ENV, *(token_env(c) for c in ("gateway", "auth", "mailer", "subscriptions"))}
    assert env_for("subscriptions", tokens) == {
        SERVICE_NAME_ENV: "subscriptions",
        token_env("subscriptions"): tokens["subscriptions"],  # subscriptions calls billing
        token_env("gateway"): tokens["gateway"],
        token_env("auth"): tokens["auth"],  # auth resolves Manage Subscription links
    }
    assert env_for("comments", tokens) == {SERVICE_NAME_ENV: "comments", token_env("gateway"): tokens["gateway"]}
    assert set(env_for("mailer", tokens)) == {SERVICE_NAME_ENV, token_env("mailer")}  # mailer calls billing


def test_outside_development_no_start_without_strong_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "staging")  # anything but development is strict
    for caller in ("gateway", "auth", "mailer", ADMIN):
        monkeypatch.delenv(token_env(caller), raising=False)
    with pytest.raises(SystemExit, match="PORTAL_SERVICE_TOKEN_GATEWAY must be set outside development"):
        ServiceTrust.from_env("comments")
    monkeypatch.setenv(token_env("gateway"), "short")
    with pytest.raises(SystemExit, match="at least 32 characters"):
        ServiceTrust.from_env("comments")
    monkeypatch.setenv(token_env("gateway"), "g" * 32)
    with pytest.raises(SystemExit, match="PORTAL_ADMIN_TOKEN must be set"):
        ServiceTrust.from_env("auth")
    monkeypatch.setenv(ADMIN_TOKEN_ENV, "a" * 32)
    assert ServiceTrust.from_env("auth").tokens == {"gateway": "g" * 32, ADMIN: "a" * 32}

    monkeypatch.setenv(SERVICE_NAME_ENV, "gateway")
    monkeypatch.delenv(token_env("gateway"))
    with pytest.raises(SystemExit, match="PORTAL_SERVICE_TOKEN_GATEWAY must be set outside development"):
        require_own_credential("gateway")
    monkeypatch.setenv(token_env("gateway"), "g" * 32)
    require_own_credential("gateway")
    require_own_credential("comments")  # calls nobody: needs no credential of its own


def test_development_starts_without_credentials_and_refuses_their_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv(token_env("gateway"), raising=False)
    trust = ServiceTrust.from_env("comments")
    assert trust.tokens == {}
    with pytest.raises(Refused, match=UNAUTHENTICATED_MESSAGE):
        trust.authenticate({CALLER_METADATA_KEY: "gateway", TOKEN_METADATA_KEY: ""}, "portal.comments.v1.X")
