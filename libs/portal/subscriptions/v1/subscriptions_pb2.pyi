from portal.subscriptions.v1 import plans_pb2 as _plans_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Addon(_message.Message):
    __slots__ = ("id", "plan", "quantity", "description", "amount", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    plan: str
    quantity: int
    description: str
    amount: int
    created_at: int
    updated_at: int
    def __init__(self, id: _Optional[int] = ..., plan: _Optional[str] = ..., quantity: _Optional[int] = ..., description: _Optional[str] = ..., amount: _Optional[int] = ..., created_at: _Optional[int] = ..., updated_at: _Optional[int] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("id", "customer", "plan", "quantity", "amount", "currency", "start_date", "cycles", "cycles_billed", "period_start", "period_end", "cancel_at_period_end", "canceled_at", "canceled_reason", "status", "paused", "addons", "recurring_total", "mrr", "manage_token", "metadata", "trial_end", "past_due_since", "sign_up_page", "created_at", "updated_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    CYCLES_FIELD_NUMBER: _ClassVar[int]
    CYCLES_BILLED_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCELED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELED_REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    ADDONS_FIELD_NUMBER: _ClassVar[int]
    RECURRING_TOTAL_FIELD_NUMBER: _ClassVar[int]
    MRR_FIELD_NUMBER: _ClassVar[int]
    MANAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TRIAL_END_FIELD_NUMBER: _ClassVar[int]
    PAST_DUE_SINCE_FIELD_NUMBER: _ClassVar[int]
    SIGN_UP_PAGE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    customer: int
    plan: str
    quantity: int
    amount: int
    currency: str
    start_date: int
    cycles: int
    cycles_billed: int
    period_start: int
    period_end: int
    cancel_at_period_end: bool
    canceled_at: int
    canceled_reason: str
    status: str
    paused: bool
    addons: _containers.RepeatedCompositeFieldContainer[Addon]
    recurring_total: int
    mrr: int
    manage_token: str
    metadata: _containers.ScalarMap[str, str]
    trial_end: int
    past_due_since: int
    sign_up_page: int
    created_at: int
    updated_at: int
    def __init__(self, id: _Optional[int] = ..., customer: _Optional[int] = ..., plan: _Optional[str] = ..., quantity: _Optional[int] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., start_date: _Optional[int] = ..., cycles: _Optional[int] = ..., cycles_billed: _Optional[int] = ..., period_start: _Optional[int] = ..., period_end: _Optional[int] = ..., cancel_at_period_end: _Optional[bool] = ..., canceled_at: _Optional[int] = ..., canceled_reason: _Optional[str] = ..., status: _Optional[str] = ..., paused: _Optional[bool] = ..., addons: _Optional[_Iterable[_Union[Addon, _Mapping]]] = ..., recurring_total: _Optional[int] = ..., mrr: _Optional[int] = ..., manage_token: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., trial_end: _Optional[int] = ..., past_due_since: _Optional[int] = ..., sign_up_page: _Optional[int] = ..., created_at: _Optional[int] = ..., updated_at: _Optional[int] = ...) -> None: ...

class AddonInput(_message.Message):
    __slots__ = ("plan", "quantity", "description", "amount_decimal")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    plan: str
    quantity: int
    description: str
    amount_decimal: str
    def __init__(self, plan: _Optional[str] = ..., quantity: _Optional[int] = ..., description: _Optional[str] = ..., amount_decimal: _Optional[str] = ...) -> None: ...

class AddonInputs(_message.Message):
    __slots__ = ("addons",)
    ADDONS_FIELD_NUMBER: _ClassVar[int]
    addons: _containers.RepeatedCompositeFieldContainer[AddonInput]
    def __init__(self, addons: _Optional[_Iterable[_Union[AddonInput, _Mapping]]] = ...) -> None: ...

class SubscriptionInput(_message.Message):
    __slots__ = ("customer", "plan", "quantity", "amount_decimal", "start_date", "cycles", "cancel_at_period_end", "addons", "trial_end", "metadata", "metadata_set", "prorate", "proration_date", "cleared")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    CYCLES_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    ADDONS_FIELD_NUMBER: _ClassVar[int]
    TRIAL_END_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_SET_FIELD_NUMBER: _ClassVar[int]
    PRORATE_FIELD_NUMBER: _ClassVar[int]
    PRORATION_DATE_FIELD_NUMBER: _ClassVar[int]
    CLEARED_FIELD_NUMBER: _ClassVar[int]
    customer: int
    plan: str
    quantity: int
    amount_decimal: str
    start_date: int
    cycles: int
    cancel_at_period_end: bool
    addons: AddonInputs
    trial_end: int
    metadata: _containers.ScalarMap[str, str]
    metadata_set: bool
    prorate: bool
    proration_date: int
    cleared: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer: _Optional[int] = ..., plan: _Optional[str] = ..., quantity: _Optional[int] = ..., amount_decimal: _Optional[str] = ..., start_date: _Optional[int] = ..., cycles: _Optional[int] = ..., cancel_at_period_end: _Optional[bool] = ..., addons: _Optional[_Union[AddonInputs, _Mapping]] = ..., trial_end: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., metadata_set: _Optional[bool] = ..., prorate: _Optional[bool] = ..., proration_date: _Optional[int] = ..., cleared: _Optional[_Iterable[str]] = ...) -> None: ...

class InvoiceLine(_message.Message):
    __slots__ = ("name", "description", "quantity", "unit_cost", "amount", "plan", "period_start", "period_end", "proration")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_COST_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    PRORATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    quantity: int
    unit_cost: int
    amount: int
    plan: str
    period_start: int
    period_end: int
    proration: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_cost: _Optional[int] = ..., amount: _Optional[int] = ..., plan: _Optional[str] = ..., period_start: _Optional[int] = ..., period_end: _Optional[int] = ..., proration: _Optional[bool] = ...) -> None: ...

class InvoicePreview(_message.Message):
    __slots__ = ("currency", "lines", "subtotal", "total", "date")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    currency: str
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    subtotal: int
    total: int
    date: int
    def __init__(self, currency: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., subtotal: _Optional[int] = ..., total: _Optional[int] = ..., date: _Optional[int] = ...) -> None: ...

class PendingLine(_message.Message):
    __slots__ = ("line", "created_at")
    LINE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    line: InvoiceLine
    created_at: int
    def __init__(self, line: _Optional[_Union[InvoiceLine, _Mapping]] = ..., created_at: _Optional[int] = ...) -> None: ...

class SubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class CreateSubscriptionRequest(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: SubscriptionInput
    def __init__(self, subscription: _Optional[_Union[SubscriptionInput, _Mapping]] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class UpdateSubscriptionRequest(_message.Message):
    __slots__ = ("id", "changes")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    id: int
    changes: SubscriptionInput
    def __init__(self, id: _Optional[int] = ..., changes: _Optional[_Union[SubscriptionInput, _Mapping]] = ...) -> None: ...

class CancelSubscriptionRequest(_message.Message):
    __slots__ = ("id", "reason", "at_period_end")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    id: int
    reason: str
    at_period_end: bool
    def __init__(self, id: _Optional[int] = ..., reason: _Optional[str] = ..., at_period_end: _Optional[bool] = ...) -> None: ...

class ListSubscriptionsRequest(_message.Message):
    __slots__ = ("page", "per_page", "cursor", "customer", "plan", "canceled", "finished")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PER_PAGE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    CANCELED_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    page: int
    per_page: int
    cursor: str
    customer: int
    plan: str
    canceled: bool
    finished: bool
    def __init__(self, page: _Optional[int] = ..., per_page: _Optional[int] = ..., cursor: _Optional[str] = ..., customer: _Optional[int] = ..., plan: _Optional[str] = ..., canceled: _Optional[bool] = ..., finished: _Optional[bool] = ...) -> None: ...

class ListSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions", "total_count", "next_cursor", "last_page")
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    LAST_PAGE_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[Subscription]
    total_count: int
    next_cursor: str
    last_page: int
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[Subscription, _Mapping]]] = ..., total_count: _Optional[int] = ..., next_cursor: _Optional[str] = ..., last_page: _Optional[int] = ...) -> None: ...

