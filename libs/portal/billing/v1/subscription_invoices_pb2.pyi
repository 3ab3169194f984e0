from portal.billing.v1 import invoices_pb2 as _invoices_pb2
from portal.subscriptions.v1 import subscriptions_pb2 as _subscriptions_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateSubscriptionInvoiceRequest(_message.Message):
    __slots__ = ("subscription", "period_start", "period_end", "lines", "plan_name", "presentation")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    subscription: _subscriptions_pb2.Subscription
    period_start: int
    period_end: int
    lines: _containers.RepeatedCompositeFieldContainer[_subscriptions_pb2.InvoiceLine]
    plan_name: str
    presentation: _invoices_pb2.Presentation
    def __init__(self, subscription: _Optional[_Union[_subscriptions_pb2.Subscription, _Mapping]] = ..., period_start: _Optional[int] = ..., period_end: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[_subscriptions_pb2.InvoiceLine, _Mapping]]] = ..., plan_name: _Optional[str] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class CreateSubscriptionInvoiceResponse(_message.Message):
    __slots__ = ("invoice", "created")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    invoice: SubscriptionInvoiceState
    created: bool
    def __init__(self, invoice: _Optional[_Union[SubscriptionInvoiceState, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class SubscriptionInvoiceState(_message.Message):
    __slots__ = ("invoice_id", "number", "subscription", "period_start", "period_end", "currency", "total", "balance", "paid", "voided", "due_date", "pending_amount", "created_at_ms")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    VOIDED_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PENDING_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    invoice_id: int
    number: str
    subscription: int
    period_start: int
    period_end: int
    currency: str
    total: int
    balance: int
    paid: bool
    voided: bool
    due_date: int
    pending_amount: int
    created_at_ms: int
    def __init__(self, invoice_id: _Optional[int] = ..., number: _Optional[str] = ..., subscription: _Optional[int] = ..., period_start: _Optional[int] = ..., period_end: _Optional[int] = ..., currency: _Optional[str] = ..., total: _Optional[int] = ..., balance: _Optional[int] = ..., paid: _Optional[bool] = ..., voided: _Optional[bool] = ..., due_date: _Optional[int] = ..., pending_amount: _Optional[int] = ..., created_at_ms: _Optional[int] = ...) -> None: ...

class GetSubscriptionInvoiceStatesRequest(_message.Message):
    __slots__ = ("invoice_ids",)
    INVOICE_IDS_FIELD_NUMBER: _ClassVar[int]
    invoice_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, invoice_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class GetSubscriptionInvoiceStatesResponse(_message.Message):
    __slots__ = ("invoices",)
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[SubscriptionInvoiceState]
    def __init__(self, invoices: _Optional[_Iterable[_Union[SubscriptionInvoiceState, _Mapping]]] = ...) -> None: ...

class RecordSubscriptionEventRequest(_message.Message):
    __slots__ = ("type", "subscription", "previous")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    type: str
    subscription: _subscriptions_pb2.Subscription
    previous: _subscriptions_pb2.Subscription
    def __init__(self, type: _Optional[str] = ..., subscription: _Optional[_Union[_subscriptions_pb2.Subscription, _Mapping]] = ..., previous: _Optional[_Union[_subscriptions_pb2.Subscription, _Mapping]] = ...) -> None: ...

class RecordSubscriptionEventResponse(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    def __init__(self, event_id: _Optional[int] = ...) -> None: ...

class SendSubscriptionNoticeRequest(_message.Message):
    __slots__ = ("subscription", "notice", "plan_name", "presentation", "invoice_id")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    subscription: _subscriptions_pb2.Subscription
    notice: str
    plan_name: str
    presentation: _invoices_pb2.Presentation
    invoice_id: int
    def __init__(self, subscription: _Optional[_Union[_subscriptions_pb2.Subscription, _Mapping]] = ..., notice: _Optional[str] = ..., plan_name: _Optional[str] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ..., invoice_id: _Optional[int] = ...) -> None: ...

class SendSubscriptionNoticeResponse(_message.Message):
    __slots__ = ("sent",)
    SENT_FIELD_NUMBER: _ClassVar[int]
    sent: bool
    def __init__(self, sent: _Optional[bool] = ...) -> None: ...
