"""SignUpCardService: the sign-up saga's card steps (caller: subscriptions). See sign_up_cards.py."""

from __future__ import annotations

import grpc
from portal.billing.v1 import card_payments_pb2 as pb
from portal.billing.v1 import card_payments_pb2_grpc
from portal_kit.db import Database

from services.billing.card_payments import sign_up_cards
from services.billing.card_payments.account import StripeConfig


class SignUpCardServicer(card_payments_pb2_grpc.SignUpCardServiceServicer):
    def __init__(self, db: Database, config: StripeConfig) -> None:
        self.db = db
        self.config = config

    async def StartSignUpCardSetup(
        self, request: pb.SignUpCardSetupRequest, context: grpc.aio.ServicerContext
    ) -> pb.CardSetup:
        async with self.db.unit_of_work() as session:
            secret, publishable = await sign_up_cards.start_setup(session, self.config)
        return pb.CardSetup(client_secret=secret, publishable_key=publishable)

    async def ChargeSignUpCard(
        self, request: pb.ChargeSignUpCardRequest, context: grpc.aio.ServicerContext
    ) -> pb.SignUpCharge:
        async with self.db.unit_of_work() as session:
            charged = await sign_up_cards.charge_sign_up_card(
                session,
                self.config,
                setup_intent=request.setup_intent,
                sign_up_key=request.sign_up_key,
                name=request.name,
                email=request.email,
                amount=request.amount,
                currency=request.currency,
            )
        return pb.SignUpCharge(
            status=charged.status,
            failure_message=charged.failure_message,
            stripe_customer=charged.stripe_customer,
            payment_method=charged.payment_method,
            payment_intent=charged.payment_intent,
        )

    async def AdoptSignUpCard(
        self, request: pb.AdoptSignUpCardRequest, context: grpc.aio.ServicerContext
    ) -> pb.AdoptSignUpCardResponse:
        async with self.db.unit_of_work() as session:
            payment_id = await sign_up_cards.adopt_sign_up_card(
                session,
                self.config,
                customer_id=request.customer_id,
                stripe_customer=request.stripe_customer,
                payment_method=request.payment_method,
                payment_intent=request.payment_intent,
                invoice_id=request.invoice_id,
                sign_up_key=request.sign_up_key,
                autopay=request.autopay,
            )
        return pb.AdoptSignUpCardResponse(payment_id=payment_id)

    async def RefundSignUpCharge(
        self, request: pb.RefundSignUpChargeRequest, context: grpc.aio.ServicerContext
    ) -> pb.RefundSignUpChargeResponse:
        async with self.db.unit_of_work() as session:
            await sign_up_cards.refund_sign_up_charge(session, self.config, request.payment_intent, request.sign_up_key)
        return pb.RefundSignUpChargeResponse()
