"""Asking Stripe for money: one PaymentIntent per ledger payment, for one invoice or several at once.

The order of things makes double collection impossible: the ledger payment is opened first (it locks the invoices'
balances, so a second tab or a double click finds nothing left to pay), the PaymentIntent carries an idempotency
key made from our charge id (a retry never charges twice at Stripe), and the payment is settled only by Stripe's
webhook (`webhooks.py`). The page's request key makes a repeated Pay replay the first answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from portal_kit.context import current_tenant
from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from portal_kit.ids import new_public_id
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments import cards
from services.billing.card_payments.account import StripeConfig, api_for, connected_account, rules_of
from services.billing.card_payments.models import CardCharge
from services.billing.card_payments.repository import (
    CardChargeRepository,
    StripeAccountRepository,
    StripeCustomerRepository,
)
from services.billing.card_payments.stripe_api import CardDeclined, IntentState
from services.billing.delivery import Presentation
from services.billing.estimates import deposits
from services.billing.payments import ledger
from services.billing.payments.ledger import Application, NewPayment, PaymentRules
from services.billing.repository import InvoiceRepository

MAX_INVOICES = 50
METADATA_PAYMENT = "portal_payment"
METADATA_TENANT = "portal_tenant"


@dataclass(frozen=True)
class CardChoice:
    """A saved card (card_id), or a card Stripe.js just set up in this browser (setup_intent)."""

    card_id: int | None = None
    setup_intent: str | None = None
    keep: bool = True
    saved_cards_allowed: bool = True  # False for a guest: a forwarded link must not charge the customer's cards


@dataclass(frozen=True)
class Outcome:
    charge: CardCharge
    client_secret: str = ""


def allocations_of(charge: CardCharge) -> list[tuple[int, int]]:
    return [(int(i), int(a)) for i, a in json.loads(charge.allocations)]


def _checked_allocations(allocations: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if not allocations:
        raise InvalidArgument("Choose at least one invoice to pay.", "applied_to")
    if len(allocations) > MAX_INVOICES:
        raise InvalidArgument(f"One payment pays at most {MAX_INVOICES} invoices.", "applied_to")
    seen: set[int] = set()
    for i, (invoice_id, amount) in enumerate(allocations):
        if invoice_id in seen:
            raise InvalidArgument("An invoice appears twice in this payment.", f"applied_to[{i}].invoice")
        seen.add(invoice_id)
        if amount <= 0:
            raise InvalidArgument("Each amount must be more than zero.", f"applied_to[{i}].amount")
    return allocations


async def _currency(session: AsyncSession, customer_id: int, allocations: list[tuple[int, int]]) -> str:
    invoices = InvoiceRepository(session)
    currencies = set()
    for i, (invoice_id, _) in enumerate(allocations):
        invoice = await invoices.find(invoice_id)
        if invoice is None or invoice.customer_id != customer_id or invoice.draft:
            raise NotFound(f"No such invoice: '{invoice_id}'", f"applied_to[{i}].invoice")
        currencies.add(invoice.currency)
    if len(currencies) > 1:
        raise InvalidArgument("One payment pays invoices of one currency only.", "applied_to")
    return currencies.pop()


async def open_charge(
    session: AsyncSession,
    config: StripeConfig,
    customer_id: int,
    allocations: list[tuple[int, int]],
    choice: CardChoice,
    request_key: str,
    estimate_id: int | None = None,
) -> CardCharge:
    """Step 1, in its own unit of work: the pending ledger payment (balances locked) and our charge row.

    Refuses, before anything reaches Stripe, what the business's settings forbid: cards not accepted, a partial
    payment where not allowed, less than the minimum, more than what is left to pay. With `estimate_id` (and no
    allocations) it pays that estimate's deposit (estimates.deposits decides what and whether).
    """
    account = await connected_account(session)
    rules = rules_of(account)
    if "card" not in rules.accepted_methods:
        raise FailedPrecondition("This business does not take card payments.")
    if estimate_id is not None:
        if allocations:
            raise InvalidArgument("A deposit is paid on its own, not with invoices.", "applied_to")
        currency = (await deposits.payable_deposit(session, customer_id, estimate_id)).currency
    else:
        allocations = _checked_allocations(allocations)
        currency = await _currency(session, customer_id, allocations)
    card_id: int | None
    if choice.card_id:
        if not choice.saved_cards_allowed:
            raise FailedPrecondition("Sign in to pay with a saved card.")
        card = await cards.card_of_customer(session, customer_id, choice.card_id)
        payment_method, card_id, keep = card.payment_method, card.id, True
    elif choice.setup_intent:
        details = await cards.card_from_setup(session, config, customer_id, choice.setup_intent)
        keep = choice.keep and choice.saved_cards_allowed
        card_id = (await cards.save_card(session, customer_id, details, False)).id if keep else None
        payment_method = details.payment_method
    else:
        raise InvalidArgument("Choose a card to pay with.", "source")
    await cards.stripe_customer(session, config, account, customer_id)
    if estimate_id is not None:
        opened = await deposits.open_deposit(session, customer_id, estimate_id, rules.minimum)
    else:
        opened = await ledger.open_payment(
            session,
            NewPayment(
                customer_id=customer_id,
                currency=currency,
                amount=sum(amount for _, amount in allocations),
                method="credit_card",
                source="stripe",
                applications=[Application(invoice_id=i, amount=a) for i, a in allocations],
                reference=None,
            ),
            PaymentRules(minimum_amount=rules.minimum(currency), partial_allowed=rules.partial_payments),
        )
    total = opened.payment.amount
    repository = CardChargeRepository(session)
    return await repository.add(
        CardCharge(
            tenant_id=repository.tenant_id,
            id=new_public_id(),
            payment_id=opened.payment.id,
            customer_id=customer_id,
            request_key=request_key,
            card_id=card_id,
            payment_method=payment_method,
            keep_card=keep,
            amount=total,
            currency=currency,
            allocations=json.dumps(allocations),
            estimate_id=estimate_id,
        )  # fmt: skip
    )


@dataclass(frozen=True)
class StripeAnswer:
    intent: IntentState | None = None
    declined: CardDeclined | None = None


async def ask_stripe(
    session: AsyncSession, config: StripeConfig, charge: CardCharge, off_session: bool
) -> StripeAnswer:
    """Step 2, after step 1 committed: the PaymentIntent, created and confirmed at once. Writes nothing."""
    account = await connected_account(session)
    holder = await StripeCustomerRepository(session).of_customer(charge.customer_id)
    if holder is None or charge.payment_method is None:
        raise FailedPrecondition("This charge has no card.")
    try:
        intent = await api_for(config, account).create_payment_intent(
            amount=charge.amount,
            currency=charge.currency,
            customer=holder.stripe_customer,
            payment_method=charge.payment_method,
            metadata={METADATA_PAYMENT: str(charge.payment_id), METADATA_TENANT: current_tenant()},
            idempotency_key=f"portal-charge-{charge.id}",
            off_session=off_session,
        )
    except CardDeclined as declined:
        return StripeAnswer(declined=declined)
    return StripeAnswer(intent=intent)


async def record_answer(session: AsyncSession, charge_id: int, answer: StripeAnswer) -> Outcome:
    """Step 3: what Stripe said. A declined card fails the pending payment at once (balances released); a payment
    Stripe took stays pending until its webhook settles it, whichever arrives first."""
    repository = CardChargeRepository(session)
    charge = await repository.get(charge_id)
    client_secret = ""
    if answer.declined is not None:
        await fail(session, charge, answer.declined.message, answer.declined.payment_intent)
    elif answer.intent is not None:
        intent = answer.intent
        if charge.payment_intent is None:
            charge.payment_intent = intent.id
            await ledger.set_reference(session, charge.payment_id, intent.id)
        if intent.status == "requires_action" and charge.status == "pending":
            charge.status = "requires_action"
            client_secret = intent.client_secret
        elif intent.status == "requires_payment_method" and charge.status != "succeeded":
            await fail(session, charge, intent.failure_message or "The payment was not completed.", None)
        charge.updated_at = utcnow()
        await repository.save(charge)
    return Outcome(charge, client_secret)


async def fail(session: AsyncSession, charge: CardCharge, message: str, payment_intent: str | None) -> None:
    if charge.status in ("succeeded", "failed"):
        return
    charge.status = "failed"
    charge.failure_message = message[:500]
    if charge.payment_intent is None and payment_intent:
        charge.payment_intent = payment_intent
        await ledger.set_reference(session, charge.payment_id, payment_intent)
    charge.updated_at = utcnow()
    await CardChargeRepository(session).save(charge)
    await ledger.fail_payment(session, charge.payment_id, charge.failure_message)


async def settle(session: AsyncSession, charge: CardCharge) -> bool:
    """Stripe says the money arrived: the ledger applies it to the invoices. False if it already had."""
    if charge.status == "succeeded":
        return False
    charge.status = "succeeded"
    charge.failure_message = None
    charge.updated_at = utcnow()
    await CardChargeRepository(session).save(charge)
    account = await StripeAccountRepository(session).current()
    receipt = None
    if account is not None and account.portal_url:  # the customer's receipt email (the ledger sends it once)
        receipt = Presentation(account.business_name or account.portal_url, account.portal_url)
    settled = await ledger.settle_payment(session, charge.payment_id, receipt=receipt)
    await deposits.payment_changed(session, settled)
    return True


async def reconcile(session: AsyncSession, config: StripeConfig, charge: CardCharge) -> None:
    """The browser came back (after 3-D Secure): a payment Stripe refused is failed now, since no webhook may come
    for an abandoned authentication. Success still waits for the webhook."""
    if charge.status not in ("pending", "requires_action") or charge.payment_intent is None:
        return
    account = await connected_account(session)
    intent = await api_for(config, account).payment_intent(charge.payment_intent)
    if intent.status == "requires_payment_method":
        await fail(session, charge, intent.failure_message or "The card was not authenticated.", None)
    elif intent.status in ("succeeded", "processing") and charge.status == "requires_action":
        charge.status = "pending"
        await CardChargeRepository(session).save(charge)


async def charge_for_payment(session: AsyncSession, payment_id: int) -> CardCharge:
    charge = await CardChargeRepository(session).by_payment(payment_id)
    if charge is None:
        raise NotFound(f"No such charge: '{payment_id}'", "id")
    return charge


async def refund(session: AsyncSession, config: StripeConfig, charge: CardCharge, amount: int) -> CardCharge:
    """A full (amount 0) or partial refund at Stripe, then in the ledger (idempotent on Stripe's refund id)."""
    if charge.status != "succeeded" or charge.payment_intent is None:
        raise FailedPrecondition("Only a succeeded card payment can be refunded.")
    left = charge.amount - charge.amount_refunded
    amount = amount or left
    if amount <= 0 or amount > left:
        raise InvalidArgument(f"At most {left} (minor units) is left to refund.", "amount")
    account = await connected_account(session)
    key = f"portal-refund-{charge.id}-{charge.amount_refunded}-{amount}"
    refund_id = await api_for(config, account).refund(charge.payment_intent, amount, key)
    await apply_refund(session, charge, refund_id, amount)
    return charge


async def apply_refund(session: AsyncSession, charge: CardCharge, refund_id: str, amount: int) -> None:
    await ledger.refund_payment(session, charge.payment_id, amount=amount, reference=refund_id)
    record = await ledger.get_payment(session, charge.payment_id)
    await deposits.payment_changed(session, record)
    charge.amount_refunded = record.payment.amount_refunded
    charge.updated_at = utcnow()
    await CardChargeRepository(session).save(charge)
