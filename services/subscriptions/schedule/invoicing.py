"""Billing's SubscriptionInvoiceService as the scheduler uses it. Calls carry the tenant bound by the caller."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from portal.billing.v1 import subscription_invoices_pb2 as pb
from portal.billing.v1.subscription_invoices_pb2_grpc import SubscriptionInvoiceServiceStub
from portal_kit import grpc_client, idempotency
from portal_kit.service_auth import ServiceCredential

# Billing makes, emails and may charge the invoice in one call: give it longer than a read.
CREATE_DEADLINE_SECONDS = 30.0
STATES_BATCH = 500


class Invoicing(Protocol):
    async def create_invoice(
        self, request: pb.CreateSubscriptionInvoiceRequest
    ) -> pb.CreateSubscriptionInvoiceResponse: ...
    async def invoice_states(self, invoice_ids: Sequence[int]) -> list[pb.SubscriptionInvoiceState]: ...
    async def record_event(self, request: pb.RecordSubscriptionEventRequest, key: str) -> None: ...
    async def send_notice(self, request: pb.SendSubscriptionNoticeRequest, key: str) -> None: ...


def _fingerprint(request: bytes) -> str:
    return hashlib.sha256(request).hexdigest()


class GrpcInvoicing:
    """Failures come back as grpc.aio.AioRpcError (the scheduler retries on its next pass)."""

    def __init__(self, target: str, credential: ServiceCredential | None = None) -> None:
        self.target = target
        self.credential = credential  # None: this process's own (PORTAL_SERVICE_NAME's token)
        self._channel = grpc_client.LoopChannel(target, credential=credential)

    def _stub(self) -> SubscriptionInvoiceServiceStub:
        return SubscriptionInvoiceServiceStub(self._channel.get())

    async def create_invoice(
        self, request: pb.CreateSubscriptionInvoiceRequest
    ) -> pb.CreateSubscriptionInvoiceResponse:
        return await self._stub().CreateSubscriptionInvoice(request, timeout=CREATE_DEADLINE_SECONDS)

    async def invoice_states(self, invoice_ids: Sequence[int]) -> list[pb.SubscriptionInvoiceState]:
        found: list[pb.SubscriptionInvoiceState] = []
        for i in range(0, len(invoice_ids), STATES_BATCH):
            asked = pb.GetSubscriptionInvoiceStatesRequest(invoice_ids=list(invoice_ids[i : i + STATES_BATCH]))
            found.extend((await self._stub().GetSubscriptionInvoiceStates(asked)).invoices)
        return found

    async def record_event(self, request: pb.RecordSubscriptionEventRequest, key: str) -> None:
        """Keyed: billing keeps the reply, so a retry after a lost answer logs the event once."""
        with idempotency.claimed(key, _fingerprint(request.SerializeToString(deterministic=True))):
            await self._stub().RecordSubscriptionEvent(request)

    async def send_notice(self, request: pb.SendSubscriptionNoticeRequest, key: str) -> None:
        with idempotency.claimed(key, _fingerprint(request.SerializeToString(deterministic=True))):
            await self._stub().SendSubscriptionNotice(request)

    async def close(self) -> None:
        await self._channel.close()
