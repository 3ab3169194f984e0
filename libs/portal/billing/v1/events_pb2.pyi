from portal.mailer.v1 import email_pb2 as _email_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmailRequested(_message.Message):
    __slots__ = ("envelope", "new_invoice", "new_estimate", "estimate_decision")
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    NEW_INVOICE_FIELD_NUMBER: _ClassVar[int]
    NEW_ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_DECISION_FIELD_NUMBER: _ClassVar[int]
    envelope: _email_pb2.Envelope
    new_invoice: InvoiceEmail
    new_estimate: EstimateEmail
    estimate_decision: EstimateDecisionEmail
    def __init__(self, envelope: _Optional[_Union[_email_pb2.Envelope, _Mapping]] = ..., new_invoice: _Optional[_Union[InvoiceEmail, _Mapping]] = ..., new_estimate: _Optional[_Union[EstimateEmail, _Mapping]] = ..., estimate_decision: _Optional[_Union[EstimateDecisionEmail, _Mapping]] = ...) -> None: ...

class InvoiceEmail(_message.Message):
    __slots__ = ("invoice_id", "number", "customer_name", "subject", "message", "total", "balance", "currency", "due_date", "link")
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
    def __init__(self, invoice_id: _Optional[int] = ..., number: _Optional[str] = ..., customer_name: _Optional[str] = ..., subject: _Optional[str] = ..., message: _Optional[str] = ..., total: _Optional[int] = ..., balance: _Optional[int] = ..., currency: _Optional[str] = ..., due_date: _Optional[int] = ..., link: _Optional[str] = ...) -> None: ...

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
