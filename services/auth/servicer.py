from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.db import Database
from portal_kit.timestamps import unix, utcnow

from services.auth import api_keys, businesses, portal_settings, revocations
from services.auth.models import ApiKey, Business
from services.auth.portal_settings import SettingsChanges


def api_key_to_pb(key: ApiKey) -> pb.ApiKey:
    """What anyone may see of a key: never its secret, nor its hash."""
    return pb.ApiKey(
        id=key.id,
        name=key.name,
        last4=key.last4,
        created_at=unix(key.created_at),
        last_used_at=unix(key.last_used_at) if key.last_used_at is not None else None,
        revoked_at=unix(key.revoked_at) if key.revoked_at is not None else None,
    )


def business_to_pb(business: Business) -> pb.Business:
    return pb.Business(
        id=business.id,
        username=business.username,
        display_name=business.display_name,
        created_at=unix(business.created_at),
    )


class BusinessAdminServicer(auth_pb2_grpc.BusinessAdminServiceServicer):
    """The operator's RPCs (the bootstrap CLI); the admin credential is checked before any of them runs."""

    def __init__(
        self,
        db: Database,
        secret_key: bytes,
        now: Callable[[], datetime] = utcnow,
        revoked: revocations.RevocationPublisher | None = None,
    ) -> None:
        self.db = db
        self.secret_key = secret_key
        self.now = now
        self.revoked = revoked

    async def CreateBusiness(
        self, request: pb.CreateBusinessRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateBusinessResponse:
        async with self.db.unit_of_work() as session:
            business, api_key = await businesses.create_business(
                session, self.secret_key, username=request.username, display_name=request.display_name
            )
        return pb.CreateBusinessResponse(business=business_to_pb(business), api_key=api_key, sso_key=business.sso_key)

    async def IssueApiKey(
        self, request: pb.IssueApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.IssueApiKeyResponse:
        async with self.db.unit_of_work() as session:
            business, issued = await businesses.issue_api_key(session, self.secret_key, request.username, request.name)
        return pb.IssueApiKeyResponse(
            business=business_to_pb(business),
            api_key=issued.secret,
            sso_key=business.sso_key,
            key=api_key_to_pb(issued.key),
        )

    async def ListBusinessApiKeys(
        self, request: pb.ListBusinessApiKeysRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListBusinessApiKeysResponse:
        async with self.db.unit_of_work() as session:
            business = await businesses.business_by_username(session, request.username)
            keys = await api_keys.list_keys(session, business)
        return pb.ListBusinessApiKeysResponse(
            business=business_to_pb(business), api_keys=[api_key_to_pb(k) for k in keys]
        )

    async def RevokeBusinessApiKey(
        self, request: pb.RevokeBusinessApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeBusinessApiKeyResponse:
        async with self.db.unit_of_work() as session:
            business = await businesses.business_by_username(session, request.username)
            key = await api_keys.revoke(session, business, request.id, self.now())
        if self.revoked is not None:  # gateways drop their copies of this business's validated keys
            self.revoked.publish(revocations.api_keys_revoked(business.id))
        return pb.RevokeBusinessApiKeyResponse(api_key=api_key_to_pb(key))


class ApiKeyServicer(auth_pb2_grpc.ApiKeyServiceServicer):
    """A business managing its own keys; the business is the call's tenant."""

    def __init__(
        self,
        db: Database,
        secret_key: bytes,
        now: Callable[[], datetime],
        revoked: revocations.RevocationPublisher | None = None,
    ) -> None:
        self.db = db
        self.secret_key = secret_key
        self.now = now
        self.revoked = revoked

    async def ListApiKeys(
        self, request: pb.ListApiKeysRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListApiKeysResponse:
        async with self.db.unit_of_work() as session:
            keys = await api_keys.list_keys(session, await businesses.current_business(session))
        return pb.ListApiKeysResponse(api_keys=[api_key_to_pb(k) for k in keys])

    async def CreateApiKey(
        self, request: pb.CreateApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateApiKeyResponse:
        async with self.db.unit_of_work() as session:
            business = await businesses.current_business(session)
            issued = await api_keys.issue(session, self.secret_key, business, request.name)
        return pb.CreateApiKeyResponse(api_key=api_key_to_pb(issued.key), secret=issued.secret)

    async def RevokeApiKey(
        self, request: pb.RevokeApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeApiKeyResponse:
        async with self.db.unit_of_work() as session:
            business = await businesses.current_business(session)
            key = await api_keys.revoke(session, business, request.id, self.now())
        if self.revoked is not None:  # gateways drop their copies of this business's validated keys
            self.revoked.publish(revocations.api_keys_revoked(business.id))
        return pb.RevokeApiKeyResponse(api_key=api_key_to_pb(key))


class BusinessServicer(auth_pb2_grpc.BusinessServiceServicer):
    def __init__(self, db: Database, secret_key: bytes) -> None:
        self.db = db
        self.secret_key = secret_key

    async def ResolveBusiness(
        self, request: pb.ResolveBusinessRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveBusinessResponse:
        async with self.db.unit_of_work() as session:
            business = await businesses.resolve_business(session, request.username)
        return pb.ResolveBusinessResponse(business=business_to_pb(business))

    async def AuthenticateApiKey(
        self, request: pb.AuthenticateApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.AuthenticateApiKeyResponse:
        async with self.db.unit_of_work() as session:
            business = await businesses.authenticate_api_key(session, self.secret_key, request.api_key)
        return pb.AuthenticateApiKeyResponse(business=business_to_pb(business))


def settings_to_pb(business: Business) -> pb.PortalSettings:
    return pb.PortalSettings(
        temporary_scope=business.temporary_scope,
        require_sign_in=business.require_sign_in,
        idle_timeout_minutes=business.idle_timeout_minutes,
        absolute_timeout_hours=business.absolute_timeout_hours,
    )


def changes_of(changes: pb.PortalSettingsChanges) -> SettingsChanges:
    return SettingsChanges(
        temporary_scope=changes.temporary_scope if changes.HasField("temporary_scope") else None,
        require_sign_in=changes.require_sign_in if changes.HasField("require_sign_in") else None,
        idle_timeout_minutes=changes.idle_timeout_minutes if changes.HasField("idle_timeout_minutes") else None,
        absolute_timeout_hours=changes.absolute_timeout_hours if changes.HasField("absolute_timeout_hours") else None,
    )


class PortalSettingsServicer(auth_pb2_grpc.PortalSettingsServiceServicer):
    def __init__(
        self, db: Database, now: Callable[[], datetime], revoked: revocations.RevocationPublisher | None = None
    ) -> None:
        self.db = db
        self.now = now
        self.revoked = revoked

    async def GetPortalSettings(
        self, request: pb.GetPortalSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPortalSettingsResponse:
        async with self.db.unit_of_work() as session:
            business = await portal_settings.get_settings(session)
        return pb.GetPortalSettingsResponse(settings=settings_to_pb(business))

    async def UpdatePortalSettings(
        self, request: pb.UpdatePortalSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdatePortalSettingsResponse:
        changes = changes_of(request.changes)
        async with self.db.unit_of_work() as session:
            business = await portal_settings.update_settings(session, changes, self.now())
        timeouts = changes.idle_timeout_minutes is not None or changes.absolute_timeout_hours is not None
        if timeouts and self.revoked is not None:  # tightened timeouts apply at once, also to gateways' copies
            self.revoked.publish(revocations.all_sessions_revoked(business.id))
        return pb.UpdatePortalSettingsResponse(settings=settings_to_pb(business))
