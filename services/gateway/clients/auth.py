"""The auth service as the gateway uses it: businesses, API keys, sign-in, sessions, settings.

Validated sessions and API keys are reused for a few seconds (services/gateway/caches.py); what this gateway ends
or changes it forgets at once, and auth's revocation events tell the other gateways.
"""

from __future__ import annotations

from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.balancing import Channel

from services.gateway.caches import GatewayCaches
from services.gateway.clients.calls import CallScope, unary


class AuthStubs:
    """The auth service's stubs on one channel (made once per gateway)."""

    def __init__(self, channel: Channel) -> None:
        self.businesses = auth_pb2_grpc.BusinessServiceStub(channel)
        self.api_keys = auth_pb2_grpc.ApiKeyServiceStub(channel)
        self.sign_in = auth_pb2_grpc.SignInServiceStub(channel)
        self.sessions = auth_pb2_grpc.SessionServiceStub(channel)
        self.settings = auth_pb2_grpc.PortalSettingsServiceStub(channel)


class AuthClient:
    """Calls to auth for one request's scope (tenant, principal, deadline)."""

    def __init__(self, stubs: AuthStubs, scope: CallScope, caches: GatewayCaches | None = None) -> None:
        self.stubs = stubs
        self.scope = scope
        self.caches = caches or GatewayCaches(0)

    @property
    def tenant(self) -> str:
        return self.scope.tenant or ""

    # Businesses and API keys (no tenant yet: these find it)
    async def resolve_business(self, username: str) -> pb.Business:
        reply: pb.ResolveBusinessResponse = await unary(
            self.stubs.businesses.ResolveBusiness, pb.ResolveBusinessRequest(username=username), self.scope, read=True
        )
        return reply.business

    async def authenticate_api_key(self, api_key: str) -> pb.Business:
        cached = self.caches.business_of_key(api_key)
        if cached is not None:
            return cached
        reply: pb.AuthenticateApiKeyResponse = await unary(
            self.stubs.businesses.AuthenticateApiKey,
            pb.AuthenticateApiKeyRequest(api_key=api_key),
            self.scope,
            read=True,
        )
        self.caches.keep_key(api_key, reply.business)
        return reply.business

    # The business's own API keys
    async def list_api_keys(self) -> list[pb.ApiKey]:
        reply: pb.ListApiKeysResponse = await unary(
            self.stubs.api_keys.ListApiKeys, pb.ListApiKeysRequest(), self.scope, read=True
        )
        return list(reply.api_keys)

    async def create_api_key(self, name: str) -> pb.CreateApiKeyResponse:
        return await unary(self.stubs.api_keys.CreateApiKey, pb.CreateApiKeyRequest(name=name), self.scope)

    async def revoke_api_key(self, key_id: str) -> pb.ApiKey:
        try:
            reply: pb.RevokeApiKeyResponse = await unary(
                self.stubs.api_keys.RevokeApiKey, pb.RevokeApiKeyRequest(id=key_id), self.scope
            )
        finally:  # the revoked key stops working here at once; other gateways hear it from auth
            self.caches.revoke_api_keys(self.tenant)
        return reply.api_key

    # Sign-in
    async def request_sign_in(
        self, email: str, client: pb.Client, presentation: pb.PortalPresentation, return_to: str, attempt_id: str
    ) -> None:
        request = pb.RequestSignInRequest(
            email=email, client=client, presentation=presentation, return_to=return_to, attempt_id=attempt_id
        )
        await unary(self.stubs.sign_in.RequestSignIn, request, self.scope)

    async def inspect_sign_in_link(self, token: str) -> pb.InspectSignInLinkResponse:
        return await unary(
            self.stubs.sign_in.InspectSignInLink, pb.InspectSignInLinkRequest(token=token), self.scope, read=True
        )

    async def redeem_sign_in_link(self, token: str, client: pb.Client) -> pb.RedeemResponse:
        request = pb.RedeemSignInLinkRequest(token=token, client=client)
        return await unary(self.stubs.sign_in.RedeemSignInLink, request, self.scope)

    async def redeem_sign_in_code(self, attempt_id: str, code: str, client: pb.Client) -> pb.RedeemResponse:
        request = pb.RedeemSignInCodeRequest(attempt_id=attempt_id, code=code, client=client)
        return await unary(self.stubs.sign_in.RedeemSignInCode, request, self.scope)

    async def redeem_sso_token(self, token: str, client: pb.Client) -> pb.RedeemResponse:
        return await unary(
            self.stubs.sign_in.RedeemSsoToken, pb.RedeemSsoTokenRequest(token=token, client=client), self.scope
        )

    async def issue_sso_token(self, customer_id: int, ttl_seconds: int) -> pb.IssueSsoTokenResponse:
        request = pb.IssueSsoTokenRequest(customer_id=customer_id, ttl_seconds=ttl_seconds)
        return await unary(self.stubs.sign_in.IssueSsoToken, request, self.scope)

    async def rotate_sso_key(self) -> str:
        reply: pb.RotateSsoKeyResponse = await unary(
            self.stubs.sign_in.RotateSsoKey, pb.RotateSsoKeyRequest(), self.scope
        )
        return reply.sso_key

    # Sessions
    async def get_session(self, session_token: str) -> pb.Session:
        cached = self.caches.session(self.tenant, session_token)
        if cached is not None:
            return cached
        reply: pb.GetSessionResponse = await unary(
            self.stubs.sessions.GetSession, pb.GetSessionRequest(session_token=session_token), self.scope, read=True
        )
        self.caches.keep_session(self.tenant, session_token, reply.session)
        return reply.session

    async def record_activity(self, sessions: dict[str, float]) -> int:
        """Activity seen on cached sessions of this business (session id -> unix time), in one call."""
        request = pb.RecordActivityRequest(
            activity=[pb.SessionActivity(session_id=sid, at=int(at)) for sid, at in sorted(sessions.items())]
        )
        reply: pb.RecordActivityResponse = await unary(self.stubs.sessions.RecordActivity, request, self.scope)
        return reply.recorded

    async def open_document_link(
        self,
        link_token: str,
        session_token: str,
        client: pb.Client,
        start_guest_session: bool,
        document_type: str = "invoice",
    ) -> pb.OpenDocumentLinkResponse:
        """What opening an emailed document link ("invoice" or "estimate") does, decided by auth in one call."""
        request = pb.OpenDocumentLinkRequest(
            link_token=link_token,
            session_token=session_token,
            client=client,
            start_guest_session=start_guest_session,
            document_type=document_type,
        )
        reply: pb.OpenDocumentLinkResponse = await unary(self.stubs.sessions.OpenDocumentLink, request, self.scope)
        if session_token and reply.outcome == pb.OpenDocumentLinkResponse.Outcome.OUTCOME_SIGNED_IN:
            self.caches.forget_session(
                self.tenant, session_token
            )  # auth may have switched it to the document's account
        return reply

    async def start_temporary_session(
        self, customer_id: int, document_type: str, document_id: int, client: pb.Client
    ) -> pb.StartTemporarySessionResponse:
        """A guest session for one document of a customer (e.g. its payment methods, from an AutoPay email)."""
        request = pb.StartTemporarySessionRequest(
            customer_id=customer_id, document_type=document_type, document_id=document_id, client=client
        )
        reply: pb.StartTemporarySessionResponse = await unary(
            self.stubs.sessions.StartTemporarySession, request, self.scope
        )
        return reply

    async def switch_account(self, session_token: str, customer_id: int) -> pb.Session:
        request = pb.SwitchAccountRequest(session_token=session_token, customer_id=customer_id)
        try:
            reply: pb.SwitchAccountResponse = await unary(self.stubs.sessions.SwitchAccount, request, self.scope)
        finally:
            self.caches.forget_session(self.tenant, session_token)
        return reply.session

    async def end_session(self, session_token: str) -> None:
        try:
            await unary(self.stubs.sessions.EndSession, pb.EndSessionRequest(session_token=session_token), self.scope)
        finally:
            self.caches.forget_session(self.tenant, session_token)

    async def end_sessions_everywhere(self, session_token: str) -> int:
        current = self.caches.session(self.tenant, session_token)
        request = pb.EndSessionsEverywhereRequest(session_token=session_token)
        try:
            reply: pb.EndSessionsEverywhereResponse = await unary(
                self.stubs.sessions.EndSessionsEverywhere, request, self.scope
            )
        finally:
            if current is not None:
                self.caches.revoke_person(self.tenant, current)
            else:  # whose sessions these are is unknown here: drop the business's copies, they are re-checked
                self.caches.revoke_all_sessions(self.tenant)
        return reply.ended

    async def end_customer_sessions(self, customer_id: int) -> int:
        request = pb.EndCustomerSessionsRequest(customer_id=customer_id)
        try:
            reply: pb.EndCustomerSessionsResponse = await unary(
                self.stubs.sessions.EndCustomerSessions, request, self.scope
            )
        finally:
            self.caches.revoke_customer(self.tenant, customer_id)
        return reply.ended

    async def recent_sign_ins(self, session_token: str, limit: int) -> list[pb.SignIn]:
        request = pb.ListRecentSignInsRequest(session_token=session_token, limit=limit)
        reply: pb.ListRecentSignInsResponse = await unary(
            self.stubs.sessions.ListRecentSignIns, request, self.scope, read=True
        )
        return list(reply.sign_ins)

    # Portal settings
    async def portal_settings(self) -> pb.PortalSettings:
        reply: pb.GetPortalSettingsResponse = await unary(
            self.stubs.settings.GetPortalSettings, pb.GetPortalSettingsRequest(), self.scope, read=True
        )
        return reply.settings

    async def update_portal_settings(self, changes: pb.PortalSettingsChanges) -> pb.PortalSettings:
        request = pb.UpdatePortalSettingsRequest(changes=changes)
        try:
            reply: pb.UpdatePortalSettingsResponse = await unary(
                self.stubs.settings.UpdatePortalSettings, request, self.scope
            )
        finally:  # tightened timeouts apply at once: sessions are checked by auth again
            self.caches.revoke_all_sessions(self.tenant)
        return reply.settings
