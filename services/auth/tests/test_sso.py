from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

import grpc
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from portal.auth.v1 import auth_pb2 as pb
from portal_kit.context import bound
from portal_kit.timestamps import unix

from devtools.testing import RunningService
from services.auth.models import Business
from services.auth.tests.conftest import Clock
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.portal_steps import CLIENT, Tenant, new_tenant, sessions_stub, sign_in_stub

SSO_FAILED = "This sign-in link is invalid or has expired. Enter your email address to get a new one."
DAY = 24 * 3600


def sign(key: str, claims: dict[str, Any], header: dict[str, Any] | None = None, alg: str = "HS256") -> str:
    return jwt.encode(header or {"alg": alg}, claims, OctKey.import_key(key.encode()), algorithms=[alg])


def signed_garbage(key: str) -> str:
    """A well-signed HS256 token whose payload is not JSON."""

    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256"}).encode())
    signing_input = f"{header}.{part(b'not json')}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.fixture
async def tenant(portal: RunningService, billing: FakeBilling) -> Tenant:
    created = await new_tenant(portal)
    billing.customers.add(created.id, 1001, "alice@example.com")
    return created


async def redeem(service: RunningService, tenant: Tenant, token: str) -> pb.RedeemResponse:
    with bound(tenant.id):
        return await sign_in_stub(service).RedeemSsoToken(pb.RedeemSsoTokenRequest(token=token, client=CLIENT))


