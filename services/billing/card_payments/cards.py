"""Saved cards ("payment sources"): added through a Stripe SetupIntent confirmed by Stripe.js in the browser, so
card numbers never reach us. We keep Stripe's PaymentMethod id, the brand, last 4 and expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from portal_kit.ids import new_public_id
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments import messages
from services.billing.card_payments.account import StripeConfig, api_for, connected_account
from services.billing.card_payments.models import SavedCard, StripeAccount, StripeCustomer
from services.billing.card_payments.repository import SavedCardRepository, StripeCustomerRepository
from services.billing.card_payments.stripe_api import CardDetails
from services.billing.event_log import record
from services.billing.repository import CustomerRepository

EXPIRY_WARNING_DAYS = 30


def expiring_soon(card: SavedCard, now: datetime) -> bool:
    """The card stops working within 30 days (it is valid through the last day of its expiry month)."""
    end = datetime(card.exp_year + card.exp_month // 12, card.exp_month % 12 + 1, 1, tzinfo=UTC)
    return end <= now + timedelta(days=EXPIRY_WARNING_DAYS)


async def stripe_customer(
    session: AsyncSession, config: StripeConfig, account: StripeAccount, customer_id: int
) -> StripeCustomer:
    """Our customer's Stripe customer, created at Stripe on first need (idempotent on our customer id)."""
    repository = StripeCustomerRepository(session)
    found = await repository.of_customer(customer_id)
    if found is not None:
        return found
    customer = await CustomerRepository(session).get(customer_id)
    stripe_id = await api_for(config, account).create_customer(customer.name, customer.email, customer.id)
    return await repository.add(
        StripeCustomer(
            tenant_id=repository.tenant_id, id=new_public_id(), customer_id=customer_id, stripe_customer=stripe_id
        )  # fmt: skip
    )


async def start_setup(session: AsyncSession, config: StripeConfig, customer_id: int) -> tuple[str, str]:
    """A SetupIntent's client secret for Stripe.js, and the publishable key."""
    account = await connected_account(session)
    if "card" not in account.accepted_methods.split(","):
        raise FailedPrecondition("This business does not take cards.")
    holder = await stripe_customer(session, config, account, customer_id)
    return await api_for(config, account).create_setup_intent(holder.stripe_customer), account.publishable_key


async def save_card(session: AsyncSession, customer_id: int, details: CardDetails, make_default: bool) -> SavedCard:
    """Stores a card Stripe attached to this customer (once per PaymentMethod)."""
    repository = SavedCardRepository(session)
    existing = await repository.by_payment_method(details.payment_method)
    if existing is not None:
        if existing.customer_id != customer_id:
            raise NotFound("No such card.", "setup_intent")
        card = existing
    else:
        card = await repository.add(
            SavedCard(
                tenant_id=repository.tenant_id,
                id=new_public_id(),
                customer_id=customer_id,
                payment_method=details.payment_method,
                brand=details.brand,
                last4=details.last4,
                exp_month=details.exp_month,
                exp_year=details.exp_year,
            )
        )
        await record(session, "payment_source.created", messages.card_to_pb(card, None), customer_id=customer_id)
    cards = await repository.of_customer(customer_id)
    if make_default or not any(c.is_default for c in cards):
        await set_default(session, customer_id, card.id)
    return card


async def card_from_setup(
    session: AsyncSession, config: StripeConfig, customer_id: int, setup_intent: str
) -> CardDetails:
    """The card of a SetupIntent that succeeded for this customer's Stripe customer; refused otherwise."""
    if not setup_intent.startswith("seti_") or len(setup_intent) > 255:
        raise InvalidArgument("That card setup is not valid.", "setup_intent")
    account = await connected_account(session)
    holder = await stripe_customer(session, config, account, customer_id)
    api = api_for(config, account)
    status, owner, payment_method = await api.setup_intent(setup_intent)
    if owner != holder.stripe_customer or payment_method is None:
        raise NotFound("That card setup does not belong to this account.", "setup_intent")
    if status != "succeeded":
        raise FailedPrecondition("The card was not confirmed; nothing was saved.")
    details = await api.payment_method(payment_method)
    if details.customer != holder.stripe_customer:
        await api.attach(payment_method, holder.stripe_customer)  # Stripe.js attached it already on real Stripe
    return details


async def finish_setup(
    session: AsyncSession, config: StripeConfig, customer_id: int, setup_intent: str, make_default: bool
) -> SavedCard:
    details = await card_from_setup(session, config, customer_id, setup_intent)
    return await save_card(session, customer_id, details, make_default)


async def cards_of(session: AsyncSession, customer_id: int) -> list[SavedCard]:
    return await SavedCardRepository(session).of_customer(customer_id)


async def card_of_customer(session: AsyncSession, customer_id: int, card_id: int) -> SavedCard:
    card = await SavedCardRepository(session).find(card_id)
    if card is None or card.customer_id != customer_id:
        raise NotFound(f"No such payment source: '{card_id}'", "id")
    return card


async def set_default(session: AsyncSession, customer_id: int, card_id: int) -> None:
    repository = SavedCardRepository(session)
    card = await card_of_customer(session, customer_id, card_id)
    await repository.clear_default(customer_id)
    card.is_default = True
    await repository.save(card)


async def remove(session: AsyncSession, config: StripeConfig, customer_id: int, card_id: int) -> None:
    """Detaches the card at Stripe and forgets it; another card becomes the default, AutoPay moves or stops."""
    repository = SavedCardRepository(session)
    card = await card_of_customer(session, customer_id, card_id)
    account = await connected_account(session)
    await api_for(config, account).detach(card.payment_method)
    await repository.discard(card)
    await record(session, "payment_source.deleted", messages.card_to_pb(card, None), customer_id=customer_id)
    rest = await repository.of_customer(customer_id)
    if card.is_default and rest:
        await set_default(session, customer_id, rest[-1].id)
    holder = await StripeCustomerRepository(session).of_customer(customer_id)
    if holder is not None and holder.autopay_card_id == card_id:
        replacement = next((c for c in rest if c.is_default), None)
        holder.autopay_card_id = replacement.id if replacement else None
        await StripeCustomerRepository(session).save(holder)
        if replacement is None:
            customer = await CustomerRepository(session).get(customer_id)
            customer.autopay = False
            await CustomerRepository(session).save(customer)


@dataclass(frozen=True)
class AutoPayState:
    enabled: bool
    card_id: int | None


async def autopay_state(session: AsyncSession, customer_id: int) -> AutoPayState:
    customer = await CustomerRepository(session).get(customer_id)
    holder = await StripeCustomerRepository(session).of_customer(customer_id)
    return AutoPayState(customer.autopay, holder.autopay_card_id if holder else None)


async def set_autopay(session: AsyncSession, customer_id: int, enabled: bool, card_id: int) -> None:
    """The customer turns AutoPay on with one of its cards (where the business offers it), or off."""
    account = await connected_account(session)
    customers = CustomerRepository(session)
    customer = await customers.get(customer_id)
    holder = await StripeCustomerRepository(session).of_customer(customer_id)
    if enabled:
        if not account.autopay_offered:
            raise FailedPrecondition("This business does not offer AutoPay.")
        card = await card_of_customer(session, customer_id, card_id)
        if holder is None:
            raise FailedPrecondition("Add a card before turning AutoPay on.")
        holder.autopay_card_id = card.id
        await StripeCustomerRepository(session).save(holder)
    customer.autopay = enabled
    await customers.save(customer)
