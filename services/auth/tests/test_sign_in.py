from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal_kit.context import bound
from sqlmodel import select

from devtools.testing import RunningService
from services.auth.models import Business, PortalSession
from services.auth.tests.conftest import Clock
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.portal_steps import (
    Mailbox,
    Tenant,
    get_session,
    new_tenant,
    redeem_code,
    redeem_link,
    sign_in_stub,
)

LINK_FAILED = "This sign-in link is invalid or has expired."
CODE_FAILED = "That code is not valid. Check the email or ask for a new link."
State = pb.InspectSignInLinkResponse.State


@pytest.fixture
async def tenant(portal: RunningService, billing: FakeBilling) -> Tenant:
    created = await new_tenant(portal)
    billing.customers.add(created.id, 1001, "alice@example.com")
    billing.customers.add(created.id, 1003, "shared@example.com")
    billing.customers.add(created.id, 1002, "shared@example.com")
    return created


async def inspect(service: RunningService, tenant: Tenant, token: str) -> pb.InspectSignInLinkResponse:
    with bound(tenant.id):
        return await sign_in_stub(service).InspectSignInLink(pb.InspectSignInLinkRequest(token=token))


async def refused(call: object, code: grpc.StatusCode = grpc.StatusCode.UNAUTHENTICATED) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call  # type: ignore[misc]  # any pending gRPC call
    assert failure.value.code() == code
    return failure.value.details() or ""


async def session_count(service: RunningService) -> int:
    async with service.db.unit_of_work() as session:
        return len((await session.exec(select(PortalSession))).all())


