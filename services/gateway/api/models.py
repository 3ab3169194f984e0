"""The business API's request and response bodies (Invoiced's shapes), as pydantic models.

Requests refuse unknown fields and drop read-only ones a client echoes back (see `schema.RequestModel`). On an
update, an explicit null clears a field. Responses document what the handlers write.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Strict, StringConstraints

from services.gateway.api.schema import (
    Amount,
    EmailText,
    Flag,
    LongText,
    Metadata,
    NameText,
    ObjectIdValue,
    Quantity,
    RequestModel,
    ResponseModel,
    ShortText,
    Text,
    Timestamp,
    _whole,
)

Ttl = Annotated[int, Field(ge=60, le=7 * 86400), BeforeValidator(_whole)]
IdleMinutes = Annotated[int, Field(ge=5, le=240), BeforeValidator(_whole)]
AbsoluteHours = Annotated[int, Field(ge=1, le=72), BeforeValidator(_whole)]
KeyName = Annotated[str, Strict(), StringConstraints(max_length=100)]

# Requests ------------------------------------------------------------------------------------------------------


class EmptyBody(RequestModel):
    """No fields: an empty JSON object, or no body at all."""


class CustomerFields(RequestModel):
    name: Text | None = None
    number: Text | None = None
    email: Text | None = None
    type: Text | None = Field(default=None, description="company or person")
    autopay: Flag | None = None
    payment_terms: Text | None = Field(default=None, description='e.g. "NET 30"')
    attention_to: Text | None = None
    address1: Text | None = None
    address2: Text | None = None
    city: Text | None = None
    state: Text | None = None
    postal_code: Text | None = None
    country: Text | None = None
    language: Text | None = None
    currency: Text | None = Field(default=None, description="ISO 4217 code, e.g. usd")
    phone: Text | None = None
    tax_id: Text | None = None
    taxable: Flag | None = None
    notes: Text | None = None
    metadata: Metadata | None = None
    disabled_payment_methods: Any = Field(default=None, description="Accepted for compatibility; not used yet.")


class CustomerCreate(CustomerFields):
    name: Text


class CustomerUpdate(CustomerFields):
    """Only the fields sent change; null clears a field."""


class ContactFields(RequestModel):
    name: Text | None = None
    title: Text | None = None
    email: Text | None = None
    phone: Text | None = None
    primary: Flag | None = None
    sms_enabled: Flag | None = None
    department: Text | None = None
    address1: Text | None = None
    address2: Text | None = None
    city: Text | None = None
    state: Text | None = None
    postal_code: Text | None = None
    country: Text | None = None
    customer: Any = Field(default=None, description="Ignored: the customer is the one in the address.")


class ContactCreate(ContactFields):
    name: Text


class ContactUpdate(ContactFields):
    """Only the fields sent change; null clears a field."""


class Adjustment(RequestModel):
    """A discount or a tax as a fixed amount (rates and coupons are not supported yet)."""

    amount: Amount = Field(description="Non-negative, in the invoice's currency.")


class LineItemIn(RequestModel):
    catalog_item: Text | None = None
    type: Text | None = None
    name: Text | None = None
    description: Text | None = None
    quantity: Quantity | None = Field(default=None, description="Default 1; at most 6 decimal places.")
    unit_cost: Amount | None = Field(default=None, description="Default: amount, else 0.")
    amount: Amount | None = Field(default=None, description="Used as unit_cost when unit_cost is absent.")
    discountable: Flag | None = None
    taxable: Flag | None = None
    discounts: list[Adjustment] | None = None
    taxes: list[Adjustment] | None = None
    metadata: Metadata | None = None
    plan: Any = Field(default=None, description="Ignored (subscriptions come later).")


class InvoiceFields(RequestModel):
    name: Text | None = None
    currency: Text | None = Field(default=None, description="ISO 4217; default: the customer's, else usd")
    autopay: Flag | None = None
    draft: Flag | None = None
    closed: Flag | None = None
    sent: Flag | None = None
    date: Timestamp | None = None
    due_date: Timestamp | None = None
    payment_terms: Text | None = None
    purchase_order: Text | None = None
    notes: Text | None = None
    items: list[LineItemIn] | None = None
    discounts: list[Adjustment] | None = None
    taxes: list[Adjustment] | None = None
    metadata: Metadata | None = None
    attachments: Any = Field(default=None, description="Accepted for compatibility; not used yet.")
    disabled_payment_methods: Any = Field(default=None, description="Accepted for compatibility; not used yet.")
    calculate_taxes: Any = Field(default=None, description="Accepted for compatibility; not used yet.")
    ship_to: Any = Field(default=None, description="Accepted for compatibility; not used yet.")
    payment_plan: Any = Field(default=None, description="Accepted for compatibility; not used yet.")


class InvoiceCreate(InvoiceFields):
    customer: ObjectIdValue = Field(description="The id of the customer to bill.")


class InvoiceUpdate(InvoiceFields):
    """Only the fields sent change; null clears a field."""

    customer: ObjectIdValue | None = None


class Recipient(RequestModel):
    email: EmailText
    name: NameText | None = None


class InvoiceEmail(RequestModel):
    to: list[Recipient] | None = Field(default=None, description="Default: the customer's address.")
    bcc: Any = Field(default=None, description="Accepted for compatibility; not used yet.")
    subject: ShortText | None = None
    message: LongText | None = None
    template: Any = Field(default=None, description="Accepted for compatibility; not used yet.")


class ApiKeyCreate(RequestModel):
    name: KeyName | None = Field(default=None, description="A label to tell keys apart, up to 100 characters.")


class SignInLinkRequest(RequestModel):
    ttl: Ttl | None = Field(default=None, description="Lifetime in seconds; default 3600, at most 7 days.")


class PortalSettingsUpdate(RequestModel):
    temporary_scope: Literal["account", "document"] = Field(
        default="account", description="What a guest from an emailed link may see."
    )
    require_sign_in: Flag = False
    idle_timeout_minutes: IdleMinutes = 30
    absolute_timeout_hours: AbsoluteHours = 12


class NoteCreate(RequestModel):
    """The business's reply on a document's comment thread (Invoiced's Note; a thread is per invoice or estimate)."""

    invoice_id: ObjectIdValue | None = None
    estimate_id: ObjectIdValue | None = Field(default=None, description="Instead of invoice_id, for an estimate")
    customer_id: ObjectIdValue | None = Field(default=None, description="Not supported: notes belong to a document")
    notes: LongText = Field(description="Plain text, at most 2,000 characters")
    author: NameText | None = Field(default=None, description="Who replies; default: the business's name")


class CommentSettingsUpdate(RequestModel):
    comments_enabled: Flag | None = None
    guests_may_comment: Flag | None = Field(default=None, description="Guests from emailed links may comment")
    notification_email: EmailText | None = Field(default=None, description='Where "needs attention" emails go')


# Responses -----------------------------------------------------------------------------------------------------


class Customer(ResponseModel):
    id: int
    object: Literal["customer"]
    name: str | None
    number: str | None
    email: str | None
    type: str | None
    autopay: bool
    payment_terms: str | None
    attention_to: str | None
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    language: str | None
    currency: str | None
    phone: str | None
    tax_id: str | None
    taxable: bool
    notes: str | None
    payment_source: None
    autopay_delay_days: None
    chase: bool
    credit_hold: bool
    credit_limit: None
    owner: None
    parent_customer: None
    sign_up_page: int | None = Field(description="The business's default sign-up page, when it has one.")
    sign_up_url: str | None = Field(
        description="{portal}/sign_up/{token}: the default sign-up page with this customer prefilled; null without one."
    )
    statement_pdf_url: str | None = Field(description="The customer's open-item statement (PDF).")
    taxes: list[Any]
    chasing_cadence: None
    next_chase_step: None
    ach_gateway: None
    cc_gateway: None
    metadata: dict[str, str]
    created_at: int
    updated_at: int


class Contact(ResponseModel):
    id: int
    object: Literal["contact"]
    customer: int
    name: str | None
    title: str | None
    email: str | None
    phone: str | None
    primary: bool
    sms_enabled: bool
    department: str | None
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    created_at: int
    updated_at: int


class AdjustmentOut(ResponseModel):
    id: int
    object: Literal["discount", "tax"]
    amount: Amount


class LineItem(ResponseModel):
    id: int
    object: Literal["line_item"]
    catalog_item: str | None
    type: str | None
    name: str | None
    description: str | None
    quantity: Amount
    unit_cost: Amount
    amount: Amount
    discountable: bool
    taxable: bool
    discounts: list[AdjustmentOut]
    taxes: list[AdjustmentOut]
    metadata: dict[str, str]


class Invoice(ResponseModel):
    id: int
    object: Literal["invoice"]
    customer: int | Customer = Field(description="The customer's id, or the customer with ?expand=customer")
    name: str | None
    number: str
    currency: str
    autopay: bool
    draft: bool
    closed: bool
    paid: bool
    voided: bool
    status: str
    sent: bool
    attempt_count: int
    next_payment_attempt: None
    subscription: None
    date: int
    due_date: int | None
    payment_terms: str | None
    purchase_order: str | None
    notes: str | None
    payment_plan: None
    ship_to: None
    items: list[LineItem]
    subtotal: Amount
    discounts: list[AdjustmentOut]
    taxes: list[AdjustmentOut]
    total: Amount
    balance: Amount
    amount_paid: Amount = Field(description="Applied by payments, net of refunds.")
    url: str
    payment_url: str
    pdf_url: str
    metadata: dict[str, str]
    needs_attention: bool = Field(description="A customer commented; cleared when the thread is resolved")
    created_at: int
    updated_at: int


class Email(ResponseModel):
    id: str
    object: Literal["email"]
    state: str
    email: str
    subject: str
    message: str
    template: str
    reject_reason: None
    opens: int
    created_at: int
    updated_at: int


class SignInLink(ResponseModel):
    id: int
    object: Literal["sign_in_link"]
    customer: int
    url: str = Field(description="https://{username}.{domain}/login/{JWT}")
    expires_at: int


class CustomerSessions(ResponseModel):
    id: int
    object: Literal["customer_sessions"]
    ended: int = Field(description="How many sessions were ended.")


class NoteUser(ResponseModel):
    name: str
    type: Literal["customer", "business"]


class Note(ResponseModel):
    id: str
    object: Literal["note"]
    notes: str
    customer: int | None
    invoice: int | None
    estimate: int | None
    user: NoteUser
    created_at: int
    updated_at: int


class CommentThread(ResponseModel):
    id: str
    object: Literal["comment_thread"]
    invoice: int | None
    estimate: int | None
    customer: int | None
    status: Literal["none", "open", "resolved"]
    resolved_at: int | None
    notes: list[Note]


class CommentSettings(ResponseModel):
    id: Literal["comment_settings"]
    object: Literal["comment_settings"]
    comments_enabled: bool
    guests_may_comment: bool
    notification_email: str | None


class PortalSettings(ResponseModel):
    id: Literal["portal_settings"]
    object: Literal["portal_settings"]
    temporary_scope: str
    require_sign_in: bool
    idle_timeout_minutes: int
    absolute_timeout_hours: int


class SsoKey(ResponseModel):
    id: Literal["sso_key"]
    object: Literal["sso_key"]
    sso_key: str = Field(description="Shown once.")


class ApiKey(ResponseModel):
    id: str
    object: Literal["api_key"]
    name: str | None
    last4: str | None = Field(description="The last four characters of the secret.")
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


class NewApiKey(ApiKey):
    secret: str = Field(description="Shown once: use it as the HTTP Basic username.")
