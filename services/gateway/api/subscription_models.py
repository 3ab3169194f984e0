"""The business API's plan and subscription bodies (Invoiced's Plan and Subscription shapes), as pydantic models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Strict, StringConstraints, model_validator

from services.gateway.api.models import AdjustmentOut
from services.gateway.api.schema import READ_ONLY as READ_ONLY_FIELDS
from services.gateway.api.schema import (
    Amount,
    Flag,
    Metadata,
    NameText,
    ObjectIdValue,
    RequestModel,
    ResponseModel,
    Text,
    Timestamp,
    _whole,
)

READ_ONLY = "Read-only: ignored when sent."
PlanId = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Interval = Literal["day", "week", "month", "year"]
IntervalCount = Annotated[int, Field(ge=1, le=1000), BeforeValidator(_whole)]
Count = Annotated[int, Field(ge=1, le=10**9), BeforeValidator(_whole)]
Cycles = Annotated[int, Field(ge=1, le=10_000), BeforeValidator(_whole)]
NoAdjustments = Annotated[list[Any], Field(max_length=0, description="Not supported yet: an empty list only.")]


# Requests ------------------------------------------------------------------------------------------------------


class PlanFields(RequestModel):
    name: NameText | None = None
    currency: Text | None = Field(default=None, description="ISO 4217 code, e.g. usd. Fixed after create.")
    amount: Amount | None = Field(default=None, description="Per unit and period. Fixed after create.")
    interval: Interval | None = Field(default=None, description="Fixed after create.")
    interval_count: IntervalCount | None = Field(default=None, description="Default 1. Fixed after create.")
    pricing_mode: Literal["per_unit"] | None = Field(default=None, description="per_unit only (for now).")
    quantity_type: Literal["constant"] | None = Field(default=None, description="constant only (for now).")
    tiers: None = Field(default=None, description="Not supported: null only.")
    catalog_item: None = Field(default=None, description="Not supported: null only.")
    metadata: Metadata | None = None


class PlanCreate(PlanFields):
    id: PlanId | None = Field(default=None, description="Your id for the plan; generated when absent.")
    name: NameText
    currency: Text
    amount: Amount
    interval: Interval

    @model_validator(mode="before")
    @classmethod
    def _drop_read_only(cls, data: Any) -> Any:
        """As every request drops read-only fields, except `id`: a plan's id is the caller's to choose."""
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if key == "id" or key not in READ_ONLY_FIELDS}
        return data


class PlanUpdate(PlanFields):
    """Only name and metadata change; a different currency, amount or interval is refused (400)."""


class AddonIn(RequestModel):
    plan: PlanId
    quantity: Count | None = Field(default=None, description="Default 1.")
    description: Text | None = None
    amount: Amount | None = Field(default=None, description="Custom unit amount; the addon plan's when absent.")


class SubscriptionFields(RequestModel):
    plan: PlanId | None = None
    quantity: Count | None = None
    amount: Amount | None = Field(default=None, description="Custom unit amount; the plan's when absent (null).")
    start_date: Timestamp | None = None
    cycles: Cycles | None = Field(default=None, description="Periods to bill in all; null: until canceled.")
    cancel_at_period_end: Flag | None = None
    addons: list[AddonIn] | None = Field(default=None, max_length=20)
    trial_end: Timestamp | None = Field(default=None, description="No invoice before this.")
    metadata: Metadata | None = None
    discounts: NoAdjustments | None = None
    taxes: NoAdjustments | None = None
    bill_in: Literal["advance"] | None = Field(default=None, description="advance only: periods bill at their start.")
    customer: ObjectIdValue | None = None
    mrr: Any = Field(default=None, description=READ_ONLY)
    recurring_total: Any = Field(default=None, description=READ_ONLY)
    period_start: Any = Field(default=None, description=READ_ONLY)
    period_end: Any = Field(default=None, description=READ_ONLY)
    canceled_at: Any = Field(default=None, description=READ_ONLY)
    paused: Any = Field(default=None, description=READ_ONLY)


class SubscriptionCreate(SubscriptionFields):
    customer: ObjectIdValue
    plan: PlanId


class SubscriptionUpdate(SubscriptionFields):
    """Only the fields sent change; null clears amount, cycles or trial_end. A change of plan, quantity, amount or
    addons during a billed period is prorated on the next invoice unless `prorate` is false."""

    prorate: Flag | None = Field(default=None, description="Default true.")
    proration_date: Timestamp | None = Field(default=None, description="When the change counts from; default now.")


class SubscriptionPreview(SubscriptionFields):
    plan: PlanId


class SubscriptionCancel(RequestModel):
    canceled_reason: Text | None = None
    cancel_at_period_end: Flag | None = Field(default=None, description="true: end at period_end instead of now.")


# Responses -----------------------------------------------------------------------------------------------------


class Plan(ResponseModel):
    id: str
    object: Literal["plan"]
    name: str
    currency: str
    amount: Amount
    pricing_mode: Literal["per_unit"]
    quantity_type: Literal["constant"]
    interval: str
    interval_count: int
    tiers: None
    catalog_item: None
    metadata: dict[str, str]
    created_at: int
    updated_at: int


class Addon(ResponseModel):
    id: int
    object: Literal["subscription_addon"]
    plan: str
    quantity: int
    description: str | None
    amount: Amount | None
    created_at: int
    updated_at: int


class Subscription(ResponseModel):
    id: int
    object: Literal["subscription"]
    customer: int
    plan: str
    quantity: int
    amount: Amount | None
    currency: str
    start_date: int
    bill_in: Literal["advance"]
    bill_in_advance_days: int
    cycles: int | None
    period_start: int
    period_end: int
    cancel_at_period_end: bool
    canceled_at: int | None
    canceled_reason: str | None
    status: Literal["not_started", "active", "past_due", "paused", "finished", "canceled"]
    paused: bool
    trial_end: int | None
    contract_period_start: None
    contract_period_end: None
    contract_renewal_cycles: None
    contract_renewal_mode: Literal["none"]
    addons: list[Addon]
    discounts: list[Any]
    taxes: list[Any]
    ship_to: None
    recurring_total: Amount
    mrr: Amount = Field(description="recurring_total per 30.4375-day month, rounded half up to the minor unit")
    url: str | None = Field(description="The customer's Manage Subscription page (a bearer link: share with care)")
    metadata: dict[str, str]
    created_at: int
    updated_at: int


class PreviewLine(ResponseModel):
    id: None
    object: Literal["line_item"]
    catalog_item: None
    type: Literal["plan"]
    name: str
    description: str
    quantity: Amount
    unit_cost: Amount
    amount: Amount
    plan: str | None
    period_start: int
    period_end: int
    prorated: bool
    discountable: bool
    taxable: bool
    discounts: list[AdjustmentOut]
    taxes: list[AdjustmentOut]
    metadata: dict[str, str]


class PreviewInvoice(ResponseModel):
    id: None
    object: Literal["invoice"]
    customer: int | None
    currency: str
    date: int
    items: list[PreviewLine]
    subtotal: Amount
    discounts: list[AdjustmentOut]
    taxes: list[AdjustmentOut]
    total: Amount
    balance: Amount


class Preview(ResponseModel):
    first_invoice: PreviewInvoice
    recurring_total: Amount
    mrr: Amount
