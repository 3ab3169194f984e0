"""Request and response bodies of /api/payments and /api/events (Invoiced's Payment and Event)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from services.gateway.api.schema import (
    Amount,
    LongText,
    Metadata,
    ObjectIdValue,
    RequestModel,
    ResponseModel,
    ShortText,
    Text,
    Timestamp,
)


class PaymentApplicationIn(RequestModel):
    type: ShortText | None = Field(default=None, description="invoice (the only kind applied here)")
    invoice: ObjectIdValue | None = None
    amount: Amount
    document_type: ShortText | None = Field(default=None, description="Accepted for compatibility; ignored.")


class PaymentFields(RequestModel):
    customer: ObjectIdValue | None = None
    date: Timestamp | None = None
    currency: Text | None = Field(default=None, description="ISO 4217 code; default: the invoices' or customer's")
    amount: Amount | None = None
    method: ShortText | None = Field(default=None, description="check, wire_transfer, cash, ach, eft, other, ...")
    reference: ShortText | None = Field(default=None, description="e.g. the check number")
    notes: LongText | None = None
    applied_to: list[PaymentApplicationIn] | None = Field(default=None, max_length=100)
    metadata: Metadata | None = None
    source: ShortText | None = Field(default=None, description="Accepted for compatibility; ignored.")


class PaymentCreate(PaymentFields):
    customer: ObjectIdValue
    amount: Amount


class PaymentUpdate(PaymentFields):
    """date, method, reference, notes and metadata change; null clears reference, notes or metadata."""


class PaymentApplicationOut(ResponseModel):
    id: int
    type: Literal["invoice", "estimate"] = Field(
        description="invoice, or estimate: a deposit paid on an estimate not invoiced yet (applied to its invoice "
        "when the estimate is invoiced)"
    )
    invoice: int | None = None
    amount: Amount
    amount_refunded: Amount | None = None
    invoice_number: str | None = None
    estimate: int | None = None
    estimate_number: str | None = None


class Payment(ResponseModel):
    id: int
    object: Literal["payment"]
    customer: int
    date: int
    currency: str
    amount: Amount
    balance: Amount = Field(description="The part applied to no invoice.")
    amount_refunded: Amount
    matched: None
    voided: bool
    status: str = Field(description="pending, succeeded, failed or voided")
    method: str
    reference: str | None
    ach_sender_id: None
    source: str = Field(description="offline (recorded by the business) or stripe")
    notes: str | None
    failure_message: str | None
    charge: None
    applied_to: list[PaymentApplicationOut]
    pdf_url: str = Field(description="The receipt (PDF).")
    metadata: dict[str, str]
    created_at: int
    updated_at: int


class EventUser(ResponseModel):
    object: Literal["user"]
    type: str = Field(description="api (the business), customer, guest or system")
    customer: int | None


class EventData(ResponseModel):
    object: dict[str, Any] = Field(description="The object after the change, as its own endpoint shows it.")
    previous: dict[str, Any] | None = Field(default=None, description="Changed fields' old values (updates).")


class Event(ResponseModel):
    id: int
    object: Literal["event"]
    type: str = Field(description='"<object>.<action>", e.g. "invoice.paid"')
    timestamp: int
    data: EventData
    user: EventUser