async def refused(service: RunningService, tenant: Tenant, token: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await redeem(service, tenant, token)
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert failure.value.details() == SSO_FAILED


@pytest.mark.parametrize("sub", [1001, "1001"])
async def test_a_valid_token_starts_a_full_session_for_that_customer(
    portal: RunningService, tenant: Tenant, clock: Clock, sub: int | str
) -> None:
    now = unix(clock())
    token = sign(tenant.sso_key, {"sub": sub, "iss": "Invoiced Ruby/3.0", "iat": now, "exp": now + 3600})
    redeemed = await redeem(portal, tenant, token)
    assert redeemed.session.kind == "full" and redeemed.session.email == ""
    assert list(redeemed.session.customer_ids) == [1001] and redeemed.session.customer_id == 1001
    with bound(tenant.id):
        recent = await sessions_stub(portal).ListRecentSignIns(
            pb.ListRecentSignInsRequest(session_token=redeemed.session_token)
        )
    assert [s.method for s in recent.sign_ins] == ["sso"]
    # No jti: like Invoiced's, the token can be used again until it expires.
    assert (await redeem(portal, tenant, token)).session_token != redeemed.session_token


async def test_every_kind_of_bad_token_is_refused_alike(
    portal: RunningService,
    tenant: Tenant,
    billing: FakeBilling,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    other = await new_tenant(portal)
    billing.customers.add(other.id, 2002, "bob@example.com")
    now = unix(clock())
    good = {"sub": 1001, "iat": now, "exp": now + 3600}
    bad_tokens = {
        "alg none": unsigned(good),
        "HS512": sign(tenant.sso_key, good, alg="HS512"),
        "wrong key": sign("k" * 63, good),
        "other business's key": sign(other.sso_key, good),
        "expired": sign(tenant.sso_key, {**good, "exp": now - 61}),
        "missing exp": sign(tenant.sso_key, {"sub": 1001, "iat": now}),
        "exp not a number": sign(tenant.sso_key, {**good, "exp": str(now + 3600)}),
        "other business's customer": sign(tenant.sso_key, {**good, "sub": 2002}),
        "unknown customer": sign(tenant.sso_key, {**good, "sub": 999}),
        "lifetime over 7 days": sign(tenant.sso_key, {**good, "exp": now + 7 * DAY + 1}),
        "lifetime over 7 days, no iat": sign(tenant.sso_key, {"sub": 1001, "exp": now + 7 * DAY + 120}),
        "old iat, far exp": sign(tenant.sso_key, {**good, "iat": now - DAY, "exp": now + 7 * DAY - 10}),
        "issued in the future": sign(tenant.sso_key, {**good, "iat": now + 3600, "exp": now + 7200}),
        "not yet valid": sign(tenant.sso_key, {**good, "nbf": now + 600}),
        "jku header": sign(tenant.sso_key, good, header={"alg": "HS256", "jku": "https://evil.example/jwks"}),
        "jwk header": sign(tenant.sso_key, good, header={"alg": "HS256", "jwk": {"kty": "oct", "k": "AAAA"}}),
        "x5u header": sign(tenant.sso_key, good, header={"alg": "HS256", "x5u": "https://evil.example/cert"}),
        "typ not JWT": sign(tenant.sso_key, good, header={"alg": "HS256", "typ": "JOSE"}),
        "no sub": sign(tenant.sso_key, {"iat": now, "exp": now + 3600}),
        "sub zero": sign(tenant.sso_key, {**good, "sub": 0}),
        "sub negative": sign(tenant.sso_key, {**good, "sub": -1001}),
        "sub text": sign(tenant.sso_key, {**good, "sub": "acme"}),
        "sub float": sign(tenant.sso_key, {**good, "sub": 1001.0}),
        "sub bool": sign(tenant.sso_key, {**good, "sub": True}),
        "iss not a string": sign(tenant.sso_key, {**good, "iss": ["billing-portal"]}),
        "iss bool": sign(tenant.sso_key, {**good, "iss": True}),
        "jti not a string": sign(tenant.sso_key, {**good, "jti": 7}),
        "jti too long": sign(tenant.sso_key, {**good, "jti": "j" * 201}),
        "garbage": "not.a.token",
        "signed, payload not JSON": signed_garbage(tenant.sso_key),
        "empty": "",
        "huge": "a" * 5000,
    }
    with caplog.at_level(logging.INFO, logger="services.auth"):
        for name, token in bad_tokens.items():
            try:
                await refused(portal, tenant, token)
            except AssertionError as failure:
                raise AssertionError(f"{name}: {failure}") from None
    reasons = {getattr(r, "reason", None) for r in caplog.records}
    assert {"algorithm", "signature", "expired", "missing_claim", "lifetime", "key_header", "subject"} <= reasons
    assert {"unknown_customer", "invalid_claim", "jti", "malformed", "type"} <= reasons
    logged = " ".join(str(r.__dict__) for r in caplog.records)
    assert bad_tokens["expired"] not in logged and bad_tokens["expired"].split(".")[2] not in logged

    # A small leeway for clock skew is allowed.
    assert await redeem(portal, tenant, sign(tenant.sso_key, {**good, "exp": now - 30}))


async def test_a_jti_is_accepted_once_even_in_parallel(
    portal: RunningService, tenant: Tenant, billing: FakeBilling, clock: Clock
) -> None:
    now = unix(clock())
    token = sign(tenant.sso_key, {"sub": "1001", "iat": now, "exp": now + 600, "jti": "abc-123"})
    await redeem(portal, tenant, token)
    await refused(portal, tenant, token)
    racing = sign(tenant.sso_key, {"sub": "1001", "iat": now, "exp": now + 600, "jti": "race"})
    results = await asyncio.gather(*(redeem(portal, tenant, racing) for _ in range(3)), return_exceptions=True)
    assert sum(isinstance(r, pb.RedeemResponse) for r in results) == 1, results
    # The same jti in another business is another token: used jtis are kept per business.
    other = await new_tenant(portal)
    billing.customers.add(other.id, 1001, "alice@other.example")
    same_jti_elsewhere = sign(other.sso_key, {"sub": 1001, "iat": now, "exp": now + 600, "jti": "abc-123"})
    redeemed = await redeem(portal, other, same_jti_elsewhere)
    assert list(redeemed.session.customer_ids) == [1001]
    await refused(portal, other, same_jti_elsewhere)


async def test_issued_tokens_work_once_and_rotation_kills_old_ones(
    portal: RunningService, tenant: Tenant, clock: Clock
) -> None:
    stub = sign_in_stub(portal)
    with bound(tenant.id):
        issued = await stub.IssueSsoToken(pb.IssueSsoTokenRequest(customer_id=1001))
        assert issued.expires_at == unix(clock()) + 3600
        header = json.loads(base64.urlsafe_b64decode(issued.token.split(".")[0] + "=="))
        assert header == {"typ": "JWT", "alg": "HS256"}
        claims = jwt.decode(issued.token, OctKey.import_key(tenant.sso_key.encode()), algorithms=["HS256"]).claims
        assert claims["sub"] == 1001 and claims["iss"] == "billing-portal" and len(claims["jti"]) == 32
        assert claims["exp"] - claims["iat"] == 3600
        second = await stub.IssueSsoToken(pb.IssueSsoTokenRequest(customer_id=1001, ttl_seconds=7 * DAY))
        assert second.expires_at == unix(clock()) + 7 * DAY
    assert (await redeem(portal, tenant, issued.token)).session.customer_id == 1001
    await refused(portal, tenant, issued.token)

    with bound(tenant.id):
        rotated = await stub.RotateSsoKey(pb.RotateSsoKeyRequest())
    assert rotated.sso_key != tenant.sso_key and len(rotated.sso_key) == 63 and rotated.sso_key.isalnum()
    await refused(portal, tenant, second.token)
    now = unix(clock())
    await redeem(portal, tenant, sign(rotated.sso_key, {"sub": 1001, "exp": now + 60}))


async def test_issuing_checks_the_ttl_and_the_customer(portal: RunningService, tenant: Tenant) -> None:
    stub = sign_in_stub(portal)
    with bound(tenant.id):
        for ttl in (59, -5, 7 * DAY + 1):
            with pytest.raises(grpc.aio.AioRpcError) as bad_ttl:
                await stub.IssueSsoToken(pb.IssueSsoTokenRequest(customer_id=1001, ttl_seconds=ttl))
            assert bad_ttl.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert dict(bad_ttl.value.trailing_metadata() or ())["x-portal-param"] == "ttl"
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await stub.IssueSsoToken(pb.IssueSsoTokenRequest(customer_id=999))
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
        assert unknown.value.details() == "No such customer"


async def test_a_short_business_key_is_never_trusted(portal: RunningService, tenant: Tenant, clock: Clock) -> None:
    short_key = "s" * 31
    async with portal.db.unit_of_work() as session:
        business = await session.get(Business, tenant.id)
        assert business is not None
        business.sso_key = short_key
        session.add(business)
    now = unix(clock())
    await refused(portal, tenant, sign(short_key, {"sub": 1001, "exp": now + 60}))
    with bound(tenant.id), pytest.raises(grpc.aio.AioRpcError) as issuing:
        await sign_in_stub(portal).IssueSsoToken(pb.IssueSsoTokenRequest(customer_id=1001))
    assert issuing.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def sized(key: str, claims: dict[str, Any], length: int) -> str:
    """A token of exactly `length` characters: padded with a claim, the header's kid shifting the rest."""
    for kid in ("k", "kk", "kkk"):
        for pad in range(length):
            token = sign(key, {**claims, "pad": "p" * pad}, header={"alg": "HS256", "kid": kid})
            if len(token) == length:
                return token
            if len(token) > length:
                break
    raise AssertionError(f"no token of {length} characters")


def reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.reason for r in caplog.records if hasattr(r, "reason")]


async def test_every_limit_holds_on_its_boundary_and_not_past_it(
    portal: RunningService, tenant: Tenant, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    now = unix(clock())
    good = {"sub": 1001, "iat": now, "exp": now + 600}
    # Tokens up to 4096 characters are read; longer ones are not even parsed.
    assert await redeem(portal, tenant, sized(tenant.sso_key, good, 4096))
    with caplog.at_level(logging.INFO, logger="services.auth"):
        await refused(portal, tenant, sized(tenant.sso_key, good, 4097))
    assert reasons(caplog) == ["malformed"]
    caplog.clear()

    # 60 seconds of leeway for clock skew: a token that expired 59 s ago still works, 60 s ago it does not.
    assert await redeem(portal, tenant, sign(tenant.sso_key, {"sub": 1001, "iat": now - 600, "exp": now - 59}))
    await refused(portal, tenant, sign(tenant.sso_key, {"sub": 1001, "iat": now - 600, "exp": now - 60}))

    # A lifetime of exactly 7 days is allowed (7 days and a second is not: see the bad tokens above).
    assert await redeem(portal, tenant, sign(tenant.sso_key, {"sub": 1001, "iat": now, "exp": now + 7 * DAY}))

    # A jti is 1 to 200 characters.
    for jti in ("j", "j" * 200):
        assert await redeem(portal, tenant, sign(tenant.sso_key, {**good, "jti": jti}))
    await refused(portal, tenant, sign(tenant.sso_key, {**good, "jti": ""}))

    caplog.clear()
    # Customer ids from 1 to 2**63 - 1 (a signed 64-bit integer) are ids, whether or not they are customers.
    with caplog.at_level(logging.INFO, logger="services.auth"):
        for sub in (1, 2**63 - 1, str(2**63 - 1), 0, 2**63, str(2**63)):
            await refused(portal, tenant, sign(tenant.sso_key, {**good, "sub": sub}))
    assert reasons(caplog) == ["unknown_customer"] * 3 + ["subject"] * 3


async def test_a_key_of_32_bytes_is_long_enough(portal: RunningService, tenant: Tenant, clock: Clock) -> None:
    key = "k" * 32
    async with portal.db.unit_of_work() as session:
        business = await session.get(Business, tenant.id)
        assert business is not None
        business.sso_key = key
        session.add(business)
    now = unix(clock())
    assert (await redeem(portal, tenant, sign(key, {"sub": 1001, "exp": now + 60}))).session.customer_id == 1001
    with bound(tenant.id):
        issued = await sign_in_stub(portal).IssueSsoToken(pb.IssueSsoTokenRequest(customer_id=1001, ttl_seconds=60))
    assert issued.expires_at == now + 60  # the shortest lifetime allowed
    assert (await redeem(portal, tenant, issued.token)).session.customer_id == 1001


async def test_a_used_jti_is_remembered_while_its_token_could_still_be_accepted(
    portal: RunningService, tenant: Tenant, clock: Clock
) -> None:
    """A token that expires in 30 s is accepted for 90 s more (the leeway); its jti must be kept that long."""
    now = unix(clock())
    token = sign(tenant.sso_key, {"sub": 1001, "iat": now, "exp": now + 30, "jti": "short-lived"})
    await redeem(portal, tenant, token)
    clock.advance(timedelta(seconds=80))  # expired 50 s ago: within the leeway, so only the jti refuses it
    await refused(portal, tenant, token)
    other = sign(tenant.sso_key, {"sub": 1001, "iat": now, "exp": now + 30, "jti": "other-short-lived"})
    assert await redeem(portal, tenant, other)  # the token itself is still accepted
