from __future__ import annotations

from datetime import datetime, timedelta

import grpc
import pytest
from portal_kit.replays import IdempotentReply
from sqlmodel import func, select

from devtools.testing import RunningService
from services.auth.models import PortalSession, SessionCustomer, SignInCodeAttempt, SignInRequest
from services.auth.retention import purge
from services.auth.tests.conftest import Clock
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.portal_steps import Mailbox, Tenant, get_session, new_tenant, redeem_code, redeem_link


async def count(service: RunningService, model: type) -> int:
    async with service.db.unit_of_work() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def keyed_request(service: RunningService, tenant: Tenant, key: str, at: datetime) -> None:
    async with service.db.unit_of_work() as session:
        session.add(
            IdempotentReply(tenant_id=tenant.id, key=key, rpc="/x.Y/Z", fingerprint="f" * 64, reply=b"", created_at=at)
        )


async def test_old_sign_in_requests_and_long_dead_sessions_are_purged(
    portal: RunningService, billing: FakeBilling, mailbox: Mailbox, clock: Clock
) -> None:
    tenant: Tenant = await new_tenant(portal)
    billing.customers.add(tenant.id, 1001, "alice@example.com")
    old = await redeem_link(portal, tenant, (await mailbox.sign_in_email(tenant, "alice@example.com")).token)
    await keyed_request(portal, tenant, "old-key", clock())
    clock.advance(timedelta(days=40))
    fresh = await redeem_link(portal, tenant, (await mailbox.sign_in_email(tenant, "alice@example.com")).token)
    await keyed_request(portal, tenant, "fresh-key", clock() - timedelta(hours=23))
    assert await count(portal, PortalSession) == 2
    assert await count(portal, IdempotentReply) == 2

    async with portal.db.unit_of_work() as session:
        counts = await purge(session, clock())
    assert counts["sessions"] == 1 and counts["session_customers"] == 1 and counts["sign_in_requests"] == 1
    assert counts["idempotent_replies"] == 1
    async with portal.db.unit_of_work() as session:
        assert [r.key for r in (await session.exec(select(IdempotentReply))).all()] == ["fresh-key"]
    assert await count(portal, PortalSession) == 1
    assert await count(portal, SessionCustomer) == 1
    assert await count(portal, SignInRequest) == 1
    assert (await get_session(portal, tenant, fresh.session_token)).id == fresh.session.id
    assert old.session.id != fresh.session.id


async def test_code_attempts_older_than_a_day_are_purged(portal: RunningService, clock: Clock) -> None:
    tenant: Tenant = await new_tenant(portal)
    await redeem_code_quietly(portal, tenant)  # a failed attempt, counted for the code caps
    clock.advance(timedelta(hours=23))
    await redeem_code_quietly(portal, tenant)
    assert await count(portal, SignInCodeAttempt) == 2

    clock.advance(timedelta(hours=2))
    async with portal.db.unit_of_work() as session:
        counts = await purge(session, clock())
    assert counts["sign_in_code_attempts"] == 1
    assert await count(portal, SignInCodeAttempt) == 1


async def redeem_code_quietly(service: RunningService, tenant: Tenant) -> None:
    with pytest.raises(grpc.aio.AioRpcError):
        await redeem_code(service, tenant, "no-such-attempt", "123456")
