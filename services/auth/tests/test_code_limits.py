"""Code spraying: failed sign-in codes are capped per business and overall per window; links keep working."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import grpc
import pytest

from devtools.testing import RunningService
from services.auth.code_limits import CODES_PAUSED, CodeLimits
from services.auth.tests.conftest import Clock
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.portal_steps import Mailbox, Tenant, new_tenant, redeem_code, redeem_link

CODE_FAILED = "That code is not valid. Check the email or ask for a new link."
LIMITS = CodeLimits()  # the production caps, pinned here from both sides


async def outcome(service: RunningService, tenant: Tenant, attempt_id: str, code: str) -> str:
    """ "signed in", or the refusal's message."""
    try:
        await redeem_code(service, tenant, attempt_id, code)
    except grpc.aio.AioRpcError as refused:
        assert refused.code() == grpc.StatusCode.UNAUTHENTICATED
        return refused.details() or ""
    return "signed in"


async def spray(service: RunningService, tenant: Tenant, guesses: int) -> list[str]:
    """Wrong codes, as a sprayer sends them (made-up attempts count as failures too)."""
    return [await outcome(service, tenant, f"sprayed-{n:04d}", "123456") for n in range(guesses)]


async def customer_tenant(service: RunningService, billing: FakeBilling) -> Tenant:
    tenant = await new_tenant(service)
    billing.customers.add(tenant.id, 1001, "alice@example.com")
    return tenant


async def test_the_cap_per_business_from_both_sides(
    portal: RunningService, billing: FakeBilling, mailbox: Mailbox, clock: Clock
) -> None:
    tenant = await customer_tenant(portal, billing)
    assert await spray(portal, tenant, LIMITS.per_business - 1) == [CODE_FAILED] * (LIMITS.per_business - 1)

    # Attempt N is still checked: the right code signs in, and a success is not a failure.
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    assert await outcome(portal, tenant, emailed.attempt_id, emailed.code) == "signed in"
    assert await spray(portal, tenant, 1) == [CODE_FAILED]  # the N-th failure, checked

    # Attempt N+1 is refused unchecked, even with the right code; the link of the same email still works.
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    assert await outcome(portal, tenant, emailed.attempt_id, emailed.code) == CODES_PAUSED
    assert await spray(portal, tenant, 3) == [CODES_PAUSED] * 3
    assert (await redeem_link(portal, tenant, emailed.token)).session.customer_id == 1001

    # Another business is not affected.
    other = await customer_tenant(portal, billing)
    theirs = await mailbox.sign_in_email(other, "alice@example.com")
    assert await outcome(portal, other, theirs.attempt_id, theirs.code) == "signed in"

    # Refused attempts were not counted: once the failures leave the window, codes work again.
    clock.advance(LIMITS.window + timedelta(seconds=1))
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    assert await outcome(portal, tenant, emailed.attempt_id, emailed.code) == "signed in"


async def test_the_overall_cap_from_both_sides(portal: RunningService, billing: FakeBilling, mailbox: Mailbox) -> None:
    per_business = LIMITS.per_business
    sprayed = [await customer_tenant(portal, billing) for _ in range(LIMITS.overall // per_business)]
    for tenant in sprayed[:-1]:
        assert set(await spray(portal, tenant, per_business)) == {CODE_FAILED}
    assert set(await spray(portal, sprayed[-1], per_business - 1)) == {CODE_FAILED}

    # A quiet business: its first attempt is overall attempt N, still checked...
    quiet = await customer_tenant(portal, billing)
    emailed = await mailbox.sign_in_email(quiet, "alice@example.com")
    assert await outcome(portal, quiet, emailed.attempt_id, "000000") == CODE_FAILED
    # ...and N+1 is refused everywhere, the right code included. Its link works.
    assert await outcome(portal, quiet, emailed.attempt_id, emailed.code) == CODES_PAUSED
    assert await spray(portal, sprayed[0], 1) == [CODES_PAUSED]
    assert (await redeem_link(portal, quiet, emailed.token)).session.customer_id == 1001


async def test_parallel_guesses_never_get_past_the_cap(portal: RunningService, billing: FakeBilling) -> None:
    tenant = await customer_tenant(portal, billing)
    await spray(portal, tenant, LIMITS.per_business - 2)
    guesses = [outcome(portal, tenant, f"parallel-{n}", "123456") for n in range(8)]
    answers = await asyncio.gather(*guesses)
    assert set(answers) <= {CODE_FAILED, CODES_PAUSED}
    checked = answers.count(CODE_FAILED)
    # Only the two attempts left under the cap can be checked. Racing attempts may all be refused (each is recorded
    # before counting), and refused ones are forgotten: what is left under the cap still works one at a time.
    assert checked <= 2
    for n in range(2 - checked):
        assert await outcome(portal, tenant, f"serial-{n}", "123456") == CODE_FAILED
    assert await outcome(portal, tenant, "serial-last", "123456") == CODES_PAUSED


async def test_the_pause_is_logged_without_codes_or_addresses(
    portal: RunningService, billing: FakeBilling, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    tenant = await customer_tenant(portal, billing)
    await spray(portal, tenant, LIMITS.per_business)
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    with caplog.at_level(logging.INFO, logger="services.auth"):
        for _ in range(3):
            assert await outcome(portal, tenant, emailed.attempt_id, emailed.code) == CODES_PAUSED
    paused = [r for r in caplog.records if r.getMessage() == "sign-in codes paused"]
    assert len(paused) == 1  # one line a minute per business, not one per attempt
    record = paused[0].__dict__
    assert record["tenant_id"] == tenant.id and record["scope"] == "business"
    assert record["failed_in_business"] == LIMITS.per_business
    everything = " ".join(str(value) for r in caplog.records for value in r.__dict__.values())
    assert emailed.code not in everything and "alice@example.com" not in everything
