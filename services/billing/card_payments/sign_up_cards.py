"""The card of a sign-up page (caller: the subscriptions service's sign-up saga).

A sign-up page collects a card before any customer of ours exists, so its SetupIntent has no Stripe customer.
The saga charges that card *first* (`charge_sign_up_card`: a Stripe customer and a PaymentIntent at Stripe, no row
here), so a declined card leaves nothing in our books. Only then does it create the customer, the subscription and
the first invoice, and `adopt_sign_up_card` keeps the card for the customer and records the charge as the invoice's
payment, in one transaction. Every Stripe request carries an idempotency key made from the sign-up's key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from portal_kit.context import current_tenant
from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from portal_kit.ids import new_public_id
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments import cards, paying
from services.billing.card_payments.account import StripeConfig, api_for, connected_account, rules_of
from services.billing.card_payments.models import CardCharge, StripeCustomer
from services.billing.card_payments.repository import CardChargeRepository, StripeCustomerRepository
from services.billing.card_payments.stripe_api import CardDeclined
from services.billing.payments import ledger
from services.billing.payments.ledger import Application, NewPayment, PaymentRules
from services.billing.repository import CustomerRepository

METADATA_SIGN_UP = "portal_sign_up"
NEEDS_AUTHENTICATION = "Your bank asks to confirm this payment in a way this page cannot do yet. Try another card."


@dataclass(frozen=True)
class SignUpCharge:
    status: str  # succeeded, failed, none (nothing to charge)
    failure_message: str
    stripe_customer: str
    payment_method: str
    payment_intent: str


def _key(sign_up_key: str) -> str:
    if not 16 <= len(sign_up_key) <= 80 or not sign_up_key.isascii():
        raise InvalidArgument("The sign-up key must be 16 to 80 ASCII characters.", "sign_up_key")
    return sign_up_key


async def start_setup(session: AsyncSession, config: StripeConfig) -> tuple[str, str]:
    """A SetupIntent without a customer, for Stripe.js on a public sign-up page; and the publishable key."""
    account = await connected_account(session)
    if "card" not in rules_of(account).accepted_methods:
        raise FailedPrecondition("This business does not take cards.")
    secret = await api_for(config, account).create_setup_intent(None)
    return secret, account.publishable_key


async def charge_sign_up_card(
    session: AsyncSession,
    config: StripeConfig,
    *,
    setup_intent: str,
    sign_up_key: str,
    name: str,
    email: str,
    amount: int,
    currency: str,
) -> SignUpCharge:
    """Checks the sign-up's SetupIntent, gives its card a Stripe customer, and charges `amount` (if any). Writes no
    row: a declined card is a `failed` answer and nothing else. Repeating the call with the same key repeats the
    same Stripe requests, which Stripe answers from its idempotency store."""
    key = _key(sign_up_key)
    if not setup_intent.startswith("seti_") or len(setup_intent) > 255:
        raise InvalidArgument("That card setup is not valid.", "setup_intent")
    if amount < 0:
        raise InvalidArgument("The amount cannot be negative.", "amount")
    account = await connected_account(session)
    if "card" not in rules_of(account).accepted_methods:
        raise FailedPrecondition("This business does not take cards.")
    api = api_for(config, account)
    status, owner, payment_method = await api.setup_intent(setup_intent)
    if payment_method is None or status != "succeeded":
        raise FailedPrecondition("The card was not confirmed; nothing was charged.", "setup_intent")
    details = await api.payment_method(payment_method)
    stripe_customer = details.customer or owner
    if stripe_customer is None:
        stripe_customer = await api.create_sign_up_customer(name, email, key)
        await api.attach(payment_method, stripe_customer)
    elif await StripeCustomerRepository(session).by_stripe_customer(stripe_customer) is not None:
        raise NotFound("That card setup belongs to another account.", "setup_intent")  # never another's card
    if amount == 0:
        return SignUpCharge("none", "", stripe_customer, payment_method, "")
    try:
        intent = await api.create_payment_intent(
            amount=amount,
            currency=currency,
            customer=stripe_customer,
            payment_method=payment_method,
            metadata={METADATA_SIGN_UP: key, paying.METADATA_TENANT: current_tenant()},
            idempotency_key=f"portal-sign-up-{key}",
            off_session=True,
        )
    except CardDeclined as declined:
        return SignUpCharge("failed", declined.message, stripe_customer, payment_method, declined.payment_intent or "")
    if intent.status != "succeeded":
        message = NEEDS_AUTHENTICATION if intent.status == "requires_action" else intent.failure_message
        return SignUpCharge("failed", message or "The payment was not completed.", stripe_customer, payment_method,
                            intent.id)  # fmt: skip
    return SignUpCharge("succeeded", "", stripe_customer, payment_method, intent.id)


async def adopt_sign_up_card(
    session: AsyncSession,
    config: StripeConfig,
    *,
    customer_id: int,
    stripe_customer: str,
    payment_method: str,
    payment_intent: str,
    invoice_id: int,
    sign_up_key: str,
    autopay: bool,
) -> int:
    """The new customer keeps the sign-up card (its default; AutoPay on it when asked and the business offers it),
    and the sign-up's charge becomes the first invoice's payment. Idempotent: a repeat finds what the first did.
    Returns the ledger payment's id (0 without a charge)."""
    key = _key(sign_up_key)
    account = await connected_account(session)
    holders = StripeCustomerRepository(session)
    customer = await CustomerRepository(session).get(customer_id)
    holder = await holders.of_customer(customer_id)
    if holder is None:
        holder = await holders.add(
            StripeCustomer(
                tenant_id=holders.tenant_id,
                id=new_public_id(),
                customer_id=customer_id,
                stripe_customer=stripe_customer,
            )  # fmt: skip
        )
    elif holder.stripe_customer != stripe_customer:
        raise FailedPrecondition("This customer already has another Stripe customer.", "customer")
    api = api_for(config, account)
    details = await api.payment_method(payment_method)
    if details.customer != stripe_customer:
        raise NotFound("That card does not belong to this sign-up.", "payment_method")
    card = await cards.save_card(session, customer_id, details, make_default=True)
    if autopay and rules_of(account).autopay_offered:
        holder.autopay_card_id = card.id
        await holders.save(holder)
        customer.autopay = True
        await CustomerRepository(session).save(customer)
    if not payment_intent:
        return 0
    charges = CardChargeRepository(session)
    existing = await charges.by_request_key(f"sign-up-{key}")
    if existing is not None:
        return existing.payment_id
    intent = await api.payment_intent(payment_intent)
    if intent.status != "succeeded" or intent.metadata.get(METADATA_SIGN_UP) != key:
        raise FailedPrecondition("The sign-up's payment did not succeed.", "payment_intent")
    opened = await ledger.open_payment(
        session,
        NewPayment(
            customer_id=customer_id,
            currency=intent.currency,
            amount=intent.amount,
            method="credit_card",
            source="stripe",
            applications=[Application(invoice_id=invoice_id, amount=intent.amount)],
            reference=intent.id,
        ),  # fmt: skip
        PaymentRules(),
    )
    charge = await charges.add(
        CardCharge(
            tenant_id=charges.tenant_id,
            id=new_public_id(),
            payment_id=opened.payment.id,
            customer_id=customer_id,
            request_key=f"sign-up-{key}",
            payment_intent=intent.id,
            card_id=card.id,
            payment_method=payment_method,
            amount=intent.amount,
            currency=intent.currency,
            allocations=json.dumps([[invoice_id, intent.amount]]),
        )  # fmt: skip
    )
    await paying.settle(session, charge)
    return charge.payment_id


async def refund_sign_up_charge(
    session: AsyncSession, config: StripeConfig, payment_intent: str, sign_up_key: str
) -> None:
    """Gives a sign-up's charge back in full (the saga could not complete the sign-up). Only a charge of that sign-up
    and never one already recorded as a payment here (that one is refunded through the payments API)."""
    key = _key(sign_up_key)
    account = await connected_account(session)
    if await CardChargeRepository(session).by_payment_intent(payment_intent) is not None:
        raise FailedPrecondition("This charge is a recorded payment; refund it as a payment.", "payment_intent")
    api = api_for(config, account)
    intent = await api.payment_intent(payment_intent)
    if intent.metadata.get(METADATA_SIGN_UP) != key:
        raise NotFound("No such sign-up charge.", "payment_intent")
    if intent.status == "succeeded":
        await api.refund(payment_intent, intent.amount, f"portal-sign-up-refund-{key}")
