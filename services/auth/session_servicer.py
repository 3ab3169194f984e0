"""SessionService: what the gateway asks on every portal request, and signing out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.context import current_tenant
from portal_kit.db import Database
from portal_kit.errors import InvalidArgument, NotFound
from portal_kit.timestamps import from_unix, unix

from services.auth import businesses, document_links, revocations, sessions
from services.auth.billing_customers import BillingCustomers, LinkedDocument
from services.auth.revocations import RevocationPublisher
from services.auth.sessions import Client, SessionView
from services.auth.subscription_links import SubscriptionLinks

MAX_ACTIVITY = 1000
Outcome = pb.OpenDocumentLinkResponse.Outcome
OUTCOMES = {
    document_links.Outcome.EXPIRED: Outcome.OUTCOME_EXPIRED,
    document_links.Outcome.SIGNED_IN: Outcome.OUTCOME_SIGNED_IN,
    document_links.Outcome.GUEST_SESSION: Outcome.OUTCOME_GUEST_SESSION,
    document_links.Outcome.REQUIRE_SIGN_IN: Outcome.OUTCOME_REQUIRE_SIGN_IN,
    document_links.Outcome.OPEN_BY_LINK: Outcome.OUTCOME_OPEN_BY_LINK,
}


def session_to_pb(view: SessionView) -> pb.Session:
    row = view.row
    return pb.Session(
        id=row.id,
        kind=row.kind,
        scope=row.scope,
        email=row.email,
        customer_ids=view.customer_ids,
        customer_id=row.customer_id,
        document_type=row.document_type,
        document_id=row.document_id,
        created_at=unix(row.created_at),
        expires_at=unix(view.expires_at),
        last_seen_at=unix(row.last_seen_at),
        idle_timeout_seconds=int(view.idle_timeout.total_seconds()),
        absolute_expires_at=unix(view.absolute_expires_at),
    )


class SessionServicer(auth_pb2_grpc.SessionServiceServicer):
    def __init__(
        self,
        db: Database,
        secret_key: bytes,
        billing: BillingCustomers,
        now: Callable[[], datetime],
        revoked: RevocationPublisher | None = None,
        subscriptions: SubscriptionLinks | None = None,
    ) -> None:
        self.db = db
        self.revoked = revoked
        self.secret_key = secret_key
        self.billing = billing
        self.subscriptions = subscriptions or SubscriptionLinks()
        self.now = now

    async def _linked(self, document_type: str, token: str) -> LinkedDocument | None:
        """What a link opens: subscriptions resolve "Manage Subscription" links, billing every other kind."""
        if document_type == "subscription":
            return await self.subscriptions.manage_link(token)
        return await self.billing.document_link(document_type, token)

    async def StartTemporarySession(
        self, request: pb.StartTemporarySessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartTemporarySessionResponse:
        sessions.validate_document(request.document_type, request.document_id)
        if not await self.billing.exists(request.customer_id):
            raise NotFound("No such customer", "customer_id")
        async with self.db.unit_of_work() as session:
            business = await businesses.enabled_business(session, sessions.SESSION_ENDED)
            started = await sessions.start_temporary_session(
                session,
                self.secret_key,
                business,
                customer_id=request.customer_id,
                document_type=request.document_type,
                document_id=request.document_id,
                client=Client.of(request.client.ip, request.client.user_agent),
                now=self.now(),
            )
        return pb.StartTemporarySessionResponse(session_token=started.token, session=session_to_pb(started.view))

    async def GetSession(
        self, request: pb.GetSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSessionResponse:
        async with self.db.unit_of_work() as session:
            view = await sessions.get_session(session, self.secret_key, request.session_token, self.now())
        return pb.GetSessionResponse(session=session_to_pb(view))

    async def RecordActivity(
        self, request: pb.RecordActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordActivityResponse:
        if len(request.activity) > MAX_ACTIVITY:
            raise InvalidArgument(f"At most {MAX_ACTIVITY} sessions per call.", "activity")
        activity = [(a.session_id, from_unix(a.at)) for a in request.activity if a.session_id and a.at > 0]
        async with self.db.unit_of_work() as session:
            recorded = await sessions.record_activity(session, activity, self.now())
        return pb.RecordActivityResponse(recorded=recorded)

    async def SwitchAccount(
        self, request: pb.SwitchAccountRequest, context: grpc.aio.ServicerContext
    ) -> pb.SwitchAccountResponse:
        async with self.db.unit_of_work() as session:
            view = await sessions.switch_account(
                session, self.secret_key, request.session_token, request.customer_id, self.now()
            )
        self._publish(revocations.sessions_revoked(current_tenant(), [view.row.id]))  # copies show the old account
        return pb.SwitchAccountResponse(session=session_to_pb(view))

    async def EndSession(
        self, request: pb.EndSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.EndSessionResponse:
        async with self.db.unit_of_work() as session:
            ended = await sessions.end_session(session, self.secret_key, request.session_token, self.now())
        if ended is not None:
            self._publish(revocations.sessions_revoked(current_tenant(), [ended]))
        return pb.EndSessionResponse()

    async def EndSessionsEverywhere(
        self, request: pb.EndSessionsEverywhereRequest, context: grpc.aio.ServicerContext
    ) -> pb.EndSessionsEverywhereResponse:
        async with self.db.unit_of_work() as session:
            ended = await sessions.end_sessions_everywhere(session, self.secret_key, request.session_token, self.now())
        self._publish(revocations.sessions_revoked(current_tenant(), ended.ids))
        return pb.EndSessionsEverywhereResponse(ended=ended.active)

    async def EndCustomerSessions(
        self, request: pb.EndCustomerSessionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.EndCustomerSessionsResponse:
        async with self.db.unit_of_work() as session:
            ended = await sessions.end_customer_sessions(session, request.customer_id, self.now())
        self._publish(revocations.customer_revoked(current_tenant(), request.customer_id))
        return pb.EndCustomerSessionsResponse(ended=ended.active)

    def _publish(self, revocation: revocations.pb.Revocation) -> None:
        if self.revoked is not None:
            self.revoked.publish(revocation)

    async def OpenDocumentLink(
        self, request: pb.OpenDocumentLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.OpenDocumentLinkResponse:
        document = await self._linked(request.document_type, request.link_token)
        async with self.db.unit_of_work() as session:
            decision = await document_links.open_document_link(
                session,
                self.secret_key,
                document,
                request.session_token,
                Client.of(request.client.ip, request.client.user_agent),
                request.start_guest_session,
                self.now(),
            )
        reply = pb.OpenDocumentLinkResponse(outcome=OUTCOMES[decision.outcome])
        if decision.document is not None:
            reply.document_type = decision.document.document_type
            reply.document_id = decision.document.document_id
        if decision.started is not None:
            reply.session_token = decision.started.token
            reply.session.CopyFrom(session_to_pb(decision.started.view))
        return reply

    async def ListRecentSignIns(
        self, request: pb.ListRecentSignInsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRecentSignInsResponse:
        async with self.db.unit_of_work() as session:
            recent = await sessions.recent_sign_ins(
                session, self.secret_key, request.session_token, request.limit, self.now()
            )
        return pb.ListRecentSignInsResponse(
            sign_ins=[
                pb.SignIn(
                    at=unix(r.row.created_at),
                    ip=r.row.ip,
                    user_agent=r.row.user_agent,
                    method=r.row.method,
                    current=r.current,
                    active=r.active,
                )
                for r in recent
            ]
        )