class PreviewSubscriptionRequest(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: SubscriptionInput
    def __init__(self, subscription: _Optional[_Union[SubscriptionInput, _Mapping]] = ...) -> None: ...

class PreviewSubscriptionResponse(_message.Message):
    __slots__ = ("first_invoice", "recurring_total", "mrr", "currency")
    FIRST_INVOICE_FIELD_NUMBER: _ClassVar[int]
    RECURRING_TOTAL_FIELD_NUMBER: _ClassVar[int]
    MRR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    first_invoice: InvoicePreview
    recurring_total: int
    mrr: int
    currency: str
    def __init__(self, first_invoice: _Optional[_Union[InvoicePreview, _Mapping]] = ..., recurring_total: _Optional[int] = ..., mrr: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class GetUpcomingRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetUpcomingResponse(_message.Message):
    __slots__ = ("pending", "next_invoice")
    PENDING_FIELD_NUMBER: _ClassVar[int]
    NEXT_INVOICE_FIELD_NUMBER: _ClassVar[int]
    pending: _containers.RepeatedCompositeFieldContainer[PendingLine]
    next_invoice: InvoicePreview
    def __init__(self, pending: _Optional[_Iterable[_Union[PendingLine, _Mapping]]] = ..., next_invoice: _Optional[_Union[InvoicePreview, _Mapping]] = ...) -> None: ...

class PortalSettings(_message.Message):
    __slots__ = ("allow_cancel", "allow_cancel_now", "allow_plan_change", "switchable_plans", "allow_quantity_change", "min_quantity", "max_quantity", "allow_pause", "require_full_sign_in", "manage_link_scope", "past_due_days", "past_due_action")
    ALLOW_CANCEL_FIELD_NUMBER: _ClassVar[int]
    ALLOW_CANCEL_NOW_FIELD_NUMBER: _ClassVar[int]
    ALLOW_PLAN_CHANGE_FIELD_NUMBER: _ClassVar[int]
    SWITCHABLE_PLANS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_QUANTITY_CHANGE_FIELD_NUMBER: _ClassVar[int]
    MIN_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    MAX_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ALLOW_PAUSE_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_FULL_SIGN_IN_FIELD_NUMBER: _ClassVar[int]
    MANAGE_LINK_SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAST_DUE_DAYS_FIELD_NUMBER: _ClassVar[int]
    PAST_DUE_ACTION_FIELD_NUMBER: _ClassVar[int]
    allow_cancel: bool
    allow_cancel_now: bool
    allow_plan_change: bool
    switchable_plans: _containers.RepeatedScalarFieldContainer[str]
    allow_quantity_change: bool
    min_quantity: int
    max_quantity: int
    allow_pause: bool
    require_full_sign_in: bool
    manage_link_scope: str
    past_due_days: int
    past_due_action: str
    def __init__(self, allow_cancel: _Optional[bool] = ..., allow_cancel_now: _Optional[bool] = ..., allow_plan_change: _Optional[bool] = ..., switchable_plans: _Optional[_Iterable[str]] = ..., allow_quantity_change: _Optional[bool] = ..., min_quantity: _Optional[int] = ..., max_quantity: _Optional[int] = ..., allow_pause: _Optional[bool] = ..., require_full_sign_in: _Optional[bool] = ..., manage_link_scope: _Optional[str] = ..., past_due_days: _Optional[int] = ..., past_due_action: _Optional[str] = ...) -> None: ...

class AccountSubscriptionRow(_message.Message):
    __slots__ = ("subscription", "plan_name", "next_bill_date", "next_bill_amount")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    NEXT_BILL_DATE_FIELD_NUMBER: _ClassVar[int]
    NEXT_BILL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    plan_name: str
    next_bill_date: int
    next_bill_amount: int
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., plan_name: _Optional[str] = ..., next_bill_date: _Optional[int] = ..., next_bill_amount: _Optional[int] = ...) -> None: ...

class ListAccountSubscriptionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAccountSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions",)
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[AccountSubscriptionRow]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[AccountSubscriptionRow, _Mapping]]] = ...) -> None: ...

class GetAccountSubscriptionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetAccountSubscriptionResponse(_message.Message):
    __slots__ = ("row", "settings", "switchable_plans")
    ROW_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SWITCHABLE_PLANS_FIELD_NUMBER: _ClassVar[int]
    row: AccountSubscriptionRow
    settings: PortalSettings
    switchable_plans: _containers.RepeatedCompositeFieldContainer[_plans_pb2.Plan]
    def __init__(self, row: _Optional[_Union[AccountSubscriptionRow, _Mapping]] = ..., settings: _Optional[_Union[PortalSettings, _Mapping]] = ..., switchable_plans: _Optional[_Iterable[_Union[_plans_pb2.Plan, _Mapping]]] = ...) -> None: ...

class AccountChangeRequest(_message.Message):
    __slots__ = ("id", "plan", "quantity")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    id: int
    plan: str
    quantity: int
    def __init__(self, id: _Optional[int] = ..., plan: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class PreviewAccountChangeResponse(_message.Message):
    __slots__ = ("proration_today", "next_invoice", "recurring_total", "needs_full_sign_in")
    PRORATION_TODAY_FIELD_NUMBER: _ClassVar[int]
    NEXT_INVOICE_FIELD_NUMBER: _ClassVar[int]
    RECURRING_TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEEDS_FULL_SIGN_IN_FIELD_NUMBER: _ClassVar[int]
    proration_today: InvoicePreview
    next_invoice: InvoicePreview
    recurring_total: int
    needs_full_sign_in: bool
    def __init__(self, proration_today: _Optional[_Union[InvoicePreview, _Mapping]] = ..., next_invoice: _Optional[_Union[InvoicePreview, _Mapping]] = ..., recurring_total: _Optional[int] = ..., needs_full_sign_in: _Optional[bool] = ...) -> None: ...

class CancelAccountSubscriptionRequest(_message.Message):
    __slots__ = ("id", "at_period_end", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: int
    at_period_end: bool
    reason: str
    def __init__(self, id: _Optional[int] = ..., at_period_end: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class PauseAccountSubscriptionRequest(_message.Message):
    __slots__ = ("id", "paused")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    id: int
    paused: bool
    def __init__(self, id: _Optional[int] = ..., paused: _Optional[bool] = ...) -> None: ...

class GetPortalSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdatePortalSettingsRequest(_message.Message):
    __slots__ = ("settings", "fields")
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    settings: PortalSettings
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, settings: _Optional[_Union[PortalSettings, _Mapping]] = ..., fields: _Optional[_Iterable[str]] = ...) -> None: ...

class PortalSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: PortalSettings
    def __init__(self, settings: _Optional[_Union[PortalSettings, _Mapping]] = ...) -> None: ...

class ResolveManageLinkRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class ResolveManageLinkResponse(_message.Message):
    __slots__ = ("subscription", "customer", "scope")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    subscription: int
    customer: int
    scope: str
    def __init__(self, subscription: _Optional[int] = ..., customer: _Optional[int] = ..., scope: _Optional[str] = ...) -> None: ...

class SignUpPage(_message.Message):
    __slots__ = ("id", "name", "type", "plans", "has_quantity", "trial_period_days", "billing_address", "shipping_address", "allow_multiple_subscriptions", "header_text", "thanks_text", "tos_url", "thanks_url", "token", "is_default", "metadata", "created_at", "updated_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    HAS_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    TRIAL_PERIOD_DAYS_FIELD_NUMBER: _ClassVar[int]
    BILLING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_MULTIPLE_SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    HEADER_TEXT_FIELD_NUMBER: _ClassVar[int]
    THANKS_TEXT_FIELD_NUMBER: _ClassVar[int]
    TOS_URL_FIELD_NUMBER: _ClassVar[int]
    THANKS_URL_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    type: str
    plans: _containers.RepeatedScalarFieldContainer[str]
    has_quantity: bool
    trial_period_days: int
    billing_address: bool
    shipping_address: bool
    allow_multiple_subscriptions: bool
    header_text: str
    thanks_text: str
    tos_url: str
    thanks_url: str
    token: str
    is_default: bool
    metadata: _containers.ScalarMap[str, str]
    created_at: int
    updated_at: int
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., plans: _Optional[_Iterable[str]] = ..., has_quantity: _Optional[bool] = ..., trial_period_days: _Optional[int] = ..., billing_address: _Optional[bool] = ..., shipping_address: _Optional[bool] = ..., allow_multiple_subscriptions: _Optional[bool] = ..., header_text: _Optional[str] = ..., thanks_text: _Optional[str] = ..., tos_url: _Optional[str] = ..., thanks_url: _Optional[str] = ..., token: _Optional[str] = ..., is_default: _Optional[bool] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created_at: _Optional[int] = ..., updated_at: _Optional[int] = ...) -> None: ...

class GetPublicSignUpPageRequest(_message.Message):
    __slots__ = ("token", "customer_token")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    customer_token: str
    def __init__(self, token: _Optional[str] = ..., customer_token: _Optional[str] = ...) -> None: ...

class PublicSignUpPageResponse(_message.Message):
    __slots__ = ("page", "plans", "customer", "customer_name", "customer_email")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    page: SignUpPage
    plans: _containers.RepeatedCompositeFieldContainer[_plans_pb2.Plan]
    customer: int
    customer_name: str
    customer_email: str
    def __init__(self, page: _Optional[_Union[SignUpPage, _Mapping]] = ..., plans: _Optional[_Iterable[_Union[_plans_pb2.Plan, _Mapping]]] = ..., customer: _Optional[int] = ..., customer_name: _Optional[str] = ..., customer_email: _Optional[str] = ...) -> None: ...

class SignUpClient(_message.Message):
    __slots__ = ("ip", "user_agent")
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    ip: str
    user_agent: str
    def __init__(self, ip: _Optional[str] = ..., user_agent: _Optional[str] = ...) -> None: ...

class StartSignUpCardSetupRequest(_message.Message):
    __slots__ = ("token", "client")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    token: str
    client: SignUpClient
    def __init__(self, token: _Optional[str] = ..., client: _Optional[_Union[SignUpClient, _Mapping]] = ...) -> None: ...

class StartSignUpCardSetupResponse(_message.Message):
    __slots__ = ("client_secret", "publishable_key")
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    client_secret: str
    publishable_key: str
    def __init__(self, client_secret: _Optional[str] = ..., publishable_key: _Optional[str] = ...) -> None: ...

class SignUpAddress(_message.Message):
    __slots__ = ("address1", "address2", "city", "state", "postal_code", "country")
    ADDRESS1_FIELD_NUMBER: _ClassVar[int]
    ADDRESS2_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    address1: str
    address2: str
    city: str
    state: str
    postal_code: str
    country: str
    def __init__(self, address1: _Optional[str] = ..., address2: _Optional[str] = ..., city: _Optional[str] = ..., state: _Optional[str] = ..., postal_code: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class SignUpRequest(_message.Message):
    __slots__ = ("token", "customer_token", "plan", "quantity", "name", "email", "address", "setup_intent", "idempotency_key", "client", "business_name", "portal_url")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    PORTAL_URL_FIELD_NUMBER: _ClassVar[int]
    token: str
    customer_token: str
    plan: str
    quantity: int
    name: str
    email: str
    address: SignUpAddress
    setup_intent: str
    idempotency_key: str
    client: SignUpClient
    business_name: str
    portal_url: str
    def __init__(self, token: _Optional[str] = ..., customer_token: _Optional[str] = ..., plan: _Optional[str] = ..., quantity: _Optional[int] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., address: _Optional[_Union[SignUpAddress, _Mapping]] = ..., setup_intent: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., client: _Optional[_Union[SignUpClient, _Mapping]] = ..., business_name: _Optional[str] = ..., portal_url: _Optional[str] = ...) -> None: ...

class SignUpResponse(_message.Message):
    __slots__ = ("customer", "subscription", "invoice", "status", "thanks_text", "thanks_url")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    THANKS_TEXT_FIELD_NUMBER: _ClassVar[int]
    THANKS_URL_FIELD_NUMBER: _ClassVar[int]
    customer: int
    subscription: int
    invoice: int
    status: str
    thanks_text: str
    thanks_url: str
    def __init__(self, customer: _Optional[int] = ..., subscription: _Optional[int] = ..., invoice: _Optional[int] = ..., status: _Optional[str] = ..., thanks_text: _Optional[str] = ..., thanks_url: _Optional[str] = ...) -> None: ...

class GetCustomerSignUpLinksRequest(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, customers: _Optional[_Iterable[int]] = ...) -> None: ...

class GetCustomerSignUpLinksResponse(_message.Message):
    __slots__ = ("sign_up_page", "tokens")
    class TokensEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: str
        def __init__(self, key: _Optional[int] = ..., value: _Optional[str] = ...) -> None: ...
    SIGN_UP_PAGE_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    sign_up_page: int
    tokens: _containers.ScalarMap[int, str]
    def __init__(self, sign_up_page: _Optional[int] = ..., tokens: _Optional[_Mapping[int, str]] = ...) -> None: ...

class SignUpPageResponse(_message.Message):
    __slots__ = ("page", "plans")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    page: SignUpPage
    plans: _containers.RepeatedCompositeFieldContainer[_plans_pb2.Plan]
    def __init__(self, page: _Optional[_Union[SignUpPage, _Mapping]] = ..., plans: _Optional[_Iterable[_Union[_plans_pb2.Plan, _Mapping]]] = ...) -> None: ...

class CreateSignUpPageRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: SignUpPage
    def __init__(self, page: _Optional[_Union[SignUpPage, _Mapping]] = ...) -> None: ...

class GetSignUpPageRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class UpdateSignUpPageRequest(_message.Message):
    __slots__ = ("id", "page", "fields")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    id: int
    page: SignUpPage
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[int] = ..., page: _Optional[_Union[SignUpPage, _Mapping]] = ..., fields: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteSignUpPageRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class DeleteSignUpPageResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSignUpPagesRequest(_message.Message):
    __slots__ = ("page", "per_page")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PER_PAGE_FIELD_NUMBER: _ClassVar[int]
    page: int
    per_page: int
    def __init__(self, page: _Optional[int] = ..., per_page: _Optional[int] = ...) -> None: ...

class ListSignUpPagesResponse(_message.Message):
    __slots__ = ("pages", "total_count", "plans")
    PAGES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    pages: _containers.RepeatedCompositeFieldContainer[SignUpPage]
    total_count: int
    plans: _containers.RepeatedCompositeFieldContainer[_plans_pb2.Plan]
    def __init__(self, pages: _Optional[_Iterable[_Union[SignUpPage, _Mapping]]] = ..., total_count: _Optional[int] = ..., plans: _Optional[_Iterable[_Union[_plans_pb2.Plan, _Mapping]]] = ...) -> None: ...
