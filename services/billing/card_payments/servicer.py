"""gRPC edge of card payments: StripeAccountService (the business) and WalletService (a portal customer)."""

from __future__ import annotations

import grpc
from portal.billing.v1 import card_payments_pb2 as pb
from portal.billing.v1 import card_payments_pb2_grpc
from portal_kit.db import Database
from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from portal_kit.principal import Principal, required_principal
from portal_kit.timestamps import utcnow
from sqlalchemy.exc import IntegrityError

from services.billing.card_payments import account, autopay, cards, paying, update_links, webhooks
from services.billing.card_payments.account import SettingsChanges, StripeConfig, rules_of
from services.billing.card_payments.messages import card_to_pb, charge_to_pb, settings_to_pb
from services.billing.card_payments.paying import CardChoice, Outcome
from services.billing.card_payments.repository import CardChargeRepository, StripeAccountRepository
from services.billing.repository import InvoiceRepository


class CardPayments:
    """The three-step charge shared by both services: open (commit), ask Stripe, record the answer."""

    def __init__(self, db: Database, config: StripeConfig) -> None:
        self.db = db
        self.config = config

    async def pay(
        self, customer_id: int, allocations: list[tuple[int, int]], choice: CardChoice, request_key: str,
        off_session: bool = False, estimate_id: int | None = None,
    ) -> Outcome:  # fmt: skip
        try:
            async with self.db.unit_of_work() as session:
                replay = await CardChargeRepository(session).by_request_key(request_key)
                if replay is not None:
                    if replay.customer_id != customer_id:
                        raise InvalidArgument("That payment request belongs to another account.", "request_key")
                    return Outcome(replay)
                charge = await paying.open_charge(session, self.config, customer_id, allocations, choice, request_key,
                                                  estimate_id)  # fmt: skip
        except IntegrityError:  # the same request key committed meanwhile (a double click): replay it
            async with self.db.unit_of_work() as session:
                replay = await CardChargeRepository(session).by_request_key(request_key)
            if replay is None:
                raise
            return Outcome(replay)
        async with self.db.unit_of_work() as session:
            answer = await paying.ask_stripe(session, self.config, charge, off_session)
        async with self.db.unit_of_work() as session:
            return await paying.record_answer(session, charge.id, answer)


