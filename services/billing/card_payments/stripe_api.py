"""The only module that talks to Stripe (the official `stripe` library), with one business's secret key.

`PORTAL_STRIPE_API_BASE` points it at localstripe in the local run and the tests. Every request that creates money
movement carries an idempotency key derived from our own ids, so a retry never makes a second charge at Stripe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe
from portal_kit.errors import FailedPrecondition, InvalidArgument, Unavailable


@dataclass(frozen=True)
class CardDetails:
    payment_method: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    customer: str | None


@dataclass(frozen=True)
class IntentState:
    id: str
    status: str  # Stripe's: succeeded, processing, requires_action, requires_payment_method, ...
    client_secret: str
    amount: int
    currency: str
    failure_message: str | None
    metadata: dict[str, str]


class CardDeclined(Exception):
    """Stripe refused the card; `message` is Stripe's, for the customer."""

    def __init__(self, message: str, payment_intent: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.payment_intent = payment_intent


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """Stripe objects are not dicts since stripe 15 (no `.get`)."""
    try:
        value = obj[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def _intent(pi: Any) -> IntentState:
    error = _field(pi, "last_payment_error")
    metadata = _field(pi, "metadata", {})
    return IntentState(
        id=pi["id"],
        status=pi["status"],
        client_secret=_field(pi, "client_secret", ""),
        amount=int(pi["amount"]),
        currency=str(pi["currency"]),
        failure_message=_field(error, "message") if error is not None else None,
        metadata={str(k): str(v) for k, v in metadata.to_dict().items()} if metadata else {},
    )


def card_of(pm: Any) -> CardDetails:
    card = pm["card"]
    return CardDetails(
        payment_method=pm["id"],
        brand=str(_field(card, "brand", "card")),
        last4=str(card["last4"]),
        exp_month=int(card["exp_month"]),
        exp_year=int(card["exp_year"]),
        customer=_field(pm, "customer"),
    )


class StripeAccountApi:
    def __init__(self, secret_key: str, api_base: str | None) -> None:
        addresses: Any = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(
            secret_key, base_addresses=addresses, http_client=stripe.HTTPXClient(), max_network_retries=2
        )

    async def _call(self, coroutine: Any) -> Any:
        try:
            return await coroutine
        except stripe.CardError as declined:
            raise CardDeclined(declined.user_message or str(declined), _declined_intent(declined)) from None
        except stripe.AuthenticationError:
            raise FailedPrecondition("The business's Stripe secret key was refused by Stripe.") from None
        except stripe.InvalidRequestError as invalid:
            raise InvalidArgument(f"Stripe refused the request: {invalid.user_message or invalid}") from None
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError):
            raise Unavailable("Stripe is not answering; nothing was charged. Try again in a minute.") from None

    async def check_key(self) -> None:
        await self._call(self.client.v1.balance.retrieve_async())

    async def create_customer(self, name: str, email: str | None, our_id: int) -> str:
        params: Any = {"name": name, "metadata": {"portal_customer": str(our_id)}}
        if email:
            params["email"] = email
        created = await self._call(
            self.client.v1.customers.create_async(params, {"idempotency_key": f"customer-{our_id}"})
        )
        return str(created["id"])

    async def create_sign_up_customer(self, name: str, email: str, sign_up_key: str) -> str:
        """The Stripe customer of a sign-up's card, before our customer exists (idempotent on the sign-up)."""
        params: Any = {"name": name, "metadata": {"portal_sign_up": sign_up_key}}
        if email:
            params["email"] = email
        created = await self._call(
            self.client.v1.customers.create_async(params, {"idempotency_key": f"sign-up-customer-{sign_up_key}"})
        )
        return str(created["id"])

    async def create_setup_intent(self, customer: str | None) -> str:
        """A SetupIntent for Stripe.js; without a customer for a sign-up page (its card is attached later)."""
        params: Any = {"usage": "off_session"}
        if customer is not None:
            params["customer"] = customer
        created = await self._call(self.client.v1.setup_intents.create_async(params))
        return str(created["client_secret"])

    async def setup_intent(self, setup_intent: str) -> tuple[str, str | None, str | None]:
        """(status, customer, payment method id) of a SetupIntent."""
        seti = await self._call(self.client.v1.setup_intents.retrieve_async(setup_intent))
        return str(seti["status"]), _field(seti, "customer"), _field(seti, "payment_method")

    async def payment_method(self, payment_method: str) -> CardDetails:
        return card_of(await self._call(self.client.v1.payment_methods.retrieve_async(payment_method)))

    async def attach(self, payment_method: str, customer: str) -> None:
        await self._call(self.client.v1.payment_methods.attach_async(payment_method, {"customer": customer}))

    async def detach(self, payment_method: str) -> None:
        await self._call(self.client.v1.payment_methods.detach_async(payment_method))

    async def create_payment_intent(
        self,
        *,
        amount: int,
        currency: str,
        customer: str,
        payment_method: str,
        metadata: dict[str, str],
        idempotency_key: str,
        off_session: bool,
    ) -> IntentState:
        """Creates and confirms at once (localstripe cannot confirm with a method later). CardDeclined on refusal."""
        params: Any = {
            "amount": amount,
            "currency": currency,
            "customer": customer,
            "payment_method": payment_method,
            "metadata": metadata,
            "confirm": True,
        }
        if off_session:
            params["off_session"] = True
        created = await self._call(
            self.client.v1.payment_intents.create_async(params, {"idempotency_key": idempotency_key})
        )
        return _intent(created)

    async def payment_intent(self, payment_intent: str) -> IntentState:
        return _intent(await self._call(self.client.v1.payment_intents.retrieve_async(payment_intent)))

    async def refund(self, payment_intent: str, amount: int, idempotency_key: str) -> str:
        created = await self._call(
            self.client.v1.refunds.create_async(
                {"payment_intent": payment_intent, "amount": amount}, {"idempotency_key": idempotency_key}
            )
        )
        return str(created["id"])


def _declined_intent(declined: stripe.CardError) -> str | None:
    body = declined.json_body if isinstance(declined.json_body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    intent = error.get("payment_intent") if isinstance(error, dict) else None
    return intent.get("id") if isinstance(intent, dict) else None


def verify_event(payload: bytes, signature: str, webhook_secret: str) -> Any:
    """The event, if Stripe signed this exact payload recently with this secret; InvalidArgument otherwise."""
    try:
        return stripe.Webhook.construct_event(payload.decode("utf-8"), signature, webhook_secret, tolerance=300)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError):
        raise InvalidArgument("The webhook's signature does not verify.", "signature") from None


def field(obj: Any, name: str, default: Any = None) -> Any:
    return _field(obj, name, default)
