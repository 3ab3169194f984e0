"""Stripe's webhooks for one business: verified with its signing secret, each event applied exactly once.

Any order is tolerated: the charge is found by the PaymentIntent id or by the ledger payment id Stripe echoes back
in the intent's metadata (so a webhook that beats the browser's return still finds it); an event for an object
that is not ours (another business on a shared test account) is recorded and ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from portal_kit.errors import FailedPrecondition
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments import autopay, cards, paying
from services.billing.card_payments.account import StripeConfig, api_for, webhook_secret
from services.billing.card_payments.models import CardCharge
from services.billing.card_payments.repository import (
    CardChargeRepository,
    StripeAccountRepository,
    StripeCustomerRepository,
    StripeEventRepository,
)
from services.billing.card_payments.stripe_api import field, verify_event

log = logging.getLogger(__name__)
APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"


async def _charge_of_intent(session: AsyncSession, intent: Any) -> CardCharge | None:
    repository = CardChargeRepository(session)
    found = await repository.by_payment_intent(str(intent["id"]))
    if found is None:
        payment_id = str(field(field(intent, "metadata", {}), paying.METADATA_PAYMENT, ""))
        found = await repository.by_payment(int(payment_id)) if payment_id.isdigit() else None
    if found is None or found.amount != int(intent["amount"]) or found.currency != str(intent["currency"]):
        return None
    if found.payment_intent is None:
        found.payment_intent = str(intent["id"])
        await repository.save(found)
    return found


async def _succeeded(session: AsyncSession, config: StripeConfig, intent: Any) -> bool:
    charge = await _charge_of_intent(session, intent)
    if charge is None:
        return False
    if await paying.settle(session, charge):
        await autopay.charge_settled(session, charge)
        if not charge.keep_card and charge.payment_method:
            account = await StripeAccountRepository(session).current()
            if account is not None:
                await api_for(config, account).detach(charge.payment_method)
    return True


async def _failed(session: AsyncSession, config: StripeConfig, intent: Any) -> bool:
    charge = await _charge_of_intent(session, intent)
    if charge is None:
        return False
    error = field(intent, "last_payment_error")
    message = str(field(error, "message", "")) if error is not None else ""
    if charge.status not in ("succeeded", "failed"):
        await paying.fail(session, charge, message or "The payment failed.", None)
        await autopay.charge_failed(session, config, charge)
    return True


async def _refunded(session: AsyncSession, stripe_charge: Any) -> bool:
    intent_id = field(stripe_charge, "payment_intent")
    charge = await CardChargeRepository(session).by_payment_intent(str(intent_id)) if intent_id else None
    if charge is None or charge.status != "succeeded":
        return False
    refunds = field(field(stripe_charge, "refunds", {}), "data", [])
    for refund in refunds:
        if field(refund, "status", "succeeded") == "succeeded":
            await paying.apply_refund(session, charge, str(refund["id"]), int(refund["amount"]))
    return True


async def _setup_succeeded(session: AsyncSession, config: StripeConfig, setup: Any) -> bool:
    customer, payment_method = field(setup, "customer"), field(setup, "payment_method")
    if not customer or not payment_method:
        return False
    holders = StripeCustomerRepository(session)
    holder = next((h for h in await holders.all(holders.base()) if h.stripe_customer == customer), None)
    if holder is None:
        return False
    account = await StripeAccountRepository(session).current()
    if account is None:
        return False
    details = await api_for(config, account).payment_method(str(payment_method))
    await cards.save_card(session, holder.customer_id, details, False)
    return True


async def receive(session: AsyncSession, config: StripeConfig, payload: bytes, signature: str) -> tuple[str, str]:
    """(outcome, event type). A bad signature, an altered body or a stale timestamp is InvalidArgument, and
    nothing is recorded."""
    account = await StripeAccountRepository(session).current()
    if account is None:
        raise FailedPrecondition("This business has no Stripe account connected.")
    event = verify_event(payload, signature, webhook_secret(config, account))
    event_id, event_type = str(event["id"]), str(event["type"])
    obj = event["data"]["object"]
    events = StripeEventRepository(session)
    if not await events.claim(event_id, event_type, APPLIED):
        return DUPLICATE, event_type
    if event_type == "payment_intent.succeeded":
        ours = await _succeeded(session, config, obj)
    elif event_type == "payment_intent.payment_failed":
        ours = await _failed(session, config, obj)
    elif event_type == "charge.refunded":
        ours = await _refunded(session, obj)
    elif event_type == "setup_intent.succeeded":
        ours = await _setup_succeeded(session, config, obj)
    else:
        ours = False
    log.info("stripe webhook", extra={"event_type": event_type, "outcome": APPLIED if ours else IGNORED})
    return (APPLIED if ours else IGNORED), event_type
