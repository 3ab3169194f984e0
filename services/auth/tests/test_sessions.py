from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal_kit.context import bound
from portal_kit.timestamps import unix
from sqlalchemy import event, inspect, text

from devtools.testing import RunningService
from services.auth.models import Business
from services.auth.tests.conftest import Clock
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.portal_steps import (
    CLIENT,
    Mailbox,
    Tenant,
    get_session,
    new_tenant,
    redeem_code,
    redeem_link,
    sessions_stub,
    settings_stub,
    sign_in_stub,
)

SESSION_ENDED = "Your session has ended. Sign in again."


@pytest.fixture
async def tenant(portal: RunningService, billing: FakeBilling) -> Tenant:
    created = await new_tenant(portal)
    billing.customers.add(created.id, 1001, "alice@example.com")
    billing.customers.add(created.id, 1002, "shared@example.com")
    billing.customers.add(created.id, 1003, "shared@example.com")
    return created


async def sign_in(service: RunningService, tenant: Tenant, mailbox: Mailbox, email: str) -> pb.RedeemResponse:
    emailed = await mailbox.sign_in_email(tenant, email)
    return await redeem_link(service, tenant, emailed.token)


async def sso_sign_in(service: RunningService, tenant: Tenant, customer_id: int) -> pb.RedeemResponse:
    with bound(tenant.id):
        issued = await sign_in_stub(service).IssueSsoToken(pb.IssueSsoTokenRequest(customer_id=customer_id))
        return await sign_in_stub(service).RedeemSsoToken(pb.RedeemSsoTokenRequest(token=issued.token, client=CLIENT))


async def temporary(
    service: RunningService, tenant: Tenant, customer_id: int = 1001, document_type: str = "invoice"
) -> pb.StartTemporarySessionResponse:
    with bound(tenant.id):
        return await sessions_stub(service).StartTemporarySession(
            pb.StartTemporarySessionRequest(
                customer_id=customer_id, document_type=document_type, document_id=555, client=CLIENT
            )
        )


