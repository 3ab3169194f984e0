from __future__ import annotations

import logging
from datetime import timedelta

import grpc
import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import events_pb2
from portal_kit.context import bound
from sqlmodel import col, select

from devtools.testing import RunningService
from services.auth.billing_customers import BillingCustomers
from services.auth.models import SignInRequest
from services.auth.server import SignInConsumer
from services.auth.sign_in_requests import SIGN_IN_REQUESTED_TOPIC, SignInRequestHandler
from services.auth.tests.conftest import Clock
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.portal_steps import (
    CLIENT,
    PORTAL_URL,
    PRESENTATION,
    Mailbox,
    Tenant,
    new_tenant,
    sign_in_stub,
)

ATTEMPT = "a" * 32


async def requests_of(service: RunningService, tenant: Tenant) -> list[SignInRequest]:
    async with service.db.unit_of_work() as session:
        query = select(SignInRequest).where(col(SignInRequest.tenant_id) == tenant.id)
        return list((await session.exec(query.order_by(col(SignInRequest.created_at)))).all())


@pytest.fixture
async def tenant(portal: RunningService, billing: FakeBilling) -> Tenant:
    created = await new_tenant(portal)
    billing.customers.add(created.id, 1001, "alice@example.com")
    billing.customers.add(created.id, 1002, "bob@example.com", "shared@example.com")
    billing.customers.add(created.id, 1003, "shared@example.com")
    return created


async def test_known_and_unknown_addresses_get_the_same_reply_and_one_event_each(
    portal: RunningService, tenant: Tenant, billing: FakeBilling, mailbox: Mailbox
) -> None:
    lookups = billing.customers.lookups
    replies = []
    with bound(tenant.id):
        for email in ("alice@example.com", "nobody@example.com"):
            reply = await sign_in_stub(portal).RequestSignIn(
                pb.RequestSignInRequest(
                    email=email, client=CLIENT, presentation=PRESENTATION, return_to="/account", attempt_id=ATTEMPT
                )
            )
            replies.append(reply.SerializeToString())
        fresh = await sign_in_stub(portal).RequestSignIn(
            pb.RequestSignInRequest(email="carol@example.com", client=CLIENT, presentation=PRESENTATION)
        )
    assert replies[0] == replies[1] == pb.RequestSignInResponse(attempt_id=ATTEMPT).SerializeToString()
    assert len(fresh.attempt_id) >= 21 and fresh.attempt_id != ATTEMPT
    assert billing.customers.lookups == lookups, "RequestSignIn itself must not look anything up"

    events = await mailbox.events(SIGN_IN_REQUESTED_TOPIC)
    requested = [e.decode(events_pb2.SignInRequested) for e in events]
    assert [r.email for r in requested] == ["alice@example.com", "nobody@example.com", "carol@example.com"]
    assert events[0].key == ATTEMPT and events[0].tenant_id == tenant.id
    assert requested[0] == events_pb2.SignInRequested(
        attempt_id=ATTEMPT,
        email="alice@example.com",
        ip=CLIENT.ip,
        user_agent=CLIENT.user_agent,
        portal_url=PORTAL_URL,
        business_name="Acme Inc",
        return_to="/account",
    )


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "two@@example.com", "x" * 250 + "@example.com"])
async def test_malformed_addresses_get_an_attempt_id_and_no_event(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, email: str
) -> None:
    with bound(tenant.id):
        reply = await sign_in_stub(portal).RequestSignIn(
            pb.RequestSignInRequest(email=email, client=CLIENT, presentation=PRESENTATION)
        )
    assert len(reply.attempt_id) >= 21
    assert await mailbox.events(SIGN_IN_REQUESTED_TOPIC) == []


