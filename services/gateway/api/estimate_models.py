"""The business API's estimate bodies (Invoiced's Estimate shape), as pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from services.gateway.api.models import AdjustmentOut, Customer, InvoiceFields, LineItem
from services.gateway.api.schema import (
    Amount,
    EmailText,
    Flag,
    LongText,
    ObjectIdValue,
    RequestModel,
    ResponseModel,
    Timestamp,
)

READ_ONLY = "Read-only: ignored when sent."


class EstimateFields(InvoiceFields):
    """An invoice's fields (autopay and due_date are accepted and not used), plus the estimate's own."""

    expiration_date: Timestamp | None = Field(default=None, description="After it, the estimate cannot be approved.")
    deposit: Amount | None = Field(default=None, description="A deposit to ask for, in the estimate's currency.")
    deposit_paid: Flag | None = None
    approved: Any = Field(default=None, description=READ_ONLY)
    approval: Any = Field(default=None, description=READ_ONLY)
    decision: Any = Field(default=None, description=READ_ONLY)
    invoice: Any = Field(default=None, description=READ_ONLY)
    version: Any = Field(default=None, description=READ_ONLY)
    document_sha256: Any = Field(default=None, description=READ_ONLY)
    viewed: Any = Field(default=None, description=READ_ONLY)
    voided: Any = Field(default=None, description=READ_ONLY)


class EstimateCreate(EstimateFields):
    customer: ObjectIdValue = Field(description="The id of the customer the estimate is for.")


class EstimateUpdate(EstimateFields):
    """Only the fields sent change; null clears a field. A change to what the customer agrees to is a new version:
    it voids a standing approval."""

    customer: ObjectIdValue | None = None


class Approval(ResponseModel):
    id: int
    timestamp: int
    initials: str
    ip: str
    user_agent: str
    version: int
    document_sha256: str
    terms_accepted: bool
    approved_by: str = Field(description='"customer:<id>" (signed in) or "guest:<id>/estimate:<id>" (emailed link)')
    certificate_url: str = Field(description="The approval certificate (PDF) through this API.")


class Decision(ResponseModel):
    kind: Literal["declined", "changes_requested"]
    reason: str
    decided_by: str
    timestamp: int
    version: int


class Estimate(ResponseModel):
    id: int
    object: Literal["estimate"]
    customer: int | Customer
    invoice: int | None
    name: str | None
    number: str
    currency: str
    draft: bool
    closed: bool
    voided: bool
    sent: bool
    viewed: bool
    status: str
    date: int
    expiration_date: int | None
    payment_terms: str | None
    purchase_order: str | None
    notes: str | None
    items: list[LineItem]
    subtotal: Amount
    discounts: list[AdjustmentOut]
    taxes: list[AdjustmentOut]
    total: Amount
    deposit: Amount
    deposit_paid: bool
    ship_to: None
    approved: str | None = Field(description="The initials of the standing approval, else null (Invoiced's shape).")
    approval: Approval | None
    decision: Decision | None
    version: int
    document_sha256: str
    url: str
    pdf_url: str
    metadata: dict[str, str]
    created_at: int
    updated_at: int


class EstimateSettings(ResponseModel):
    id: Literal["estimate_settings"]
    object: Literal["estimate_settings"]
    approval_creates_invoice: bool
    terms: str
    notify_email: str


class EstimateSettingsUpdate(RequestModel):
    approval_creates_invoice: Flag | None = Field(default=None, description="Approval makes the invoice at once.")
    terms: LongText | None = Field(default=None, description='Terms a customer must accept to approve ("" = none).')
    notify_email: EmailText | None = Field(default=None, description='Where decisions are emailed ("" = nowhere).')
