"""Card payments' SQL, scoped by tenant (portal_kit.repository). Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from portal_kit.repository import TenantRepository
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments.models import (
    AutoPayAttempt,
    CardCharge,
    CardUpdateLink,
    SavedCard,
    StripeAccount,
    StripeCustomer,
    StripeEvent,
)
from services.billing.models import Customer, Invoice


class StripeAccountRepository(TenantRepository[StripeAccount]):
    model = StripeAccount
    noun = "Stripe account"

    async def current(self) -> StripeAccount | None:
        return await self.first(self.base())


class StripeCustomerRepository(TenantRepository[StripeCustomer]):
    model = StripeCustomer
    noun = "Stripe customer"

    async def of_customer(self, customer_id: int) -> StripeCustomer | None:
        return await self.first(self.base().where(col(StripeCustomer.customer_id) == customer_id))

    async def by_stripe_customer(self, stripe_customer: str) -> StripeCustomer | None:
        return await self.first(self.base().where(col(StripeCustomer.stripe_customer) == stripe_customer))


class SavedCardRepository(TenantRepository[SavedCard]):
    model = SavedCard
    noun = "payment source"

    async def of_customer(self, customer_id: int) -> list[SavedCard]:
        query = self.base().where(col(SavedCard.customer_id) == customer_id)
        return await self.all(query.order_by(col(SavedCard.created_at), col(SavedCard.pk)))

    async def by_payment_method(self, payment_method: str) -> SavedCard | None:
        return await self.first(self.base().where(col(SavedCard.payment_method) == payment_method))

    async def clear_default(self, customer_id: int) -> None:
        await self.update(col(SavedCard.customer_id) == customer_id, values={"is_default": False})


class CardChargeRepository(TenantRepository[CardCharge]):
    model = CardCharge
    noun = "charge"

    async def by_request_key(self, request_key: str) -> CardCharge | None:
        return await self.first(self.base().where(col(CardCharge.request_key) == request_key))

    async def by_payment(self, payment_id: int) -> CardCharge | None:
        return await self.first(self.base().where(col(CardCharge.payment_id) == payment_id))

    async def by_payment_intent(self, payment_intent: str) -> CardCharge | None:
        return await self.first(self.base().where(col(CardCharge.payment_intent) == payment_intent))

    async def open_of_customer(self, customer_id: int) -> list[CardCharge]:
        query = self.base().where(
            col(CardCharge.customer_id) == customer_id, col(CardCharge.status).in_(("pending", "requires_action"))
        )
        return await self.all(query.order_by(col(CardCharge.created_at)))


class StripeEventRepository(TenantRepository[StripeEvent]):
    model = StripeEvent
    noun = "Stripe event"

    async def claim(self, event_id: str, event_type: str, outcome: str) -> bool:
        """Records the event id; False when it was already recorded (a duplicate or a replay)."""
        if await self.exists(col(StripeEvent.event_id) == event_id):
            return False
        try:
            async with self.session.begin_nested():
                await self.add(StripeEvent(tenant_id=self.tenant_id, event_id=event_id, type=event_type,
                                           outcome=outcome))  # fmt: skip
        except IntegrityError:
            return False
        return True


class AutoPayAttemptRepository(TenantRepository[AutoPayAttempt]):
    model = AutoPayAttempt
    noun = "AutoPay attempt"

    async def of_invoice(self, invoice_id: int) -> list[AutoPayAttempt]:
        query = self.base().where(col(AutoPayAttempt.invoice_id) == invoice_id)
        return await self.all(query.order_by(col(AutoPayAttempt.attempt)))

    async def by_payment(self, payment_id: int) -> AutoPayAttempt | None:
        return await self.first(self.base().where(col(AutoPayAttempt.payment_id) == payment_id))


class AutoPayQueue:
    """Across businesses (the scheduled job): AutoPay invoices due for a charge, locked for this replica."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due(self, now: datetime, limit: int) -> list[Invoice]:
        """Open AutoPay invoices of AutoPay customers due now (or due on receipt), not already being charged.

        `FOR UPDATE SKIP LOCKED` on PostgreSQL: two replicas running the job take different invoices.
        """
        due_now = or_(col(Invoice.due_date).is_(None), col(Invoice.due_date) <= now)
        query = (
            select(Invoice)
            .join(
                Customer,
                and_(col(Customer.id) == col(Invoice.customer_id), col(Customer.tenant_id) == col(Invoice.tenant_id)),
            )
            .where(
                col(Invoice.autopay).is_(True),
                col(Customer.autopay).is_(True),
                col(Invoice.draft).is_(False),
                col(Invoice.voided).is_(False),
                col(Invoice.paid).is_(False),
                col(Invoice.balance) > 0,
                due_now,
            )
            .order_by(col(Invoice.pk))
            .limit(limit)
        )
        dialect = (await self.session.connection()).dialect.name
        if dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Invoice)  # type: ignore[arg-type]  # sqlmodel's Select types `of` narrowly
        return list((await self.session.exec(query)).all())


class CardUpdateLinkRepository(TenantRepository[CardUpdateLink]):
    model = CardUpdateLink
    noun = "link"

    async def by_hash(self, token_hash: str) -> CardUpdateLink | None:
        return await self.first(self.base().where(col(CardUpdateLink.token_hash) == token_hash).with_for_update())