async def test_a_bad_presentation_or_attempt_id_is_a_caller_error(portal: RunningService, tenant: Tenant) -> None:
    bad = [
        (pb.RequestSignInRequest(email="a@example.com", presentation=PRESENTATION, attempt_id="short"), "attempt_id"),
        (
            pb.RequestSignInRequest(
                email="a@example.com",
                presentation=pb.PortalPresentation(business_name="Acme", portal_url="javascript:x"),
            ),
            "presentation.portal_url",
        ),
        (
            pb.RequestSignInRequest(
                email="a@example.com", presentation=pb.PortalPresentation(business_name=" ", portal_url=PORTAL_URL)
            ),
            "presentation.business_name",
        ),
    ]
    with bound(tenant.id):
        for request, param in bad:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await sign_in_stub(portal).RequestSignIn(request)
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert dict(refused.value.trailing_metadata() or ())["x-portal-param"] == param


async def test_a_match_records_the_request_and_asks_for_one_email_with_link_and_code(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    emailed = await mailbox.sign_in_email(tenant, "  Alice@Example.COM ", return_to="/account/invoices/7")
    envelope = emailed.request.envelope
    assert [(r.name, r.email) for r in envelope.to] == [("", "alice@example.com")]
    assert envelope.from_name == "Acme Inc"
    assert list(envelope.attachments) == []
    assert emailed.request.WhichOneof("template") == "sign_in"
    assert emailed.request.sign_in.link == f"{PORTAL_URL}/sign-in/{emailed.token}"
    assert emailed.request.sign_in.valid_minutes == 15
    assert emailed.code.isdigit()
    assert len(emailed.token) >= 32

    [row] = await requests_of(portal, tenant)
    assert row.email == "alice@example.com" and row.refused_reason is None
    assert row.attempt_id == emailed.attempt_id and row.attempts == 0
    assert row.expires_at == clock() + timedelta(minutes=15)
    assert row.return_to == "/account/invoices/7"
    assert emailed.token not in str(row.model_dump()) and emailed.code not in (row.code_hash or "")
    [event] = await mailbox.emails()
    assert event.key == emailed.attempt_id and event.tenant_id == tenant.id

    await mailbox.deliver()  # the same events again: the consumer dedupes on the event id
    assert len(await mailbox.emails()) == 1


async def test_names_are_escaped_in_html_and_addresses_are_normalised(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    with bound(tenant.id):
        await sign_in_stub(portal).RequestSignIn(
            pb.RequestSignInRequest(
                email="\uff41lice@example.com",  # fullwidth "a": NFKC makes it "alice@example.com"
                client=CLIENT,
                presentation=pb.PortalPresentation(business_name="Tom & <Jerry>\nLtd", portal_url=PORTAL_URL + "/"),
            )
        )
    await mailbox.deliver()
    [email] = await mailbox.emails()
    request = email.decode(events_pb2.EmailRequested)
    assert request.envelope.to[0].email == "alice@example.com"
    assert request.envelope.from_name == "Tom & <Jerry> Ltd"  # one line; the mailer's templates escape it
    assert request.sign_in.link.startswith(f"{PORTAL_URL}/sign-in/")


async def test_unknown_addresses_and_other_businesses_customers_get_nothing(
    portal: RunningService, tenant: Tenant, billing: FakeBilling, mailbox: Mailbox
) -> None:
    other = await new_tenant(portal)
    billing.customers.add(other.id, 2001, "dave@example.com")
    await mailbox.request(tenant, "nobody@example.com")
    await mailbox.request(tenant, "dave@example.com")
    assert await mailbox.emails() == []
    rows = await requests_of(portal, tenant)
    assert [r.refused_reason for r in rows] == ["no_match", "no_match"]
    assert all(r.email == "" and r.link_hash is None and r.code_hash is None for r in rows)


async def test_at_most_five_emails_per_address_in_fifteen_minutes(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(5):
        await mailbox.sign_in_email(tenant, "alice@example.com")
        clock.advance(timedelta(minutes=2))
    with caplog.at_level(logging.INFO, logger="services.auth"):
        await mailbox.request(tenant, "alice@example.com")
    assert len(await mailbox.emails()) == 5
    assert (await requests_of(portal, tenant))[-1].refused_reason == "address_limit"
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert getattr(warning, "reason", None) == "address_limit"
    assert all("alice" not in str(r.__dict__) for r in caplog.records)

    await mailbox.sign_in_email(tenant, "bob@example.com")  # another address is not limited
    clock.advance(timedelta(minutes=6, seconds=1))  # the first email is now more than 15 minutes old
    await mailbox.sign_in_email(tenant, "alice@example.com")


async def test_at_most_twenty_lookups_per_ip_in_fifteen_minutes(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    for n in range(19):
        await mailbox.request(tenant, f"stranger{n}@example.com", ip="198.51.100.9")
    await mailbox.sign_in_email(tenant, "alice@example.com", ip="198.51.100.9")  # the 20th still goes out
    await mailbox.request(tenant, "bob@example.com", ip="198.51.100.9")  # the 21st does not
    assert len(await mailbox.emails()) == 1
    assert (await requests_of(portal, tenant))[-1].refused_reason == "ip_limit"
    await mailbox.sign_in_email(tenant, "bob@example.com", ip="198.51.100.10")
    clock.advance(timedelta(minutes=15, seconds=1))
    await mailbox.sign_in_email(tenant, "bob@example.com", ip="198.51.100.9")


async def test_at_most_five_hundred_emails_per_business_in_fifteen_minutes(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox, clock: Clock
) -> None:
    async with portal.db.unit_of_work() as session:
        for n in range(499):
            session.add(
                SignInRequest(
                    tenant_id=tenant.id, attempt_id=f"{n:032d}", email_hash=f"{n:064d}", ip=f"10.0.{n // 250}.{n % 250}",
                    created_at=clock() - timedelta(minutes=1),
                )
            )  # fmt: skip
    await mailbox.sign_in_email(tenant, "alice@example.com", ip="192.0.2.1")  # the 500th still goes out
    await mailbox.request(tenant, "bob@example.com", ip="192.0.2.2")  # the 501st does not
    assert len(await mailbox.emails()) == 1
    assert (await requests_of(portal, tenant))[-1].refused_reason == "business_limit"
    clock.advance(timedelta(minutes=15))
    await mailbox.sign_in_email(tenant, "bob@example.com", ip="192.0.2.2")


async def test_unsafe_return_to_paths_are_dropped(portal: RunningService, tenant: Tenant, mailbox: Mailbox) -> None:
    for unsafe in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/a b", "account"):
        await mailbox.sign_in_email(tenant, "alice@example.com", return_to=unsafe)
    rows = await requests_of(portal, tenant)
    assert [r.return_to for r in rows] == [""] * 5


async def test_the_consumer_wakes_the_relay_once_per_handled_event(
    portal: RunningService, tenant: Tenant, billing: FakeBilling, clock: Clock
) -> None:
    class Relay:
        notified = 0

        def notify(self) -> None:
            self.notified += 1

    relay = Relay()
    handler = SignInRequestHandler(portal.settings.secret_key, BillingCustomers(billing.address), clock)
    consumer = SignInConsumer(portal.db, portal.settings, handler, relay)  # type: ignore[arg-type]  # a counting stand-in for the relay
    with bound(tenant.id):
        await sign_in_stub(portal).RequestSignIn(
            pb.RequestSignInRequest(email="alice@example.com", client=CLIENT, presentation=PRESENTATION)
        )
    [event] = await Mailbox(portal, billing, clock).events(SIGN_IN_REQUESTED_TOPIC)
    assert await consumer.handle(event) is True
    assert await consumer.handle(event) is False
    assert relay.notified == 1
    assert consumer.name == "auth-sign-in" and consumer.topics == [SIGN_IN_REQUESTED_TOPIC]