async def test_a_link_signs_in_once_and_inspecting_it_changes_nothing(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com", return_to="/account/invoices/7")
    for _ in range(2):
        assert await inspect(portal, tenant, emailed.token) == pb.InspectSignInLinkResponse(
            state=State.STATE_VALID, email="alice@example.com"
        )
    assert (await inspect(portal, tenant, "nonsense")).state == State.STATE_UNKNOWN
    assert (await inspect(portal, tenant, "x" * 5000)).state == State.STATE_UNKNOWN
    other = await new_tenant(portal)
    assert (await inspect(portal, other, emailed.token)).state == State.STATE_UNKNOWN

    redeemed = await redeem_link(portal, tenant, emailed.token)
    assert redeemed.return_to == "/account/invoices/7"
    assert redeemed.session.kind == "full" and redeemed.session.scope == "account"
    assert redeemed.session.email == "alice@example.com"
    assert list(redeemed.session.customer_ids) == [1001] and redeemed.session.customer_id == 1001
    assert len(redeemed.session_token) >= 43 and len(redeemed.session.id) == 32
    assert (await get_session(portal, tenant, redeemed.session_token)).id == redeemed.session.id

    assert await inspect(portal, tenant, emailed.token) == pb.InspectSignInLinkResponse(
        state=State.STATE_EXPIRED, email="alice@example.com"
    )
    assert await refused(redeem_link(portal, tenant, emailed.token)) == LINK_FAILED
    assert await refused(redeem_code(portal, tenant, emailed.attempt_id, emailed.code)) == CODE_FAILED
    assert await refused(redeem_link(portal, other, emailed.token)) == LINK_FAILED
    assert await refused(redeem_link(portal, tenant, "")) == LINK_FAILED


async def test_one_address_of_several_customers_may_act_for_all_of_them(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    emailed = await mailbox.sign_in_email(tenant, "shared@example.com")
    redeemed = await redeem_link(portal, tenant, emailed.token)
    assert list(redeemed.session.customer_ids) == [1002, 1003]
    assert redeemed.session.customer_id == 1002
    assert redeemed.return_to == ""


async def test_a_link_expires_after_fifteen_minutes(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    first = await mailbox.sign_in_email(tenant, "alice@example.com")
    clock.advance(timedelta(minutes=14, seconds=59))
    assert (await inspect(portal, tenant, first.token)).state == State.STATE_VALID
    second = await mailbox.sign_in_email(tenant, "shared@example.com")
    clock.advance(timedelta(minutes=16))
    assert (await inspect(portal, tenant, first.token)).state == State.STATE_EXPIRED
    assert await refused(redeem_link(portal, tenant, second.token)) == LINK_FAILED
    assert await refused(redeem_code(portal, tenant, second.attempt_id, second.code)) == CODE_FAILED


async def test_a_newer_request_replaces_older_links_and_codes(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    older = await mailbox.sign_in_email(tenant, "alice@example.com")
    other_person = await mailbox.sign_in_email(tenant, "shared@example.com")
    newer = await mailbox.sign_in_email(tenant, "alice@example.com")
    assert (await inspect(portal, tenant, older.token)).state == State.STATE_EXPIRED
    assert (await inspect(portal, tenant, other_person.token)).state == State.STATE_VALID
    assert await refused(redeem_link(portal, tenant, older.token)) == LINK_FAILED
    assert await refused(redeem_code(portal, tenant, older.attempt_id, older.code)) == CODE_FAILED
    assert (await redeem_code(portal, tenant, newer.attempt_id, newer.code)).session.email == "alice@example.com"
    assert (await redeem_link(portal, tenant, other_person.token)).session.customer_ids == [1002, 1003]


async def test_a_person_no_longer_a_customer_cannot_redeem(
    portal: RunningService, tenant: Tenant, billing: FakeBilling, mailbox: Mailbox
) -> None:
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    billing.customers.remove(tenant.id, 1001)
    assert await refused(redeem_link(portal, tenant, emailed.token)) == LINK_FAILED
    assert await session_count(portal) == 0


async def test_a_disabled_business_signs_nobody_in(portal: RunningService, tenant: Tenant, mailbox: Mailbox) -> None:
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    async with portal.db.unit_of_work() as session:
        business = await session.get(Business, tenant.id)
        assert business is not None
        business.disabled = True
        session.add(business)
    assert await refused(redeem_link(portal, tenant, emailed.token)) == LINK_FAILED
    assert await refused(redeem_code(portal, tenant, emailed.attempt_id, emailed.code)) == CODE_FAILED
    before = len(await mailbox.emails())
    await mailbox.request(tenant, "alice@example.com")
    assert len(await mailbox.emails()) == before


async def test_the_right_code_signs_in_once(portal: RunningService, tenant: Tenant, mailbox: Mailbox) -> None:
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com", return_to="/account")
    redeemed = await redeem_code(portal, tenant, emailed.attempt_id, f" {emailed.code[:3]} {emailed.code[3:]} ")
    assert redeemed.session.email == "alice@example.com" and redeemed.return_to == "/account"
    assert await refused(redeem_code(portal, tenant, emailed.attempt_id, emailed.code)) == CODE_FAILED
    assert await refused(redeem_link(portal, tenant, emailed.token)) == LINK_FAILED
    assert await refused(redeem_code(portal, tenant, "unknown-attempt-id-0000", emailed.code)) == CODE_FAILED
    other = await new_tenant(portal)
    assert await refused(redeem_code(portal, other, emailed.attempt_id, emailed.code)) == CODE_FAILED


async def test_five_wrong_codes_kill_the_code(portal: RunningService, tenant: Tenant, mailbox: Mailbox) -> None:
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    wrong = f"{(int(emailed.code) + 1) % 10**6:06d}"
    for guess in (wrong, wrong, "abcdef", "12345", wrong):
        assert await refused(redeem_code(portal, tenant, emailed.attempt_id, guess)) == CODE_FAILED
    assert await refused(redeem_code(portal, tenant, emailed.attempt_id, emailed.code)) == CODE_FAILED
    # The link of the same email still works: the attempt limit is on the code.
    assert (await redeem_link(portal, tenant, emailed.token)).session.email == "alice@example.com"


async def test_four_wrong_codes_then_the_right_one_signs_in(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    wrong = f"{(int(emailed.code) + 1) % 10**6:06d}"
    for _ in range(4):
        await refused(redeem_code(portal, tenant, emailed.attempt_id, wrong))
    assert (await redeem_code(portal, tenant, emailed.attempt_id, emailed.code)).session.customer_id == 1001


async def test_parallel_guesses_cannot_exceed_five_attempts(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    wrong = [f"{(int(emailed.code) + n) % 10**6:06d}" for n in range(1, 11)]
    results = await asyncio.gather(
        *(redeem_code(portal, tenant, emailed.attempt_id, g) for g in wrong), return_exceptions=True
    )
    assert all(isinstance(r, grpc.aio.AioRpcError) and r.code() == grpc.StatusCode.UNAUTHENTICATED for r in results)
    assert await refused(redeem_code(portal, tenant, emailed.attempt_id, emailed.code)) == CODE_FAILED


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_concurrent_redeems_of_one_link_give_exactly_one_session(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    for round_ in range(3):
        emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
        results = await asyncio.gather(
            redeem_link(portal, tenant, emailed.token),
            redeem_link(portal, tenant, emailed.token),
            return_exceptions=True,
        )
        wins = [r for r in results if isinstance(r, pb.RedeemResponse)]
        losses = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert losses[0].code() == grpc.StatusCode.UNAUTHENTICATED and losses[0].details() == LINK_FAILED
        assert await session_count(portal) == round_ + 1
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    results = await asyncio.gather(
        redeem_link(portal, tenant, emailed.token),
        redeem_code(portal, tenant, emailed.attempt_id, emailed.code),
        return_exceptions=True,
    )
    assert sum(isinstance(r, pb.RedeemResponse) for r in results) == 1, results
    assert await session_count(portal) == 4


async def test_one_browser_asking_twice_can_use_only_the_newest_code(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    """The gateway derives the attempt id from the browser's pre-session, so one attempt id may ask twice,
    even for two addresses: the newer request replaces the older one, so the code form has one code to check."""
    attempt_id = "b" * 32
    first = await mailbox.sign_in_email(tenant, "alice@example.com", attempt_id=attempt_id)
    second = await mailbox.sign_in_email(tenant, "shared@example.com", attempt_id=attempt_id)
    assert first.attempt_id == second.attempt_id == attempt_id
    assert (await inspect(portal, tenant, first.token)).state == State.STATE_EXPIRED
    if first.code != second.code:
        assert await refused(redeem_code(portal, tenant, attempt_id, first.code)) == CODE_FAILED
    assert (await redeem_code(portal, tenant, attempt_id, second.code)).session.email == "shared@example.com"