class StripeAccountServicer(card_payments_pb2_grpc.StripeAccountServiceServicer):
    def __init__(self, db: Database, config: StripeConfig) -> None:
        self.db = db
        self.config = config
        self.payments = CardPayments(db, config)

    async def ConnectStripe(
        self, request: pb.ConnectStripeRequest, context: grpc.aio.ServicerContext
    ) -> pb.PaymentSettings:
        async with self.db.unit_of_work() as session:
            found = await account.connect(
                session,
                self.config,
                request.secret_key,
                request.publishable_key,
                request.webhook_secret,
                account.Presentation(request.portal_url, request.business_name),
            )
        return settings_to_pb(found)

    async def GetPaymentSettings(
        self, request: pb.GetPaymentSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PaymentSettings:
        async with self.db.unit_of_work() as session:
            return settings_to_pb(await StripeAccountRepository(session).current())

    async def UpdatePaymentSettings(
        self, request: pb.UpdatePaymentSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PaymentSettings:
        changes = SettingsChanges(
            accepted_methods=list(request.accepted_methods) if request.set_accepted_methods else None,
            partial_payments=request.partial_payments if request.HasField("partial_payments") else None,
            autopay_offered=request.autopay_offered if request.HasField("autopay_offered") else None,
            minimum_payments=dict(request.minimum_payments) if request.set_minimum_payments else None,
            autopay_retry_days=list(request.autopay_retry_days) if request.set_autopay_retry_days else None,
        )
        async with self.db.unit_of_work() as session:
            return settings_to_pb(await account.update_settings(session, changes))

    async def ListPaymentSources(
        self, request: pb.ListPaymentSourcesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPaymentSourcesResponse:
        async with self.db.unit_of_work() as session:
            state = await cards.autopay_state(session, request.customer_id)
            saved = await cards.cards_of(session, request.customer_id)
        return pb.ListPaymentSourcesResponse(sources=[card_to_pb(c, state.card_id) for c in saved])

    async def DeletePaymentSource(
        self, request: pb.DeletePaymentSourceRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeletePaymentSourceResponse:
        async with self.db.unit_of_work() as session:
            await cards.remove(session, self.config, request.customer_id, request.id)
        return pb.DeletePaymentSourceResponse()

    async def Charge(self, request: pb.ChargeRequest, context: grpc.aio.ServicerContext) -> pb.CardPayment:
        allocations = [(a.invoice_id, a.amount) for a in request.applied_to]
        if request.amount != sum(a for _, a in allocations):
            raise InvalidArgument("The amount must equal the sum of applied_to.", "amount")
        async with self.db.unit_of_work() as session:
            card_id = request.source_id or next(
                (c.id for c in await cards.cards_of(session, request.customer_id) if c.is_default), 0
            )
            if not card_id:
                raise FailedPrecondition("This customer has no saved card.", "payment_source")
            # Replays only through the API's Idempotency-Key; each call here is a new charge.
            key = f"api-{request.customer_id}-{card_id}-{utcnow().timestamp()}"
        outcome = await self.payments.pay(request.customer_id, allocations, CardChoice(card_id=card_id), key,
                                          off_session=True)  # fmt: skip
        return charge_to_pb(outcome.charge)

    async def Refund(self, request: pb.RefundRequest, context: grpc.aio.ServicerContext) -> pb.CardPayment:
        async with self.db.unit_of_work() as session:
            charge = await paying.charge_for_payment(session, request.payment_id)
            charge = await paying.refund(session, self.config, charge, request.amount)
        return charge_to_pb(charge)

    async def GetCardPayment(
        self, request: pb.GetCardPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CardPayment:
        async with self.db.unit_of_work() as session:
            return charge_to_pb(await paying.charge_for_payment(session, request.payment_id))

    async def PayInvoice(self, request: pb.PayInvoiceRequest, context: grpc.aio.ServicerContext) -> pb.CardPayment:
        async with self.db.unit_of_work() as session:
            invoice = await InvoiceRepository(session).get(request.invoice_id)
            if not invoice.autopay or invoice.paid or invoice.voided or invoice.draft or invoice.balance <= 0:
                raise FailedPrecondition("Only an open AutoPay invoice with a balance can be charged now.")
            charge = await autopay.prepare(session, self.config, invoice, utcnow(), forced=True)
        assert charge is not None  # forced: prepare raises instead of returning None
        outcome = await autopay.charge_prepared(self.db, self.config, charge)
        return charge_to_pb(outcome.charge)

    async def RedeemCardUpdateLink(
        self, request: pb.RedeemCardUpdateLinkRequest, context: grpc.aio.ServicerContext
    ) -> pb.RedeemCardUpdateLinkResponse:
        async with self.db.unit_of_work() as session:
            customer_id = await update_links.redeem(session, self.config.secret_key, request.token)
        return pb.RedeemCardUpdateLinkResponse(customer_id=customer_id)

    async def ReceiveWebhook(
        self, request: pb.ReceiveWebhookRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReceiveWebhookResponse:
        async with self.db.unit_of_work() as session:
            outcome, event_type = await webhooks.receive(session, self.config, request.payload, request.signature)
        return pb.ReceiveWebhookResponse(outcome=outcome, event_type=event_type)


def _account_holder() -> Principal:
    principal = required_principal()
    card_link = principal.document_type == "payment_method" and principal.document_id == principal.customer_id
    if not principal.whole_account and not card_link:
        raise PermissionDenied("Sign in to manage payment methods.")
    return principal


def _full_sign_in() -> Principal:
    """Changing cards or AutoPay: a full sign-in, or the guest link made for exactly this page."""
    principal = _account_holder()
    if principal.guest and principal.document_type != "payment_method":
        raise PermissionDenied("Changing payment methods needs a full sign-in.")
    return principal


class WalletServicer(card_payments_pb2_grpc.WalletServiceServicer):
    def __init__(self, db: Database, config: StripeConfig) -> None:
        self.db = db
        self.config = config
        self.payments = CardPayments(db, config)

    async def _wallet(self, customer_id: int) -> pb.Wallet:
        async with self.db.unit_of_work() as session:
            found = await StripeAccountRepository(session).current()
            state = await cards.autopay_state(session, customer_id)
            saved = await cards.cards_of(session, customer_id)
        if found is None:
            return pb.Wallet(connected=False)
        rules = rules_of(found)
        return pb.Wallet(
            connected=True,
            sources=[card_to_pb(c, state.card_id) for c in saved],
            publishable_key=found.publishable_key,
            card_accepted="card" in rules.accepted_methods,
            partial_payments=rules.partial_payments,
            autopay_offered=rules.autopay_offered,
            autopay=state.enabled,
            minimum_payments=rules.minimum_payments,
            autopay_retry_days=list(rules.autopay_retry_days),
        )

    async def GetWallet(self, request: pb.GetWalletRequest, context: grpc.aio.ServicerContext) -> pb.Wallet:
        """Any principal sees the business's rules; only the account holder (or a card-update guest) its cards."""
        principal = required_principal()
        wallet = await self._wallet(principal.customer_id)
        if principal.guest and principal.document_type != "payment_method":
            del wallet.sources[:]
        return wallet

    async def StartCardSetup(
        self, request: pb.StartCardSetupRequest, context: grpc.aio.ServicerContext
    ) -> pb.CardSetup:
        """Any principal, guests included: a guest pays its invoice with a new card; only saving it is refused."""
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            secret, publishable = await cards.start_setup(session, self.config, principal.customer_id)
        return pb.CardSetup(client_secret=secret, publishable_key=publishable)

    async def FinishCardSetup(
        self, request: pb.FinishCardSetupRequest, context: grpc.aio.ServicerContext
    ) -> pb.PaymentSource:
        principal = _full_sign_in()
        async with self.db.unit_of_work() as session:
            card = await cards.finish_setup(session, self.config, principal.customer_id, request.setup_intent,
                                            request.make_default)  # fmt: skip
            state = await cards.autopay_state(session, principal.customer_id)
        return card_to_pb(card, state.card_id)

    async def RemoveCard(self, request: pb.RemoveCardRequest, context: grpc.aio.ServicerContext) -> pb.Wallet:
        principal = _full_sign_in()
        async with self.db.unit_of_work() as session:
            await cards.remove(session, self.config, principal.customer_id, request.id)
        return await self._wallet(principal.customer_id)

    async def MakeDefaultCard(self, request: pb.MakeDefaultCardRequest, context: grpc.aio.ServicerContext) -> pb.Wallet:
        principal = _full_sign_in()
        async with self.db.unit_of_work() as session:
            await cards.set_default(session, principal.customer_id, request.id)
        return await self._wallet(principal.customer_id)

    async def SetAutoPay(self, request: pb.SetAutoPayRequest, context: grpc.aio.ServicerContext) -> pb.Wallet:
        principal = _full_sign_in()
        async with self.db.unit_of_work() as session:
            await cards.set_autopay(session, principal.customer_id, request.enabled, request.card_id)
        return await self._wallet(principal.customer_id)

    async def StartPayment(self, request: pb.StartPaymentRequest, context: grpc.aio.ServicerContext) -> pb.CardPayment:
        principal = required_principal()
        allocations = [(a.invoice_id, a.amount) for a in request.allocations]
        for invoice_id, _ in allocations:  # a guest from one invoice's link pays that invoice only
            if not principal.may_see("invoice", invoice_id, principal.customer_id):
                raise NotFound(f"No such invoice: '{invoice_id}'", "invoice")
        estimate_id = request.estimate_id or None  # a deposit: the guest of that estimate's link, or its customer
        if estimate_id is not None and not principal.may_see("estimate", estimate_id, principal.customer_id):
            raise NotFound(f"No such estimate: '{estimate_id}'", "estimate")
        key = request.request_key
        if not 16 <= len(key) <= 64 or not key.replace("-", "").replace("_", "").isalnum():
            raise InvalidArgument("The payment form is not valid; reload the page.", "request_key")
        method = request.WhichOneof("method")
        choice = CardChoice(
            card_id=request.card_id if method == "card_id" else None,
            setup_intent=request.setup_intent if method == "setup_intent" else None,
            keep=request.save_card,
            saved_cards_allowed=not principal.guest,
        )
        outcome = await self.payments.pay(
            principal.customer_id,
            allocations,
            choice,
            f"portal-{principal.customer_id}-{key}",
            estimate_id=estimate_id,
        )
        return charge_to_pb(outcome.charge, outcome.client_secret)

    async def GetPayment(self, request: pb.GetCardPaymentRequest, context: grpc.aio.ServicerContext) -> pb.CardPayment:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            charge = await paying.charge_for_payment(session, request.payment_id)
            if charge.customer_id != principal.customer_id:
                raise NotFound(f"No such payment: '{request.payment_id}'", "id")
            await paying.reconcile(session, self.config, charge)
        return charge_to_pb(charge)

    async def OpenPayments(
        self, request: pb.OpenPaymentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.OpenPaymentsResponse:
        principal = required_principal()
        async with self.db.unit_of_work() as session:
            found = await CardChargeRepository(session).open_of_customer(principal.customer_id)
        return pb.OpenPaymentsResponse(payments=[charge_to_pb(c) for c in found])
