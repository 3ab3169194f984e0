from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaymentSettings(_message.Message):
    __slots__ = ("connected", "publishable_key", "secret_key_last4", "accepted_methods", "partial_payments", "autopay_offered", "minimum_payments", "autopay_retry_days", "webhook_path")
    class MinimumPaymentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_KEY_LAST4_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_METHODS_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_OFFERED_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_RETRY_DAYS_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_PATH_FIELD_NUMBER: _ClassVar[int]
    connected: bool
    publishable_key: str
    secret_key_last4: str
    accepted_methods: _containers.RepeatedScalarFieldContainer[str]
    partial_payments: bool
    autopay_offered: bool
    minimum_payments: _containers.ScalarMap[str, int]
    autopay_retry_days: _containers.RepeatedScalarFieldContainer[int]
    webhook_path: str
    def __init__(self, connected: _Optional[bool] = ..., publishable_key: _Optional[str] = ..., secret_key_last4: _Optional[str] = ..., accepted_methods: _Optional[_Iterable[str]] = ..., partial_payments: _Optional[bool] = ..., autopay_offered: _Optional[bool] = ..., minimum_payments: _Optional[_Mapping[str, int]] = ..., autopay_retry_days: _Optional[_Iterable[int]] = ..., webhook_path: _Optional[str] = ...) -> None: ...

class ConnectStripeRequest(_message.Message):
    __slots__ = ("secret_key", "publishable_key", "webhook_secret", "portal_url", "business_name")
    SECRET_KEY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SECRET_FIELD_NUMBER: _ClassVar[int]
    PORTAL_URL_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    secret_key: str
    publishable_key: str
    webhook_secret: str
    portal_url: str
    business_name: str
    def __init__(self, secret_key: _Optional[str] = ..., publishable_key: _Optional[str] = ..., webhook_secret: _Optional[str] = ..., portal_url: _Optional[str] = ..., business_name: _Optional[str] = ...) -> None: ...

class UpdatePaymentSettingsRequest(_message.Message):
    __slots__ = ("accepted_methods", "set_accepted_methods", "partial_payments", "autopay_offered", "minimum_payments", "set_minimum_payments", "autopay_retry_days", "set_autopay_retry_days")
    class MinimumPaymentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ACCEPTED_METHODS_FIELD_NUMBER: _ClassVar[int]
    SET_ACCEPTED_METHODS_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_OFFERED_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    SET_MINIMUM_PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_RETRY_DAYS_FIELD_NUMBER: _ClassVar[int]
    SET_AUTOPAY_RETRY_DAYS_FIELD_NUMBER: _ClassVar[int]
    accepted_methods: _containers.RepeatedScalarFieldContainer[str]
    set_accepted_methods: bool
    partial_payments: bool
    autopay_offered: bool
    minimum_payments: _containers.ScalarMap[str, int]
    set_minimum_payments: bool
    autopay_retry_days: _containers.RepeatedScalarFieldContainer[int]
    set_autopay_retry_days: bool
    def __init__(self, accepted_methods: _Optional[_Iterable[str]] = ..., set_accepted_methods: _Optional[bool] = ..., partial_payments: _Optional[bool] = ..., autopay_offered: _Optional[bool] = ..., minimum_payments: _Optional[_Mapping[str, int]] = ..., set_minimum_payments: _Optional[bool] = ..., autopay_retry_days: _Optional[_Iterable[int]] = ..., set_autopay_retry_days: _Optional[bool] = ...) -> None: ...

class GetPaymentSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PaymentSource(_message.Message):
    __slots__ = ("id", "customer", "object", "brand", "last4", "exp_month", "exp_year", "is_default", "autopay", "expiring_soon", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    LAST4_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_FIELD_NUMBER: _ClassVar[int]
    EXPIRING_SOON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    customer: int
    object: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool
    autopay: bool
    expiring_soon: bool
    created_at: int
    def __init__(self, id: _Optional[int] = ..., customer: _Optional[int] = ..., object: _Optional[str] = ..., brand: _Optional[str] = ..., last4: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., is_default: _Optional[bool] = ..., autopay: _Optional[bool] = ..., expiring_soon: _Optional[bool] = ..., created_at: _Optional[int] = ...) -> None: ...

class ListPaymentSourcesRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    def __init__(self, customer_id: _Optional[int] = ...) -> None: ...

class ListPaymentSourcesResponse(_message.Message):
    __slots__ = ("sources",)
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    sources: _containers.RepeatedCompositeFieldContainer[PaymentSource]
    def __init__(self, sources: _Optional[_Iterable[_Union[PaymentSource, _Mapping]]] = ...) -> None: ...

class DeletePaymentSourceRequest(_message.Message):
    __slots__ = ("customer_id", "id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    id: int
    def __init__(self, customer_id: _Optional[int] = ..., id: _Optional[int] = ...) -> None: ...

class DeletePaymentSourceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Allocation(_message.Message):
    __slots__ = ("invoice_id", "amount")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    invoice_id: int
    amount: int
    def __init__(self, invoice_id: _Optional[int] = ..., amount: _Optional[int] = ...) -> None: ...

class CardPayment(_message.Message):
    __slots__ = ("payment_id", "status", "amount", "currency", "allocations", "client_secret", "failure_message", "payment_intent", "customer", "amount_refunded", "created_at", "estimate")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_REFUNDED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    payment_id: int
    status: str
    amount: int
    currency: str
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    client_secret: str
    failure_message: str
    payment_intent: str
    customer: int
    amount_refunded: int
    created_at: int
    estimate: int
    def __init__(self, payment_id: _Optional[int] = ..., status: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ..., client_secret: _Optional[str] = ..., failure_message: _Optional[str] = ..., payment_intent: _Optional[str] = ..., customer: _Optional[int] = ..., amount_refunded: _Optional[int] = ..., created_at: _Optional[int] = ..., estimate: _Optional[int] = ...) -> None: ...

class ChargeRequest(_message.Message):
    __slots__ = ("customer_id", "source_id", "currency", "applied_to", "amount")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    APPLIED_TO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    source_id: int
    currency: str
    applied_to: _containers.RepeatedCompositeFieldContainer[Allocation]
    amount: int
    def __init__(self, customer_id: _Optional[int] = ..., source_id: _Optional[int] = ..., currency: _Optional[str] = ..., applied_to: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ..., amount: _Optional[int] = ...) -> None: ...

class RefundRequest(_message.Message):
    __slots__ = ("payment_id", "amount")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    payment_id: int
    amount: int
    def __init__(self, payment_id: _Optional[int] = ..., amount: _Optional[int] = ...) -> None: ...

class PayInvoiceRequest(_message.Message):
    __slots__ = ("invoice_id",)
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    invoice_id: int
    def __init__(self, invoice_id: _Optional[int] = ...) -> None: ...

class RedeemCardUpdateLinkRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class RedeemCardUpdateLinkResponse(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    def __init__(self, customer_id: _Optional[int] = ...) -> None: ...

class ReceiveWebhookRequest(_message.Message):
    __slots__ = ("payload", "signature")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    signature: str
    def __init__(self, payload: _Optional[bytes] = ..., signature: _Optional[str] = ...) -> None: ...

class ReceiveWebhookResponse(_message.Message):
    __slots__ = ("outcome", "event_type")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    event_type: str
    def __init__(self, outcome: _Optional[str] = ..., event_type: _Optional[str] = ...) -> None: ...

class Wallet(_message.Message):
    __slots__ = ("sources", "publishable_key", "stripe_js_url", "card_accepted", "partial_payments", "autopay_offered", "autopay", "minimum_payments", "autopay_retry_days", "connected")
    class MinimumPaymentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    STRIPE_JS_URL_FIELD_NUMBER: _ClassVar[int]
    CARD_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_OFFERED_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_RETRY_DAYS_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    sources: _containers.RepeatedCompositeFieldContainer[PaymentSource]
    publishable_key: str
    stripe_js_url: str
    card_accepted: bool
    partial_payments: bool
    autopay_offered: bool
    autopay: bool
    minimum_payments: _containers.ScalarMap[str, int]
    autopay_retry_days: _containers.RepeatedScalarFieldContainer[int]
    connected: bool
    def __init__(self, sources: _Optional[_Iterable[_Union[PaymentSource, _Mapping]]] = ..., publishable_key: _Optional[str] = ..., stripe_js_url: _Optional[str] = ..., card_accepted: _Optional[bool] = ..., partial_payments: _Optional[bool] = ..., autopay_offered: _Optional[bool] = ..., autopay: _Optional[bool] = ..., minimum_payments: _Optional[_Mapping[str, int]] = ..., autopay_retry_days: _Optional[_Iterable[int]] = ..., connected: _Optional[bool] = ...) -> None: ...

class GetWalletRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartCardSetupRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CardSetup(_message.Message):
    __slots__ = ("client_secret", "publishable_key")
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    client_secret: str
    publishable_key: str
    def __init__(self, client_secret: _Optional[str] = ..., publishable_key: _Optional[str] = ...) -> None: ...

class FinishCardSetupRequest(_message.Message):
    __slots__ = ("setup_intent", "make_default")
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    MAKE_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    setup_intent: str
    make_default: bool
    def __init__(self, setup_intent: _Optional[str] = ..., make_default: _Optional[bool] = ...) -> None: ...

class RemoveCardRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class MakeDefaultCardRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class SetAutoPayRequest(_message.Message):
    __slots__ = ("enabled", "card_id")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    CARD_ID_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    card_id: int
    def __init__(self, enabled: _Optional[bool] = ..., card_id: _Optional[int] = ...) -> None: ...

class StartPaymentRequest(_message.Message):
    __slots__ = ("allocations", "card_id", "setup_intent", "save_card", "request_key", "estimate_id")
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    CARD_ID_FIELD_NUMBER: _ClassVar[int]
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    SAVE_CARD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_KEY_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_ID_FIELD_NUMBER: _ClassVar[int]
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    card_id: int
    setup_intent: str
    save_card: bool
    request_key: str
    estimate_id: int
    def __init__(self, allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ..., card_id: _Optional[int] = ..., setup_intent: _Optional[str] = ..., save_card: _Optional[bool] = ..., request_key: _Optional[str] = ..., estimate_id: _Optional[int] = ...) -> None: ...

class GetCardPaymentRequest(_message.Message):
    __slots__ = ("payment_id",)
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    payment_id: int
    def __init__(self, payment_id: _Optional[int] = ...) -> None: ...

class OpenPaymentsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OpenPaymentsResponse(_message.Message):
    __slots__ = ("payments",)
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[CardPayment]
    def __init__(self, payments: _Optional[_Iterable[_Union[CardPayment, _Mapping]]] = ...) -> None: ...

class SignUpCardSetupRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChargeSignUpCardRequest(_message.Message):
    __slots__ = ("setup_intent", "sign_up_key", "name", "email", "amount", "currency")
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    SIGN_UP_KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    setup_intent: str
    sign_up_key: str
    name: str
    email: str
    amount: int
    currency: str
    def __init__(self, setup_intent: _Optional[str] = ..., sign_up_key: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class SignUpCharge(_message.Message):
    __slots__ = ("status", "failure_message", "stripe_customer", "payment_method", "payment_intent")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STRIPE_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    status: str
    failure_message: str
    stripe_customer: str
    payment_method: str
    payment_intent: str
    def __init__(self, status: _Optional[str] = ..., failure_message: _Optional[str] = ..., stripe_customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., payment_intent: _Optional[str] = ...) -> None: ...

class AdoptSignUpCardRequest(_message.Message):
    __slots__ = ("customer_id", "stripe_customer", "payment_method", "payment_intent", "invoice_id", "sign_up_key", "autopay")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STRIPE_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    SIGN_UP_KEY_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    stripe_customer: str
    payment_method: str
    payment_intent: str
    invoice_id: int
    sign_up_key: str
    autopay: bool
    def __init__(self, customer_id: _Optional[int] = ..., stripe_customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., payment_intent: _Optional[str] = ..., invoice_id: _Optional[int] = ..., sign_up_key: _Optional[str] = ..., autopay: _Optional[bool] = ...) -> None: ...

class AdoptSignUpCardResponse(_message.Message):
    __slots__ = ("payment_id",)
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    payment_id: int
    def __init__(self, payment_id: _Optional[int] = ...) -> None: ...

class RefundSignUpChargeRequest(_message.Message):
    __slots__ = ("payment_intent", "sign_up_key")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    SIGN_UP_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_intent: str
    sign_up_key: str
    def __init__(self, payment_intent: _Optional[str] = ..., sign_up_key: _Optional[str] = ...) -> None: ...

class RefundSignUpChargeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
