"""A business's Stripe connection and the payment settings billing enforces on every payment."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.ids import new_public_id
from portal_kit.money import normalize_currency
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing.card_payments.models import StripeAccount
from services.billing.card_payments.repository import StripeAccountRepository
from services.billing.card_payments.sealing import Sealed, Sealer
from services.billing.card_payments.stripe_api import StripeAccountApi

METHODS = ("card",)  # what the portal can take through Stripe today (bank debit: see the README)
MAX_RETRY_DAYS = 30
MAX_RETRIES = 5


@dataclass(frozen=True)
class StripeConfig:
    """What every card-payment call needs from the service's settings."""

    sealer: Sealer
    api_base: str | None
    secret_key: bytes = b""  # keys the hashes of card-update links (PORTAL_SECRET_KEY)


@dataclass(frozen=True)
class Rules:
    """The business's payment settings, as the checks read them."""

    accepted_methods: tuple[str, ...] = ("card",)
    partial_payments: bool = True
    autopay_offered: bool = True
    minimum_payments: dict[str, int] = field(default_factory=dict)
    autopay_retry_days: tuple[int, ...] = (1, 3, 7)

    def minimum(self, currency: str) -> int:
        return self.minimum_payments.get(currency, 0)


@dataclass(frozen=True)
class SettingsChanges:
    accepted_methods: list[str] | None = None
    partial_payments: bool | None = None
    autopay_offered: bool | None = None
    minimum_payments: dict[str, int] | None = None
    autopay_retry_days: list[int] | None = None


def rules_of(account: StripeAccount) -> Rules:
    return Rules(
        accepted_methods=tuple(m for m in account.accepted_methods.split(",") if m),
        partial_payments=account.partial_payments,
        autopay_offered=account.autopay_offered,
        minimum_payments={str(k): int(v) for k, v in json.loads(account.minimum_payments).items()},
        autopay_retry_days=tuple(int(d) for d in json.loads(account.autopay_retry_days)),
    )


def _context(tenant_id: str, what: str) -> str:
    return f"stripe:{tenant_id}:{what}"


def secret_key(config: StripeConfig, account: StripeAccount) -> str:
    sealed = Sealed(account.secret_key_sealed, account.secret_key_wrapped, account.key_id)
    return config.sealer.open(sealed, _context(account.tenant_id, "secret_key"))


def webhook_secret(config: StripeConfig, account: StripeAccount) -> str:
    sealed = Sealed(account.webhook_secret_sealed, account.webhook_secret_wrapped, account.key_id)
    return config.sealer.open(sealed, _context(account.tenant_id, "webhook_secret"))


def api_for(config: StripeConfig, account: StripeAccount) -> StripeAccountApi:
    return StripeAccountApi(secret_key(config, account), config.api_base)


async def connected_account(session: AsyncSession) -> StripeAccount:
    account = await StripeAccountRepository(session).current()
    if account is None:
        raise FailedPrecondition("This business takes no card payments yet (no Stripe account is connected).")
    return account


def _key(value: str, prefixes: tuple[str, ...], param: str, what: str) -> str:
    value = value.strip()
    if not value.startswith(prefixes) or len(value) > 255 or len(value) < len(prefixes[0]) + 4 or not value.isascii():
        raise InvalidArgument(f"{what} must start with {' or '.join(prefixes)}.", param)
    return value


@dataclass(frozen=True)
class Presentation:
    """How the business appears in the emails card payments send (AutoPay failures)."""

    portal_url: str = ""
    business_name: str = ""


async def connect(
    session: AsyncSession,
    config: StripeConfig,
    secret: str,
    publishable: str,
    webhook: str,
    presentation: Presentation = Presentation(),
) -> StripeAccount:
    """Stores (or replaces) the business's Stripe keys after Stripe accepted the secret key."""
    secret = _key(secret, ("sk_", "rk_"), "secret_key", "The secret key")
    publishable = _key(publishable, ("pk_",), "publishable_key", "The publishable key")
    webhook = _key(webhook, ("whsec_",), "webhook_secret", "The webhook signing secret")
    await StripeAccountApi(secret, config.api_base).check_key()
    repository = StripeAccountRepository(session)
    tenant = repository.tenant_id
    sealed_key = config.sealer.seal(secret, _context(tenant, "secret_key"))
    sealed_webhook = config.sealer.seal(webhook, _context(tenant, "webhook_secret"))
    account = await repository.current()
    if account is None:
        account = StripeAccount(tenant_id=tenant, id=new_public_id(), publishable_key=publishable,
                                secret_key_sealed="", secret_key_wrapped="", webhook_secret_sealed="",
                                webhook_secret_wrapped="", key_id="", secret_key_last4="")  # fmt: skip
    account.publishable_key = publishable
    account.secret_key_sealed, account.secret_key_wrapped = sealed_key.ciphertext, sealed_key.wrapped_key
    account.webhook_secret_sealed = sealed_webhook.ciphertext
    account.webhook_secret_wrapped = sealed_webhook.wrapped_key
    account.key_id = config.sealer.key_id
    account.secret_key_last4 = secret[-4:]
    if presentation.portal_url.startswith(("http://", "https://")):
        account.portal_url = presentation.portal_url.rstrip("/")[:255]
    account.business_name = " ".join(presentation.business_name.split())[:255]
    account.updated_at = utcnow()
    if account.pk is None:
        await repository.add(account)
    else:
        await repository.save(account)
    return account


def _minimums(values: dict[str, int]) -> dict[str, int]:
    checked: dict[str, int] = {}
    for currency, amount in values.items():
        code = normalize_currency(currency, f"minimum_payments.{currency}")
        if amount < 0 or amount > 10**15:
            raise InvalidArgument("A minimum payment must be zero or more.", f"minimum_payments.{currency}")
        checked[code] = amount
    return checked


async def update_settings(session: AsyncSession, changes: SettingsChanges) -> StripeAccount:
    account = await connected_account(session)
    if changes.accepted_methods is not None:
        unknown = [m for m in changes.accepted_methods if m not in METHODS]
        if unknown:
            raise InvalidArgument(
                f"Unsupported payment method '{unknown[0]}': this portal takes {', '.join(METHODS)}.",
                "accepted_methods",
            )
        account.accepted_methods = ",".join(dict.fromkeys(changes.accepted_methods))
    if changes.partial_payments is not None:
        account.partial_payments = changes.partial_payments
    if changes.autopay_offered is not None:
        account.autopay_offered = changes.autopay_offered
    if changes.minimum_payments is not None:
        account.minimum_payments = json.dumps(_minimums(changes.minimum_payments), sort_keys=True)
    if changes.autopay_retry_days is not None:
        days = changes.autopay_retry_days
        if len(days) > MAX_RETRIES or any(d < 1 or d > MAX_RETRY_DAYS for d in days) or days != sorted(set(days)):
            raise InvalidArgument(
                f"Retry days are at most {MAX_RETRIES} increasing numbers from 1 to {MAX_RETRY_DAYS}.",
                "autopay_retry_days",
            )
        account.autopay_retry_days = json.dumps(days)
    account.updated_at = utcnow()
    return await StripeAccountRepository(session).save(account)
