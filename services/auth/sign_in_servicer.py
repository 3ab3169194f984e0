"""SignInService: emailed links and codes, SSO tokens. Each redeem ends in a new full session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.db import Database
from portal_kit.errors import NotFound, Unauthenticated
from portal_kit.outbox import OutboxRelay

from services.auth import businesses, sessions, sign_in, sign_in_requests, sso
from services.auth.billing_customers import BillingCustomers
from services.auth.code_limits import CODES_PAUSED, CodeGuard, CodeLimits
from services.auth.models import SignInRequest
from services.auth.session_servicer import session_to_pb
from services.auth.sessions import Client, StartedSession

LINK_STATES = {
    sign_in.LinkState.VALID: pb.InspectSignInLinkResponse.STATE_VALID,
    sign_in.LinkState.EXPIRED: pb.InspectSignInLinkResponse.STATE_EXPIRED,
    sign_in.LinkState.UNKNOWN: pb.InspectSignInLinkResponse.STATE_UNKNOWN,
}


def client_of(client: pb.Client) -> Client:
    return Client.of(client.ip, client.user_agent)


def redeemed(started: StartedSession, return_to: str = "") -> pb.RedeemResponse:
    return pb.RedeemResponse(session_token=started.token, session=session_to_pb(started.view), return_to=return_to)


class SignInServicer(auth_pb2_grpc.SignInServiceServicer):
    def __init__(
        self,
        db: Database,
        secret_key: bytes,
        billing: BillingCustomers,
        relay: OutboxRelay,
        now: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.codes = CodeGuard(CodeLimits())
        self.secret_key = secret_key
        self.billing = billing
        self.relay = relay
        self.now = now

    async def RequestSignIn(
        self, request: pb.RequestSignInRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestSignInResponse:
        presentation = sign_in_requests.clean_presentation(
            request.presentation.business_name, request.presentation.portal_url
        )
        async with self.db.unit_of_work() as session:
            attempt_id, recorded = await sign_in_requests.request_sign_in(
                session,
                email=request.email,
                client=client_of(request.client),
                presentation=presentation,
                return_to=request.return_to,
                attempt_id=request.attempt_id,
            )
        if recorded:
            self.relay.notify()
        return pb.RequestSignInResponse(attempt_id=attempt_id)

    async def InspectSignInLink(
        self, request: pb.InspectSignInLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.InspectSignInLinkResponse:
        async with self.db.unit_of_work() as session:
            inspected = await sign_in.inspect_link(session, self.secret_key, request.token, self.now())
        return pb.InspectSignInLinkResponse(state=LINK_STATES[inspected.state], email=inspected.email)

    async def _finish(
        self, found: SignInRequest, method: str, client: Client, refusal: str, now: datetime
    ) -> pb.RedeemResponse:
        """The person must still be a customer; then the claim and the new session commit together."""
        customer_ids = await self.billing.ids_by_email(found.email)
        if not customer_ids:
            raise Unauthenticated(refusal)
        async with self.db.unit_of_work() as session:
            business = await businesses.enabled_business(session, refusal)
            await sign_in.claim(session, found, now, refusal)
            started = await sessions.start_full_session(
                session,
                self.secret_key,
                business,
                method=method,
                email=found.email,
                customer_ids=customer_ids,
                client=client,
                now=now,
            )
        return redeemed(started, found.return_to)

    async def RedeemSignInLink(
        self, request: pb.RedeemSignInLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.RedeemResponse:
        now = self.now()
        async with self.db.unit_of_work() as session:
            await businesses.enabled_business(session, sign_in.LINK_FAILED)
            found = await sign_in.open_link(session, self.secret_key, request.token, now)
        return await self._finish(found, "link", client_of(request.client), sign_in.LINK_FAILED, now)

    async def RedeemSignInCode(
        self, request: pb.RedeemSignInCodeRequest, context: grpc.aio.ServicerContext
    ) -> pb.RedeemResponse:
        now = self.now()
        async with self.db.unit_of_work() as session:
            await businesses.enabled_business(session, sign_in.CODE_FAILED)
            attempt = await self.codes.record(session, now)
        # Counted (and committed) as failed from here on, in the business's and the overall caps, unless it succeeds.
        async with self.db.unit_of_work() as session:
            admitted = await self.codes.admit(session, attempt, now)
        if not admitted:
            raise Unauthenticated(CODES_PAUSED)
        async with self.db.unit_of_work() as session:
            found = await sign_in.spend_code_attempt(session, request.attempt_id, now)
        # The attempt is committed now: a wrong code below still counts.
        sign_in.check_code(self.secret_key, found, request.code)
        redeemed = await self._finish(found, "code", client_of(request.client), sign_in.CODE_FAILED, now)
        async with self.db.unit_of_work() as session:
            await self.codes.succeeded(session, attempt)
        return redeemed

    async def RedeemSsoToken(
        self, request: pb.RedeemSsoTokenRequest, context: grpc.aio.ServicerContext
    ) -> pb.RedeemResponse:
        now = self.now()
        async with self.db.unit_of_work() as session:
            business = await businesses.enabled_business(session, sso.SSO_FAILED)
        signed_with = business.sso_key
        claims = sso.verify(request.token, signed_with, now)
        if not await self.billing.exists(claims.customer_id):
            raise sso.refuse("unknown_customer")
        async with self.db.unit_of_work() as session:
            business = await businesses.enabled_business(session, sso.SSO_FAILED)
            if business.sso_key != signed_with:
                raise sso.refuse("key_rotated")
            await sso.record_jti(session, claims, now)
            started = await sessions.start_full_session(
                session,
                self.secret_key,
                business,
                method="sso",
                email="",
                customer_ids=[claims.customer_id],
                client=client_of(request.client),
                now=now,
            )
        return redeemed(started)

    async def IssueSsoToken(
        self, request: pb.IssueSsoTokenRequest, context: grpc.aio.ServicerContext
    ) -> pb.IssueSsoTokenResponse:
        ttl = sso.validate_ttl(request.ttl_seconds)
        if not await self.billing.exists(request.customer_id):
            raise NotFound("No such customer", "customer_id")
        async with self.db.unit_of_work() as session:
            business = await businesses.current_business(session)
        token, expires_at = sso.issue(business, request.customer_id, ttl, self.now())
        return pb.IssueSsoTokenResponse(token=token, expires_at=expires_at)

    async def RotateSsoKey(
        self, request: pb.RotateSsoKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RotateSsoKeyResponse:
        async with self.db.unit_of_work() as session:
            sso_key = await sso.rotate_key(session, await businesses.current_business(session), self.now())
        return pb.RotateSsoKeyResponse(sso_key=sso_key)