async def ended(service: RunningService, tenant: Tenant, token: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await get_session(service, tenant, token)
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert failure.value.details() == SESSION_ENDED


async def update_settings(service: RunningService, tenant: Tenant, **changes: object) -> None:
    with bound(tenant.id):
        await settings_stub(service).UpdatePortalSettings(
            pb.UpdatePortalSettingsRequest(changes=pb.PortalSettingsChanges(**changes))  # type: ignore[arg-type]  # test values of mixed types
        )


async def test_idle_timeout_ends_a_session_and_activity_extends_it(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    active = await sign_in(portal, tenant, mailbox, "alice@example.com")
    idle = await sign_in(portal, tenant, mailbox, "shared@example.com")
    assert active.session.expires_at == unix(clock()) + 30 * 60
    for _ in range(3):
        clock.advance(timedelta(minutes=20))
        session = await get_session(portal, tenant, active.session_token)
        assert session.expires_at == unix(clock()) + 30 * 60
    await ended(portal, tenant, idle.session_token)
    clock.advance(timedelta(minutes=30))
    assert await get_session(portal, tenant, active.session_token)  # exactly 30 minutes idle: still valid
    clock.advance(timedelta(minutes=30, seconds=1))
    await ended(portal, tenant, active.session_token)


async def test_reading_a_session_records_activity_at_most_once_a_minute(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    redeemed = await sign_in(portal, tenant, mailbox, "alice@example.com")
    signed_in = unix(clock())
    clock.advance(timedelta(seconds=59))
    session = await get_session(portal, tenant, redeemed.session_token)
    assert session.expires_at == signed_in + 30 * 60  # read, not written: the activity recorded is the sign-in
    clock.advance(timedelta(seconds=1))
    session = await get_session(portal, tenant, redeemed.session_token)
    assert session.expires_at == unix(clock()) + 30 * 60  # a minute on: written
    clock.advance(timedelta(minutes=29, seconds=59))
    session = await get_session(portal, tenant, redeemed.session_token)
    assert session.expires_at == unix(clock()) + 30 * 60


async def record_activity(service: RunningService, tenant_id: str, *activity: tuple[str, int]) -> int:
    request = pb.RecordActivityRequest(activity=[pb.SessionActivity(session_id=s, at=at) for s, at in activity])
    with bound(tenant_id):
        return (await sessions_stub(service).RecordActivity(request)).recorded


async def test_a_session_tells_a_gateway_its_timeouts(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    redeemed = await sign_in(portal, tenant, mailbox, "alice@example.com")
    session = redeemed.session
    assert (session.last_seen_at, session.idle_timeout_seconds) == (unix(clock()), 30 * 60)
    assert session.absolute_expires_at == unix(clock()) + 12 * 3600


async def test_activity_reported_by_a_gateway_extends_the_idle_timeout(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock, billing: FakeBilling
) -> None:
    active = await sign_in(portal, tenant, mailbox, "alice@example.com")
    quiet = await sign_in(portal, tenant, mailbox, "shared@example.com")
    other = await new_tenant(portal)
    billing.customers.add(other.id, 2001, "bob@example.com")
    theirs = await sign_in(portal, other, mailbox, "bob@example.com")
    clock.advance(timedelta(minutes=25))
    seen = unix(clock())
    future = seen + 3600  # counts as now
    assert await record_activity(portal, tenant.id, (active.session.id, seen), (active.session.id, future)) == 1
    assert await record_activity(portal, tenant.id, (theirs.session.id, seen), ("no-such-session", seen)) == 0
    clock.advance(timedelta(minutes=20))  # 45 minutes after sign-in, 20 after the reported activity
    assert await get_session(portal, tenant, active.session_token)  # alive only through the reported activity
    await ended(portal, tenant, quiet.session_token)
    assert await record_activity(portal, tenant.id, (quiet.session.id, unix(clock()))) == 0  # too late: stays ended
    await ended(portal, tenant, quiet.session_token)
    await ended(portal, other, theirs.session_token)  # another business's session was not touched
    with pytest.raises(grpc.aio.AioRpcError) as too_many:
        await record_activity(portal, tenant.id, *[(f"s{i}", seen) for i in range(1001)])
    assert too_many.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_one_report_records_many_sessions_with_one_statement(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    """A gateway reports the activity of all its busy sessions at once: one UPDATE executed for all of them (one
    round trip), and each session keeps its own time."""
    signed_in = [await sign_in(portal, tenant, mailbox, email) for email in ("alice@example.com", "shared@example.com")]
    clock.advance(timedelta(minutes=25))
    seen = unix(clock())
    updates: list[tuple[str, bool]] = []
    listener = portal.db.engine.sync_engine

    def collect(conn: object, cursor: object, statement: str, parameters: object, context: object, many: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append((statement, many))

    event.listen(listener, "before_cursor_execute", collect)
    try:
        activity = [(s.session.id, seen - 60 * i) for i, s in enumerate(signed_in)]
        assert await record_activity(portal, tenant.id, *activity) == 2
    finally:
        event.remove(listener, "before_cursor_execute", collect)
    assert [many for _, many in updates] == [True]
    clock.advance(timedelta(minutes=29, seconds=30))  # 54.5 minutes after sign-in: alive through the report alone
    assert await get_session(portal, tenant, signed_in[0].session_token)
    await ended(portal, tenant, signed_in[1].session_token)  # its reported time was a minute earlier: just ended


async def test_absolute_timeout_ends_even_an_active_session(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    redeemed = await sign_in(portal, tenant, mailbox, "alice@example.com")
    created = unix(clock())
    for _ in range(36):  # active every 20 minutes, up to exactly 12 hours
        clock.advance(timedelta(minutes=20))
        session = await get_session(portal, tenant, redeemed.session_token)
    assert unix(clock()) - created == 12 * 3600
    assert session.expires_at == created + 12 * 3600  # the absolute expiry comes before the idle one now
    clock.advance(timedelta(seconds=1))
    await ended(portal, tenant, redeemed.session_token)


async def test_business_timeouts_apply_and_tightening_them_applies_at_once(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    before = await sign_in(portal, tenant, mailbox, "shared@example.com")
    await update_settings(portal, tenant, idle_timeout_minutes=5, absolute_timeout_hours=1)
    redeemed = await sign_in(portal, tenant, mailbox, "alice@example.com")
    assert redeemed.session.expires_at == unix(clock()) + 5 * 60
    clock.advance(timedelta(minutes=6))
    await ended(portal, tenant, before.session_token)
    await ended(portal, tenant, redeemed.session_token)

    again = await sign_in(portal, tenant, mailbox, "alice@example.com")
    for _ in range(15):
        clock.advance(timedelta(minutes=4))
        await get_session(portal, tenant, again.session_token)
    clock.advance(timedelta(minutes=4))
    await ended(portal, tenant, again.session_token)

    # Loosening applies to new sessions only.
    short = await sign_in(portal, tenant, mailbox, "alice@example.com")
    await update_settings(portal, tenant, idle_timeout_minutes=240)
    clock.advance(timedelta(minutes=6))
    await ended(portal, tenant, short.session_token)


async def test_temporary_sessions_last_an_hour_at_most_and_keep_their_document(
    portal: RunningService, tenant: Tenant, clock: Clock
) -> None:
    started = await temporary(portal, tenant)
    session = started.session
    assert (session.kind, session.scope, session.email) == ("temporary", "account", "")
    assert list(session.customer_ids) == [1001] and session.customer_id == 1001
    assert (session.document_type, session.document_id) == ("invoice", 555)
    assert session.expires_at == unix(clock()) + 30 * 60
    for minutes in (20, 20, 19):
        clock.advance(timedelta(minutes=minutes))
        session = await get_session(portal, tenant, started.session_token)
        assert session.expires_at <= session.created_at + 3600
    assert session.expires_at == session.created_at + 3600
    clock.advance(timedelta(minutes=1, seconds=1))
    await ended(portal, tenant, started.session_token)

    await update_settings(portal, tenant, temporary_scope="document")
    scoped = (await temporary(portal, tenant, document_type="estimate")).session
    assert (scoped.scope, scoped.document_type, scoped.document_id) == ("document", "estimate", 555)


async def test_a_card_update_guest_session_opens_its_page_only_whatever_the_business_scope(
    portal: RunningService, tenant: Tenant
) -> None:
    card_page = (await temporary(portal, tenant, document_type="payment_method")).session
    assert (card_page.scope, card_page.document_type) == ("document", "payment_method")
    assert (await temporary(portal, tenant)).session.scope == "account"  # the business's scope for invoices


async def test_temporary_sessions_are_checked(portal: RunningService, tenant: Tenant) -> None:
    for customer_id, document_type, code in [
        (999, "invoice", grpc.StatusCode.NOT_FOUND),
        (1001, "contract", grpc.StatusCode.INVALID_ARGUMENT),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await temporary(portal, tenant, customer_id, document_type)
        assert refused.value.code() == code
    await update_settings(portal, tenant, require_sign_in=True)
    with pytest.raises(grpc.aio.AioRpcError) as sign_in_first:
        await temporary(portal, tenant)
    assert sign_in_first.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_switching_accounts(portal: RunningService, tenant: Tenant, mailbox: Mailbox) -> None:
    shared = await sign_in(portal, tenant, mailbox, "shared@example.com")
    guest = await temporary(portal, tenant, 1001)
    stub = sessions_stub(portal)
    with bound(tenant.id):
        switched = await stub.SwitchAccount(
            pb.SwitchAccountRequest(session_token=shared.session_token, customer_id=1003)
        )
        assert switched.session.customer_id == 1003
        assert (await get_session(portal, tenant, shared.session_token)).customer_id == 1003
        for token, customer_id in [(shared.session_token, 1001), (guest.session_token, 1001)]:
            with pytest.raises(grpc.aio.AioRpcError) as denied:
                await stub.SwitchAccount(pb.SwitchAccountRequest(session_token=token, customer_id=customer_id))
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await stub.SwitchAccount(pb.SwitchAccountRequest(session_token="nope", customer_id=1002))
        assert unknown.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await get_session(portal, tenant, shared.session_token)).customer_id == 1003


async def test_ending_one_session_and_every_session_of_a_person(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    first = await sign_in(portal, tenant, mailbox, "alice@example.com")
    second = await sign_in(portal, tenant, mailbox, "alice@example.com")
    someone_else = await sign_in(portal, tenant, mailbox, "shared@example.com")
    sso = [await sso_sign_in(portal, tenant, 1001) for _ in range(2)]
    guest = await temporary(portal, tenant, 1001)
    stub = sessions_stub(portal)
    with bound(tenant.id):
        everywhere = await stub.EndSessionsEverywhere(
            pb.EndSessionsEverywhereRequest(session_token=second.session_token)
        )
        assert everywhere.ended == 2
        # Email-less sessions (SSO, temporary) belong to their single customer.
        assert (
            await stub.EndSessionsEverywhere(pb.EndSessionsEverywhereRequest(session_token=sso[0].session_token))
        ).ended == 3
        await stub.EndSession(pb.EndSessionRequest(session_token=someone_else.session_token))
        await stub.EndSession(pb.EndSessionRequest(session_token=someone_else.session_token))  # idempotent
        await stub.EndSession(pb.EndSessionRequest(session_token="never-issued"))
    for token in (first, second, someone_else, *sso):
        await ended(portal, tenant, token.session_token)
    await ended(portal, tenant, guest.session_token)
    with bound(tenant.id), pytest.raises(grpc.aio.AioRpcError) as again:
        await stub.EndSessionsEverywhere(pb.EndSessionsEverywhereRequest(session_token=first.session_token))
    assert again.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_the_business_ends_every_session_of_a_customer(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    shared = await sign_in(portal, tenant, mailbox, "shared@example.com")  # may act for 1002 and 1003
    sso = await sso_sign_in(portal, tenant, 1003)
    alice = await sign_in(portal, tenant, mailbox, "alice@example.com")
    other = await new_tenant(portal)
    with bound(other.id):
        assert (
            await sessions_stub(portal).EndCustomerSessions(pb.EndCustomerSessionsRequest(customer_id=1003))
        ).ended == 0
    with bound(tenant.id):
        reply = await sessions_stub(portal).EndCustomerSessions(pb.EndCustomerSessionsRequest(customer_id=1003))
    assert reply.ended == 2
    await ended(portal, tenant, shared.session_token)
    await ended(portal, tenant, sso.session_token)
    assert (await get_session(portal, tenant, alice.session_token)).customer_id == 1001


async def test_disabling_the_business_ends_its_sessions(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    redeemed = await sign_in(portal, tenant, mailbox, "alice@example.com")
    async with portal.db.unit_of_work() as session:
        business = await session.get(Business, tenant.id)
        assert business is not None
        business.disabled = True
        session.add(business)
    await ended(portal, tenant, redeemed.session_token)
    other = await new_tenant(portal)
    await ended(portal, other, redeemed.session_token)  # and a token never works in another business


async def test_recent_sign_ins_of_the_person(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    oldest = await sign_in(portal, tenant, mailbox, "alice@example.com")
    clock.advance(timedelta(minutes=1))
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    by_code = await redeem_code(portal, tenant, emailed.attempt_id, emailed.code)
    clock.advance(timedelta(minutes=1))
    await sign_in(portal, tenant, mailbox, "shared@example.com")
    newest = await sign_in(portal, tenant, mailbox, "alice@example.com")
    stub = sessions_stub(portal)
    with bound(tenant.id):
        await stub.EndSession(pb.EndSessionRequest(session_token=oldest.session_token))
        recent = (
            await stub.ListRecentSignIns(pb.ListRecentSignInsRequest(session_token=by_code.session_token))
        ).sign_ins
        assert [(s.method, s.current, s.active) for s in recent] == [
            ("link", False, True),
            ("code", True, True),
            ("link", False, False),
        ]
        assert recent[0].at == unix(clock()) and recent[2].at == unix(clock()) - 120
        assert (recent[0].ip, recent[0].user_agent) == (CLIENT.ip, CLIENT.user_agent)
        limited = await stub.ListRecentSignIns(pb.ListRecentSignInsRequest(session_token=newest.session_token, limit=1))
        assert [(s.method, s.current) for s in limited.sign_ins] == [("link", True)]
        with pytest.raises(grpc.aio.AioRpcError) as signed_out:
            await stub.ListRecentSignIns(pb.ListRecentSignInsRequest(session_token=oldest.session_token))
        assert signed_out.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_secrets_are_stored_only_as_keyed_hashes(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    emailed = await mailbox.sign_in_email(tenant, "alice@example.com")
    secrets = [
        (await redeem_link(portal, tenant, emailed.token)).session_token,
        (await sso_sign_in(portal, tenant, 1001)).session_token,
        (await temporary(portal, tenant)).session_token,
    ]
    async with portal.db.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        dump: list[str] = []
        for table in tables:
            rows = (await connection.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608 - names from the database
            dump.extend(str(value) for row in rows for value in row)
    assert "portal_sessions" in tables and "sign_in_requests" in tables
    stored = " ".join(dump)
    assert "alice@example.com" in stored  # the dump does hold the data
    for secret in secrets:
        assert secret not in stored
    # The link token is only in the email event the mailer needs (the outbox), never in the request row.
    assert stored.count(emailed.token) == 1  # the link in that one outbox row's payload


async def test_recent_sign_ins_list_ten_by_default_and_fifty_at_most(portal: RunningService, tenant: Tenant) -> None:
    signed_in = [await sso_sign_in(portal, tenant, 1001) for _ in range(51)]
    stub = sessions_stub(portal)
    token = signed_in[-1].session_token
    with bound(tenant.id):
        default = await stub.ListRecentSignIns(pb.ListRecentSignInsRequest(session_token=token))
        widest = await stub.ListRecentSignIns(pb.ListRecentSignInsRequest(session_token=token, limit=1000))
        asked = await stub.ListRecentSignIns(pb.ListRecentSignInsRequest(session_token=token, limit=11))
    assert len(default.sign_ins) == 10
    assert len(widest.sign_ins) == 50
    assert len(asked.sign_ins) == 11


async def test_tightening_the_absolute_timeout_shortens_existing_sessions(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    older = await sign_in(portal, tenant, mailbox, "alice@example.com")  # made under the 12-hour default
    await update_settings(portal, tenant, absolute_timeout_hours=1)
    for _ in range(3):  # active all along: only the absolute timeout can end it
        clock.advance(timedelta(minutes=19))
        await get_session(portal, tenant, older.session_token)
    clock.advance(timedelta(minutes=4))
    await ended(portal, tenant, older.session_token)


async def test_a_temporary_session_needs_a_real_document_id(portal: RunningService, tenant: Tenant) -> None:
    stub = sessions_stub(portal)
    with pytest.raises(grpc.aio.AioRpcError) as refused, bound(tenant.id):
        await stub.StartTemporarySession(
            pb.StartTemporarySessionRequest(customer_id=1001, document_type="invoice", document_id=0, client=CLIENT)
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == "document_id must be a positive id."
    with bound(tenant.id):
        first = await stub.StartTemporarySession(
            pb.StartTemporarySessionRequest(customer_id=1001, document_type="invoice", document_id=1, client=CLIENT)
        )
    assert first.session.document_id == 1


async def test_ending_a_customers_sessions_needs_a_real_customer_id(portal: RunningService, tenant: Tenant) -> None:
    stub = sessions_stub(portal)
    with pytest.raises(grpc.aio.AioRpcError) as refused, bound(tenant.id):
        await stub.EndCustomerSessions(pb.EndCustomerSessionsRequest(customer_id=0))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == "customer_id must be a positive id."
    with bound(tenant.id):
        await stub.EndCustomerSessions(pb.EndCustomerSessionsRequest(customer_id=1))
