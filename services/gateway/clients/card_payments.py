"""Billing's card payments as the gateway uses them: the business's Stripe settings and charges, a customer's
wallet in the portal, and Stripe's webhooks relayed untouched (billing verifies them)."""

from __future__ import annotations

import grpc
from portal.billing.v1 import card_payments_pb2 as pb
from portal.billing.v1 import card_payments_pb2_grpc

from services.gateway.clients.calls import CallScope, unary


class CardPaymentStubs:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.account = card_payments_pb2_grpc.StripeAccountServiceStub(channel)
        self.wallet = card_payments_pb2_grpc.WalletServiceStub(channel)


class CardPaymentsClient:
    def __init__(self, stubs: CardPaymentStubs, scope: CallScope) -> None:
        self.stubs = stubs
        self.scope = scope

    # The business
    async def connect(
        self, secret_key: str, publishable_key: str, webhook_secret: str, portal_url: str, business_name: str
    ) -> pb.PaymentSettings:
        request = pb.ConnectStripeRequest(
            secret_key=secret_key, publishable_key=publishable_key, webhook_secret=webhook_secret,
            portal_url=portal_url, business_name=business_name,
        )  # fmt: skip
        return await unary(self.stubs.account.ConnectStripe, request, self.scope)

    async def settings(self) -> pb.PaymentSettings:
        return await unary(self.stubs.account.GetPaymentSettings, pb.GetPaymentSettingsRequest(), self.scope, read=True)

    async def update_settings(self, request: pb.UpdatePaymentSettingsRequest) -> pb.PaymentSettings:
        return await unary(self.stubs.account.UpdatePaymentSettings, request, self.scope)

    async def payment_sources(self, customer_id: int) -> list[pb.PaymentSource]:
        request = pb.ListPaymentSourcesRequest(customer_id=customer_id)
        reply: pb.ListPaymentSourcesResponse = await unary(
            self.stubs.account.ListPaymentSources, request, self.scope, read=True
        )
        return list(reply.sources)

    async def delete_payment_source(self, customer_id: int, source_id: int) -> None:
        request = pb.DeletePaymentSourceRequest(customer_id=customer_id, id=source_id)
        await unary(self.stubs.account.DeletePaymentSource, request, self.scope)

    async def charge(self, request: pb.ChargeRequest) -> pb.CardPayment:
        return await unary(self.stubs.account.Charge, request, self.scope)

    async def refund(self, payment_id: int, amount: int) -> pb.CardPayment:
        return await unary(
            self.stubs.account.Refund, pb.RefundRequest(payment_id=payment_id, amount=amount), self.scope
        )

    async def card_payment(self, payment_id: int) -> pb.CardPayment:
        return await unary(
            self.stubs.account.GetCardPayment, pb.GetCardPaymentRequest(payment_id=payment_id), self.scope, read=True
        )

    async def pay_invoice(self, invoice_id: int) -> pb.CardPayment:
        return await unary(self.stubs.account.PayInvoice, pb.PayInvoiceRequest(invoice_id=invoice_id), self.scope)

    async def redeem_card_update_link(self, token: str) -> pb.RedeemCardUpdateLinkResponse:
        request = pb.RedeemCardUpdateLinkRequest(token=token)
        return await unary(self.stubs.account.RedeemCardUpdateLink, request, self.scope)

    async def receive_webhook(self, payload: bytes, signature: str) -> pb.ReceiveWebhookResponse:
        request = pb.ReceiveWebhookRequest(payload=payload, signature=signature)
        return await unary(self.stubs.account.ReceiveWebhook, request, self.scope)

    # A customer in the portal (the scope carries its principal)
    async def wallet(self) -> pb.Wallet:
        return await unary(self.stubs.wallet.GetWallet, pb.GetWalletRequest(), self.scope, read=True)

    async def start_card_setup(self) -> pb.CardSetup:
        return await unary(self.stubs.wallet.StartCardSetup, pb.StartCardSetupRequest(), self.scope)

    async def finish_card_setup(self, setup_intent: str, make_default: bool) -> pb.PaymentSource:
        request = pb.FinishCardSetupRequest(setup_intent=setup_intent, make_default=make_default)
        return await unary(self.stubs.wallet.FinishCardSetup, request, self.scope)

    async def remove_card(self, card_id: int) -> pb.Wallet:
        return await unary(self.stubs.wallet.RemoveCard, pb.RemoveCardRequest(id=card_id), self.scope)

    async def make_default(self, card_id: int) -> pb.Wallet:
        return await unary(self.stubs.wallet.MakeDefaultCard, pb.MakeDefaultCardRequest(id=card_id), self.scope)

    async def set_autopay(self, enabled: bool, card_id: int) -> pb.Wallet:
        return await unary(
            self.stubs.wallet.SetAutoPay, pb.SetAutoPayRequest(enabled=enabled, card_id=card_id), self.scope
        )

    async def start_payment(self, request: pb.StartPaymentRequest) -> pb.CardPayment:
        return await unary(self.stubs.wallet.StartPayment, request, self.scope)

    async def payment(self, payment_id: int) -> pb.CardPayment:
        return await unary(
            self.stubs.wallet.GetPayment, pb.GetCardPaymentRequest(payment_id=payment_id), self.scope, read=True
        )

    async def open_payments(self) -> list[pb.CardPayment]:
        reply: pb.OpenPaymentsResponse = await unary(
            self.stubs.wallet.OpenPayments, pb.OpenPaymentsRequest(), self.scope
        )
        return list(reply.payments)
