from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from portal.billing.v1 import (
    account_pb2_grpc,
    card_payments_pb2_grpc,
    customers_pb2_grpc,
    estimates_pb2_grpc,
    event_log_pb2_grpc,
    invoices_pb2_grpc,
    payments_pb2_grpc,
    subscription_invoices_pb2_grpc,
)
from portal_kit.consumer import IdempotentConsumer
from portal_kit.db import Database
from portal_kit.grpc_server import Registration, Worker
from portal_kit.kafka_topics import wait_for_topics
from portal_kit.outbox import OutboxRelay
from portal_kit.service import Wiring

from services.billing.account_servicer import AccountServicer
from services.billing.attention.flags import COMMENT_FLAG_TOPIC, CommentFlagHandler
from services.billing.attention.notices import AttentionDigest
from services.billing.card_payments import autopay
from services.billing.card_payments.account import StripeConfig
from services.billing.card_payments.sealing import Sealer
from services.billing.card_payments.servicer import StripeAccountServicer, WalletServicer
from services.billing.card_payments.sign_up_servicer import SignUpCardServicer
from services.billing.customer_servicer import CustomerServicer
from services.billing.estimates.servicer import EstimateServicer
from services.billing.event_log.servicer import EventLogServicer
from services.billing.event_log.subscription_events import SUBSCRIPTION_CHANGED_TOPIC, SubscriptionEventHandler
from services.billing.invoice_servicer import InvoiceServicer
from services.billing.payments.account_servicer import AccountPaymentServicer
from services.billing.payments.servicer import PaymentServicer
from services.billing.settings import BillingSettings
from services.billing.subscription_invoices.servicer import SubscriptionInvoiceServicer

MIGRATIONS = Path(__file__).parent / "migrations"


def build(db: Database, settings: BillingSettings) -> Wiring:
    relay = OutboxRelay(db, settings.kafka.bootstrap, settings.kafka.idempotence)
    window = timedelta(seconds=settings.attention_digest_seconds)
    flags = IdempotentConsumer(
        db,
        settings.kafka.bootstrap,
        [COMMENT_FLAG_TOPIC],
        "billing.attention",
        CommentFlagHandler(settings.secret_key, window),
        group_timeout_ms=settings.kafka.group_timeout_ms,
        on_handled=relay.notify,
    )

    async def consume_flags() -> None:
        await wait_for_topics(settings.kafka.bootstrap, [COMMENT_FLAG_TOPIC])
        await flags.run()

    subscription_events = IdempotentConsumer(
        db,
        settings.kafka.bootstrap,
        [SUBSCRIPTION_CHANGED_TOPIC],
        "billing.subscription_events",
        SubscriptionEventHandler(),
        group_timeout_ms=settings.kafka.group_timeout_ms,
    )

    async def consume_subscription_events() -> None:
        await wait_for_topics(settings.kafka.bootstrap, [SUBSCRIPTION_CHANGED_TOPIC])
        await subscription_events.run()

    stripe_config = StripeConfig(
        Sealer(settings.encryption_key_bytes), settings.stripe_api_base or None, settings.secret_key
    )

    async def autopay_job() -> None:
        await autopay.run_forever(db, stripe_config, settings.autopay_interval_seconds)

    return Wiring(
        registrations=[
            Registration(
                "portal.billing.v1.CustomerService",
                customers_pb2_grpc.add_CustomerServiceServicer_to_server,
                CustomerServicer(db, settings.secret_key),
            ),
            Registration(
                "portal.billing.v1.InvoiceService",
                invoices_pb2_grpc.add_InvoiceServiceServicer_to_server,
                InvoiceServicer(db, settings.secret_key, relay),
            ),
            Registration(
                "portal.billing.v1.AccountService",
                account_pb2_grpc.add_AccountServiceServicer_to_server,
                AccountServicer(db, settings.secret_key),
            ),
            Registration(
                "portal.billing.v1.EstimateService",
                estimates_pb2_grpc.add_EstimateServiceServicer_to_server,
                EstimateServicer(db, settings.secret_key, relay),
            ),
            Registration(
                "portal.billing.v1.EventLogService",
                event_log_pb2_grpc.add_EventLogServiceServicer_to_server,
                EventLogServicer(db),
            ),
            Registration(
                "portal.billing.v1.PaymentService",
                payments_pb2_grpc.add_PaymentServiceServicer_to_server,
                PaymentServicer(db, settings.secret_key, relay),
            ),
            Registration(
                "portal.billing.v1.AccountPaymentService",
                payments_pb2_grpc.add_AccountPaymentServiceServicer_to_server,
                AccountPaymentServicer(db, settings.secret_key),
            ),
            Registration(
                "portal.billing.v1.StripeAccountService",
                card_payments_pb2_grpc.add_StripeAccountServiceServicer_to_server,
                StripeAccountServicer(db, stripe_config),
            ),
            Registration(
                "portal.billing.v1.WalletService",
                card_payments_pb2_grpc.add_WalletServiceServicer_to_server,
                WalletServicer(db, stripe_config),
            ),
            Registration(
                "portal.billing.v1.SignUpCardService",
                card_payments_pb2_grpc.add_SignUpCardServiceServicer_to_server,
                SignUpCardServicer(db, stripe_config),
            ),
            Registration(
                "portal.billing.v1.SubscriptionInvoiceService",
                subscription_invoices_pb2_grpc.add_SubscriptionInvoiceServiceServicer_to_server,
                SubscriptionInvoiceServicer(db, settings.secret_key, relay, stripe_config),
            ),
        ],
        background=[
            Worker(relay.run, relay.stop),
            Worker(consume_flags, flags.stop),
            Worker(consume_subscription_events, subscription_events.stop),
            AttentionDigest(db, relay, window).run,
            autopay_job,
        ],
        replays=db,
    )
