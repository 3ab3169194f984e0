from portal.mailer.v1 import email_pb2 as _email_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmailRequested(_message.Message):
    __slots__ = ("envelope", "new_invoice", "new_estimate", "estimate_decision", "needs_attention", "comment_update", "payment_receipt", "autopay_failed", "subscription_notice")
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    NEW_INVOICE_FIELD_NUMBER: _ClassVar[int]
    NEW_ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_DECISION_FIELD_NUMBER: _ClassVar[int]
    NEEDS_ATTENTION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_UPDATE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_FAILED_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_NOTICE_FIELD_NUMBER: _ClassVar[int]
    envelope: _email_pb2.Envelope
    new_invoice: InvoiceEmail
    new_estimate: EstimateEmail
    estimate_decision: EstimateDecisionEmail
    needs_attention: NeedsAttentionEmail
    comment_update: CommentUpdateEmail
    payment_receipt: PaymentReceiptEmail
    autopay_failed: AutoPayFailedEmail
    subscription_notice: SubscriptionNoticeEmail
    def __init__(self, envelope: _Optional[_Union[_email_pb2.Envelope, _Mapping]] = ..., new_invoice: _Optional[_Union[InvoiceEmail, _Mapping]] = ..., new_estimate: _Optional[_Union[EstimateEmail, _Mapping]] = ..., estimate_decision: _Optional[_Union[EstimateDecisionEmail, _Mapping]] = ..., needs_attention: _Optional[_Union[NeedsAttentionEmail, _Mapping]] = ..., comment_update: _Optional[_Union[CommentUpdateEmail, _Mapping]] = ..., payment_receipt: _Optional[_Union[PaymentReceiptEmail, _Mapping]] = ..., autopay_failed: _Optional[_Union[AutoPayFailedEmail, _Mapping]] = ..., subscription_notice: _Optional[_Union[SubscriptionNoticeEmail, _Mapping]] = ...) -> None: ...

class InvoiceEmail(_message.Message):
    __slots__ = ("invoice_id", "number", "customer_name", "subject", "message", "total", "balance", "currency", "due_date", "link", "manage_link")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    MANAGE_LINK_FIELD_NUMBER: _ClassVar[int]
    invoice_id: int
    number: str
    customer_name: str
    subject: str
    message: str
    total: int
    balance: int
    currency: str
    due_date: int
    link: str
    manage_link: str
    def __init__(self, invoice_id: _Optional[int] = ..., number: _Optional[str] = ..., customer_name: _Optional[str] = ..., subject: _Optional[str] = ..., message: _Optional[str] = ..., total: _Optional[int] = ..., balance: _Optional[int] = ..., currency: _Optional[str] = ..., due_date: _Optional[int] = ..., link: _Optional[str] = ..., manage_link: _Optional[str] = ...) -> None: ...

class EstimateEmail(_message.Message):
    __slots__ = ("estimate_id", "number", "customer_name", "subject", "message", "total", "deposit", "currency", "expiration_date", "link")
    ESTIMATE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    estimate_id: int
    number: str
    customer_name: str
    subject: str
    message: str
    total: int
    deposit: int
    currency: str
    expiration_date: int
    link: str
    def __init__(self, estimate_id: _Optional[int] = ..., number: _Optional[str] = ..., customer_name: _Optional[str] = ..., subject: _Optional[str] = ..., message: _Optional[str] = ..., total: _Optional[int] = ..., deposit: _Optional[int] = ..., currency: _Optional[str] = ..., expiration_date: _Optional[int] = ..., link: _Optional[str] = ...) -> None: ...

class EstimateDecisionEmail(_message.Message):
    __slots__ = ("estimate_id", "number", "customer_name", "decision", "initials", "reason", "total", "currency", "version", "invoice_number")
    ESTIMATE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    INITIALS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    estimate_id: int
    number: str
    customer_name: str
    decision: str
    initials: str
    reason: str
    total: int
    currency: str
    version: int
    invoice_number: str
    def __init__(self, estimate_id: _Optional[int] = ..., number: _Optional[str] = ..., customer_name: _Optional[str] = ..., decision: _Optional[str] = ..., initials: _Optional[str] = ..., reason: _Optional[str] = ..., total: _Optional[int] = ..., currency: _Optional[str] = ..., version: _Optional[int] = ..., invoice_number: _Optional[str] = ...) -> None: ...

class NeedsAttentionEmail(_message.Message):
    __slots__ = ("items", "more")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[AttentionItem]
    more: int
    def __init__(self, items: _Optional[_Iterable[_Union[AttentionItem, _Mapping]]] = ..., more: _Optional[int] = ...) -> None: ...

class AttentionItem(_message.Message):
    __slots__ = ("invoice_id", "number", "customer_name", "excerpt")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    EXCERPT_FIELD_NUMBER: _ClassVar[int]
    invoice_id: int
    number: str
    customer_name: str
    excerpt: str
    def __init__(self, invoice_id: _Optional[int] = ..., number: _Optional[str] = ..., customer_name: _Optional[str] = ..., excerpt: _Optional[str] = ...) -> None: ...

class CommentUpdateEmail(_message.Message):
    __slots__ = ("number", "customer_name", "resolved", "author", "excerpt", "link")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    EXCERPT_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    number: str
    customer_name: str
    resolved: bool
    author: str
    excerpt: str
    link: str
    def __init__(self, number: _Optional[str] = ..., customer_name: _Optional[str] = ..., resolved: _Optional[bool] = ..., author: _Optional[str] = ..., excerpt: _Optional[str] = ..., link: _Optional[str] = ...) -> None: ...

class PaymentReceiptEmail(_message.Message):
    __slots__ = ("payment_id", "customer_name", "amount", "currency", "date", "method", "invoice_numbers", "link")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    payment_id: int
    customer_name: str
    amount: int
    currency: str
    date: int
    method: str
    invoice_numbers: _containers.RepeatedScalarFieldContainer[str]
    link: str
    def __init__(self, payment_id: _Optional[int] = ..., customer_name: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., date: _Optional[int] = ..., method: _Optional[str] = ..., invoice_numbers: _Optional[_Iterable[str]] = ..., link: _Optional[str] = ...) -> None: ...

class AutoPayFailedEmail(_message.Message):
    __slots__ = ("customer_name", "invoice_number", "amount", "currency", "failure_message", "link", "next_attempt")
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    customer_name: str
    invoice_number: str
    amount: int
    currency: str
    failure_message: str
    link: str
    next_attempt: int
    def __init__(self, customer_name: _Optional[str] = ..., invoice_number: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., failure_message: _Optional[str] = ..., link: _Optional[str] = ..., next_attempt: _Optional[int] = ...) -> None: ...

class SubscriptionNoticeEmail(_message.Message):
    __slots__ = ("customer_name", "notice", "plan_name", "manage_link", "invoice_number", "balance", "currency", "invoice_link")
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    MANAGE_LINK_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    INVOICE_LINK_FIELD_NUMBER: _ClassVar[int]
    customer_name: str
    notice: str
    plan_name: str
    manage_link: str
    invoice_number: str
    balance: int
    currency: str
    invoice_link: str
    def __init__(self, customer_name: _Optional[str] = ..., notice: _Optional[str] = ..., plan_name: _Optional[str] = ..., manage_link: _Optional[str] = ..., invoice_number: _Optional[str] = ..., balance: _Optional[int] = ..., currency: _Optional[str] = ..., invoice_link: _Optional[str] = ...) -> None: ...
