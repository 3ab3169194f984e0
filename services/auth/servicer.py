from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
from portal.auth.v1 import auth_pb2 as pb
from portal.auth.v1 import auth_pb2_grpc
from portal_kit.db import Database
from portal_kit.timestamps import unix

from services.auth import businesses, idempotency
from services.auth.idempotency import BeginState
from services.auth.models import Business

STATES = {
    BeginState.NEW: pb.BeginIdempotentRequestResponse.STATE_NEW,
    BeginState.IN_PROGRESS: pb.BeginIdempotentRequestResponse.STATE_IN_PROGRESS,
    BeginState.COMPLETED: pb.BeginIdempotentRequestResponse.STATE_COMPLETED,
    BeginState.MISMATCH: pb.BeginIdempotentRequestResponse.STATE_MISMATCH,
}


def business_to_pb(business: Business) -> pb.Business:
    return pb.Business(
        id=business.id,
        username=business.username,
        display_name=business.display_name,
        created_at=unix(business.created_at),
    )


class BusinessAdminServicer(auth_pb2_grpc.BusinessAdminServiceServicer):
    def __init__(self, db: Database, secret_key: bytes) -> None:
        self.db = db
        self.secret_key = secret_key

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
            business, api_key = await businesses.issue_api_key(session, self.secret_key, request.username)
        return pb.IssueApiKeyResponse(business=business_to_pb(business), api_key=api_key, sso_key=business.sso_key)


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


class IdempotencyServicer(auth_pb2_grpc.IdempotencyServiceServicer):
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self.db = db
        self.now = now

    async def BeginIdempotentRequest(
        self, request: pb.BeginIdempotentRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.BeginIdempotentRequestResponse:
        async with self.db.unit_of_work() as session:
            begun = await idempotency.begin(
                session, key=request.key, method=request.method, path=request.path, now=self.now()
            )
        reply = pb.BeginIdempotentRequestResponse(state=STATES[begun.state])
        if begun.stored is not None:
            reply.status_code = begun.stored.status_code or 0
            reply.body = begun.stored.body or b""
            reply.headers_json = begun.stored.headers_json or ""
        return reply

    async def CompleteIdempotentRequest(
        self, request: pb.CompleteIdempotentRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompleteIdempotentRequestResponse:
        async with self.db.unit_of_work() as session:
            await idempotency.complete(
                session,
                key=request.key,
                status_code=request.status_code,
                body=request.body,
                headers_json=request.headers_json,
            )
        return pb.CompleteIdempotentRequestResponse()

    async def AbandonIdempotentRequest(
        self, request: pb.AbandonIdempotentRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.AbandonIdempotentRequestResponse:
        async with self.db.unit_of_work() as session:
            await idempotency.abandon(session, request.key)
        return pb.AbandonIdempotentRequestResponse()
