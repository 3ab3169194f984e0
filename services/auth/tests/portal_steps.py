"""Steps the sign-in and session tests share: a business, its customers, and the sign-in email they get."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc, events_pb2
from portal_kit.consumer import Event, IdempotentConsumer
from portal_kit.context import bound
from portal_kit.ids import new_uuid
from portal_kit.outbox import OutboxEvent
from sqlmodel import col, select

from devtools.testing import RunningService
from services.auth.billing_customers import BillingCustomers
from services.auth.server import SIGN_IN_CONSUMER
from services.auth.sign_in_requests import EMAIL_REQUESTED_TOPIC, SIGN_IN_REQUESTED_TOPIC, SignInRequestHandler
from services.auth.tests.fake_billing import FakeBilling

PORTAL_URL = "http://acme.localhost:8000"
CLIENT = pb.Client(ip="203.0.113.5", user_agent="Mozilla/5.0 (pytest)")
PRESENTATION = pb.PortalPresentation(business_name="Acme Inc", portal_url=PORTAL_URL)


@dataclass(frozen=True)
class Tenant:
    id: str
    sso_key: str


async def new_tenant(service: RunningService) -> Tenant:
    admin = auth_pb2_grpc.BusinessAdminServiceStub(service.admin_channel)
    created = await admin.CreateBusiness(
        pb.CreateBusinessRequest(username=f"biz{new_uuid()[:10]}", display_name="Acme Inc")
    )
    return Tenant(created.business.id, created.sso_key)


def sign_in_stub(service: RunningService) -> auth_pb2_grpc.SignInServiceStub:
    return auth_pb2_grpc.SignInServiceStub(service.channel)


def sessions_stub(service: RunningService) -> auth_pb2_grpc.SessionServiceStub:
    return auth_pb2_grpc.SessionServiceStub(service.channel)


def settings_stub(service: RunningService) -> auth_pb2_grpc.PortalSettingsServiceStub:
    return auth_pb2_grpc.PortalSettingsServiceStub(service.channel)


@dataclass(frozen=True)
class Emailed:
    attempt_id: str
    token: str
    code: str
    request: events_pb2.EmailRequested


class Mailbox:
    """Runs the sign-in consumer's handler on the outbox's requests (no broker), and reads the emails it asks for."""

    def __init__(self, service: RunningService, billing: FakeBilling, clock: Callable[[], datetime]) -> None:
        self.service = service
        handler = SignInRequestHandler(service.settings.secret_key, BillingCustomers(billing.address), clock)
        self.consumer = IdempotentConsumer(
            service.db, "127.0.0.1:1", [SIGN_IN_REQUESTED_TOPIC], SIGN_IN_CONSUMER, handler
        )

    async def events(self, topic: str) -> list[Event]:
        async with self.service.db.unit_of_work() as session:
            query = select(OutboxEvent).where(col(OutboxEvent.topic) == topic).order_by(col(OutboxEvent.seq))
            rows = (await session.exec(query)).all()
        return [Event(r.event_id, r.tenant_id, r.topic, r.key, r.payload) for r in rows]

    async def deliver(self) -> None:
        """Hands every sign-in request to the consumer; ones it has handled already are skipped (event ids)."""
        for event in await self.events(SIGN_IN_REQUESTED_TOPIC):
            await self.consumer.handle(event)

    async def emails(self) -> list[Event]:
        return await self.events(EMAIL_REQUESTED_TOPIC)

    async def request(
        self, tenant: Tenant, email: str, *, ip: str = CLIENT.ip, attempt_id: str = "", return_to: str = ""
    ) -> str:
        with bound(tenant.id):
            reply = await sign_in_stub(self.service).RequestSignIn(
                pb.RequestSignInRequest(
                    email=email,
                    client=pb.Client(ip=ip, user_agent=CLIENT.user_agent),
                    presentation=PRESENTATION,
                    return_to=return_to,
                    attempt_id=attempt_id,
                )
            )
        await self.deliver()
        return reply.attempt_id

    async def sign_in_email(self, tenant: Tenant, email: str, **kwargs: Any) -> Emailed:
        """Asks for a sign-in email and returns the one that went out (the test fails if none did)."""
        before = len(await self.emails())
        attempt_id = await self.request(tenant, email, **kwargs)
        emails = await self.emails()
        assert len(emails) == before + 1, "no sign-in email was sent"
        request = emails[-1].decode(events_pb2.EmailRequested)
        link = request.sign_in.link
        assert link.startswith(f"{PORTAL_URL}/sign-in/") and len(request.sign_in.code) == 6
        return Emailed(attempt_id, link.removeprefix(f"{PORTAL_URL}/sign-in/"), request.sign_in.code, request)


async def redeem_link(service: RunningService, tenant: Tenant, token: str) -> pb.RedeemResponse:
    with bound(tenant.id):
        return await sign_in_stub(service).RedeemSignInLink(pb.RedeemSignInLinkRequest(token=token, client=CLIENT))


async def redeem_code(service: RunningService, tenant: Tenant, attempt_id: str, code: str) -> pb.RedeemResponse:
    with bound(tenant.id):
        return await sign_in_stub(service).RedeemSignInCode(
            pb.RedeemSignInCodeRequest(attempt_id=attempt_id, code=code, client=CLIENT)
        )


async def get_session(service: RunningService, tenant: Tenant, token: str) -> pb.Session:
    with bound(tenant.id):
        return (await sessions_stub(service).GetSession(pb.GetSessionRequest(session_token=token))).session
