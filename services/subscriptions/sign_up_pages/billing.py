"""The billing service as sign-up pages need it: customers, and the sign-up card (billing calls Stripe)."""

from __future__ import annotations

import os

import grpc
from portal.billing.v1 import card_payments_pb2 as cpb
from portal.billing.v1 import customers_pb2 as pb
from portal.billing.v1 import invoices_pb2 as ipb
from portal.billing.v1 import subscription_invoices_pb2 as sipb
from portal.billing.v1.card_payments_pb2_grpc import SignUpCardServiceStub, StripeAccountServiceStub
from portal.billing.v1.customers_pb2_grpc import CustomerServiceStub
from portal.billing.v1.invoices_pb2_grpc import InvoiceServiceStub
from portal.billing.v1.subscription_invoices_pb2_grpc import SubscriptionInvoiceServiceStub
from portal_kit import grpc_client
from portal_kit.balancing import BalancedChannel
from portal_kit.errors import NotFound

PERIOD_INVOICE_SECONDS = 30.0  # billing makes, numbers and emails the invoice in that call
BILLING_ADDR_ENV = "PORTAL_BILLING_ADDR"
DEFAULT_BILLING_ADDR = "127.0.0.1:50052"


class SignUpBilling:
    """Calls carry the tenant bound in the context, like every backend call."""

    def __init__(self, target: str | None = None) -> None:
        self.target = target or os.environ.get(BILLING_ADDR_ENV) or DEFAULT_BILLING_ADDR
        self._channel = grpc_client.LoopChannel(self.target)

    def _channel_now(self) -> BalancedChannel:
        return self._channel.get()

    async def _call(self, method: grpc.aio.UnaryUnaryMultiCallable, request: object) -> object:
        try:
            return await method(request)
        except grpc.aio.AioRpcError as error:
            raise grpc_client.domain_error(error) from None

    def customers(self) -> CustomerServiceStub:
        return CustomerServiceStub(self._channel_now())

    def stripe(self) -> StripeAccountServiceStub:
        return StripeAccountServiceStub(self._channel_now())

    async def customer(self, customer_id: int) -> pb.Customer | None:
        try:
            reply = await self._call(self.customers().GetCustomer, pb.GetCustomerRequest(id=customer_id))
        except NotFound:
            return None
        assert isinstance(reply, pb.GetCustomerResponse)
        return reply.customer

    async def payment_settings(self) -> cpb.PaymentSettings:
        reply = await self._call(self.stripe().GetPaymentSettings, cpb.GetPaymentSettingsRequest())
        assert isinstance(reply, cpb.PaymentSettings)
        return reply


class SignUpBillingSteps(SignUpBilling):
    """The saga's billing steps, each one call (see saga.py for their order and compensations)."""

    def cards(self) -> SignUpCardServiceStub:
        return SignUpCardServiceStub(self._channel_now())

    async def start_card_setup(self) -> cpb.CardSetup:
        reply = await self._call(self.cards().StartSignUpCardSetup, cpb.SignUpCardSetupRequest())
        assert isinstance(reply, cpb.CardSetup)
        return reply

    async def charge(self, request: cpb.ChargeSignUpCardRequest) -> cpb.SignUpCharge:
        reply = await self._call(self.cards().ChargeSignUpCard, request)
        assert isinstance(reply, cpb.SignUpCharge)
        return reply

    async def adopt(self, request: cpb.AdoptSignUpCardRequest) -> int:
        reply = await self._call(self.cards().AdoptSignUpCard, request)
        assert isinstance(reply, cpb.AdoptSignUpCardResponse)
        return reply.payment_id

    async def refund(self, payment_intent: str, sign_up_key: str) -> None:
        request = cpb.RefundSignUpChargeRequest(payment_intent=payment_intent, sign_up_key=sign_up_key)
        await self._call(self.cards().RefundSignUpCharge, request)

    async def create_customer(self, customer: pb.Customer) -> pb.Customer:
        reply = await self._call(self.customers().CreateCustomer, pb.CreateCustomerRequest(customer=customer))
        assert isinstance(reply, pb.CreateCustomerResponse)
        return reply.customer

    async def delete_customer(self, customer_id: int) -> None:
        await self._call(self.customers().DeleteCustomer, pb.DeleteCustomerRequest(id=customer_id))

    async def create_period_invoice(
        self, request: sipb.CreateSubscriptionInvoiceRequest
    ) -> sipb.CreateSubscriptionInvoiceResponse:
        """Billing's period invoice (idempotent by subscription and period). Failures stay grpc errors: the
        scheduler's `bill_period`, which makes this call, expects them so."""
        stub = SubscriptionInvoiceServiceStub(self._channel_now())
        reply: sipb.CreateSubscriptionInvoiceResponse = await stub.CreateSubscriptionInvoice(
            request, timeout=PERIOD_INVOICE_SECONDS
        )
        return reply

    async def void_invoice(self, invoice_id: int) -> None:
        await self._call(InvoiceServiceStub(self._channel_now()).VoidInvoice, ipb.VoidInvoiceRequest(id=invoice_id))
