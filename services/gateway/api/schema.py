"""Building blocks of the API's pydantic models: exact numbers, strict scalars, Invoiced's read-only echo rule.

Amounts stay exact: the body is parsed by `jsonio.parse_json` (fractions become Decimal, integers int, absurd
numbers refused) before pydantic sees it, and pydantic validates those Python values (FastAPI validates in
Python mode), so no float ever exists. `Amount` accepts only int or Decimal, never a string or a bool.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Fields the API shows but never accepts; a client that sends an object back (save()) may include them.
READ_ONLY = frozenset({"id", "object", "created_at", "updated_at", "url", "payment_url", "pdf_url",
                       "statement_pdf_url", "sign_up_url", "status", "subtotal", "total", "balance", "paid",
                       "number_of_items", "needs_attention", "amount_paid", "voided", "charge", "matched",
                       "ach_sender_id", "amount_refunded"})  # fmt: skip
MAX_TIMESTAMP = 2**53 - 1
MAX_ID = 2**63 - 1


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | Decimal | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PydanticCustomError("number_type", "must be a number, not {kind}", {"kind": kind_of(value)})
    return Decimal(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PydanticCustomError("whole_number_type", "must be a whole number, not {kind}", {"kind": kind_of(value)})
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise PydanticCustomError("whole_number_type", "must be a whole number, not a fraction", {})
    return int(value)


def _metadata_value(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise PydanticCustomError("string_type", "must be a string, not {kind}", {"kind": kind_of(value)})
    return str(value)


Amount = Annotated[
    Decimal,
    BeforeValidator(_number),
    WithJsonSchema({"type": "number", "description": "In the currency's major unit, e.g. 12.34; exact."}),
]
Quantity = Annotated[Decimal, BeforeValidator(_number), Field(ge=0), WithJsonSchema({"type": "number", "minimum": 0})]
Timestamp = Annotated[int, Field(ge=0, le=MAX_TIMESTAMP, description="Unix time"), BeforeValidator(_whole)]
ObjectIdValue = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_whole)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), StringConstraints(max_length=1000)]
MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=40)]
MetadataValue = Annotated[
    str,
    BeforeValidator(_metadata_value),
    StringConstraints(max_length=255),
    WithJsonSchema({"type": "string", "maxLength": 255}),
]
Metadata = Annotated[dict[MetadataKey, MetadataValue], Field(max_length=10)]


ShortText = Annotated[str, Strict(), StringConstraints(max_length=300)]
EmailText = Annotated[str, Strict(), StringConstraints(max_length=254)]
NameText = Annotated[str, Strict(), StringConstraints(max_length=200)]
LongText = Annotated[str, Strict(), StringConstraints(max_length=10000)]


class RequestModel(BaseModel):
    """A request body: unknown fields are refused, read-only fields a client echoes back are dropped."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if key not in READ_ONLY}
        return data

    def given(self) -> dict[str, Any]:
        """The fields the client sent, with their values (None for an explicit null)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class ResponseModel(BaseModel):
    """A response object (documentation: handlers write JSON with exact decimals themselves)."""


class ApiError(BaseModel):
    """Every error: a type, a message for people, and the field at fault when there is one."""

    type: str = Field(description="invalid_request, authentication_error, rate_limit_error or api_error")
    message: str
    param: str | None = Field(default=None, description="The request field the error is about, e.g. items[0].quantity")
