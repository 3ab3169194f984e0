"""The business API's sign-up page bodies (Invoiced's SignUpPage)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from services.gateway.api.schema import Flag, LongText, Metadata, NameText, RequestModel, ResponseModel, _whole

PlanRef = Annotated[str, Field(min_length=1, max_length=100)]
TrialDays = Annotated[int, Field(ge=0, le=730), BeforeValidator(_whole)]
Url = Annotated[str, Field(max_length=500)]


def _plan_id(value: Any) -> Any:
    """A plan id, or a plan object echoed back by a client's save() (its id is taken)."""
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    if not isinstance(value, str):
        raise PydanticCustomError("plan_id", "must be a plan id (a string)", {})
    return value


def _nothing(value: Any) -> Any:
    """Invoiced's setup fees, taxes, coupons and custom fields are not offered: empty values only."""
    if value in (None, False, [], {}):
        return value
    raise PydanticCustomError("unsupported", "is not supported on sign-up pages here; leave it empty", {})


Unsupported = Annotated[Any, BeforeValidator(_nothing)]


class SignUpPageFields(RequestModel):
    name: NameText | None = None
    type: Literal["recurring", "autopay"] | None = None
    plans: list[Annotated[PlanRef, BeforeValidator(_plan_id)]] | None = Field(
        default=None, max_length=20, description="Plan ids offered, in order."
    )
    has_quantity: Flag | None = Field(default=None, description="The customer may choose a quantity.")
    trial_period_days: TrialDays | None = None
    billing_address: Flag | None = Field(default=None, description="Ask for a billing address.")
    shipping_address: Flag | None = None
    allow_multiple_subscriptions: Flag | None = None
    header_text: LongText | None = None
    thanks_text: LongText | None = Field(default=None, description="Shown on the thank-you page.")
    tos_url: Url | None = None
    thanks_url: Url | None = None
    is_default: Flag | None = Field(default=None, description="The page customers' sign_up_url opens.")
    metadata: Metadata | None = None
    setup_fee: Unsupported = None
    taxes: Unsupported = None
    snap_to_nth_day: Unsupported = None
    has_coupon_code: Unsupported = None
    custom_fields: Unsupported = None


class SignUpPageCreate(SignUpPageFields):
    name: NameText
    plans: list[Annotated[PlanRef, BeforeValidator(_plan_id)]] = Field(max_length=20)


class SignUpPageUpdate(SignUpPageFields):
    """Only the fields sent change; null clears tos_url and thanks_url."""


class SignUpPage(ResponseModel):
    id: int
    object: Literal["sign_up_page"]
    name: str
    type: str
    plans: list[dict[str, Any]]
    has_quantity: bool
    trial_period_days: int
    billing_address: bool
    shipping_address: bool
    allow_multiple_subscriptions: bool
    header_text: str
    thanks_text: str
    tos_url: str | None
    thanks_url: str | None
    is_default: bool
    url: str = Field(description="The public page: {portal}/pages/{token}")
    metadata: dict[str, str]
    created_at: int
    updated_at: int
