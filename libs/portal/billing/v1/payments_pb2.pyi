from portal.billing.v1 import common_pb2 as _common_pb2
from portal.billing.v1 import invoices_pb2 as _invoices_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Payment(_message.Message):
    __slots__ = ("id", "customer", "date", "currency", "amount", "balance", "method", "source", "reference", "status", "voided", "amount_refunded", "notes", "failure_message", "applied_to", "receipt_token", "metadata", "created_at", "updated_at", "estimate", "estimate_number")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VOIDED_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_REFUNDED_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_TO_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    id: int
    customer: int
    date: int
    currency: str
    amount: int
    balance: int
    method: str
    source: str
    reference: str
    status: str
    voided: bool
    amount_refunded: int
    notes: str
    failure_message: str
    applied_to: _containers.RepeatedCompositeFieldContainer[PaymentApplication]
    receipt_token: str
    metadata: _common_pb2.Metadata
    created_at: int
    updated_at: int
    estimate: int
    estimate_number: str
    def __init__(self, id: _Optional[int] = ..., customer: _Optional[int] = ..., date: _Optional[int] = ..., currency: _Optional[str] = ..., amount: _Optional[int] = ..., balance: _Optional[int] = ..., method: _Optional[str] = ..., source: _Optional[str] = ..., reference: _Optional[str] = ..., status: _Optional[str] = ..., voided: _Optional[bool] = ..., amount_refunded: _Optional[int] = ..., notes: _Optional[str] = ..., failure_message: _Optional[str] = ..., applied_to: _Optional[_Iterable[_Union[PaymentApplication, _Mapping]]] = ..., receipt_token: _Optional[str] = ..., metadata: _Optional[_Union[_common_pb2.Metadata, _Mapping]] = ..., created_at: _Optional[int] = ..., updated_at: _Optional[int] = ..., estimate: _Optional[int] = ..., estimate_number: _Optional[str] = ...) -> None: ...

class PaymentApplication(_message.Message):
    __slots__ = ("invoice", "amount", "amount_refunded", "invoice_number", "amount_decimal")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_REFUNDED_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    invoice: int
    amount: int
    amount_refunded: int
    invoice_number: str
    amount_decimal: str
    def __init__(self, invoice: _Optional[int] = ..., amount: _Optional[int] = ..., amount_refunded: _Optional[int] = ..., invoice_number: _Optional[str] = ..., amount_decimal: _Optional[str] = ...) -> None: ...

class Refund(_message.Message):
    __slots__ = ("id", "payment", "amount", "currency", "reference", "status", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    payment: int
    amount: int
    currency: str
    reference: str
    status: str
    created_at: int
    def __init__(self, id: _Optional[int] = ..., payment: _Optional[int] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., reference: _Optional[str] = ..., status: _Optional[str] = ..., created_at: _Optional[int] = ...) -> None: ...

class PaymentInput(_message.Message):
    __slots__ = ("customer", "date", "currency", "amount", "amount_decimal", "method", "reference", "notes", "applied_to", "metadata", "cleared")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    APPLIED_TO_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CLEARED_FIELD_NUMBER: _ClassVar[int]
    customer: int
    date: int
    currency: str
    amount: int
    amount_decimal: str
    method: str
    reference: str
    notes: str
    applied_to: _containers.RepeatedCompositeFieldContainer[PaymentApplication]
    metadata: _common_pb2.Metadata
    cleared: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer: _Optional[int] = ..., date: _Optional[int] = ..., currency: _Optional[str] = ..., amount: _Optional[int] = ..., amount_decimal: _Optional[str] = ..., method: _Optional[str] = ..., reference: _Optional[str] = ..., notes: _Optional[str] = ..., applied_to: _Optional[_Iterable[_Union[PaymentApplication, _Mapping]]] = ..., metadata: _Optional[_Union[_common_pb2.Metadata, _Mapping]] = ..., cleared: _Optional[_Iterable[str]] = ...) -> None: ...

class CreatePaymentRequest(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: PaymentInput
    def __init__(self, payment: _Optional[_Union[PaymentInput, _Mapping]] = ...) -> None: ...

class CreatePaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class GetPaymentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetPaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class UpdatePaymentRequest(_message.Message):
    __slots__ = ("id", "changes")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    id: int
    changes: PaymentInput
    def __init__(self, id: _Optional[int] = ..., changes: _Optional[_Union[PaymentInput, _Mapping]] = ...) -> None: ...

class UpdatePaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class VoidPaymentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class VoidPaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class ListPaymentsRequest(_message.Message):
    __slots__ = ("page", "filter", "start_date", "end_date")
    class FilterEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAGE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    filter: _containers.ScalarMap[str, str]
    start_date: int
    end_date: int
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., filter: _Optional[_Mapping[str, str]] = ..., start_date: _Optional[int] = ..., end_date: _Optional[int] = ...) -> None: ...

class ListPaymentsResponse(_message.Message):
    __slots__ = ("payments", "page_info")
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_INFO_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    page_info: _common_pb2.PageInfo
    def __init__(self, payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., page_info: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class RenderReceiptPdfRequest(_message.Message):
    __slots__ = ("id", "receipt_token", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    receipt_token: str
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., receipt_token: _Optional[str] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class RenderReceiptPdfResponse(_message.Message):
    __slots__ = ("pdf", "filename")
    PDF_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    pdf: bytes
    filename: str
    def __init__(self, pdf: _Optional[bytes] = ..., filename: _Optional[str] = ...) -> None: ...

class SendReceiptRequest(_message.Message):
    __slots__ = ("id", "to", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    to: _containers.RepeatedCompositeFieldContainer[_invoices_pb2.Recipient]
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., to: _Optional[_Iterable[_Union[_invoices_pb2.Recipient, _Mapping]]] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class SendReceiptResponse(_message.Message):
    __slots__ = ("emails",)
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    emails: _containers.RepeatedCompositeFieldContainer[_invoices_pb2.Email]
    def __init__(self, emails: _Optional[_Iterable[_Union[_invoices_pb2.Email, _Mapping]]] = ...) -> None: ...

class ListAccountPaymentsRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class ListAccountPaymentsResponse(_message.Message):
    __slots__ = ("payments",)
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    def __init__(self, payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ...) -> None: ...

class GetAccountPaymentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetAccountPaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class RenderAccountReceiptPdfRequest(_message.Message):
    __slots__ = ("id", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class StatementPeriod(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class StatementInvoice(_message.Message):
    __slots__ = ("id", "number", "date", "due_date", "currency", "total", "amount_paid", "balance", "status")
    ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: int
    number: str
    date: int
    due_date: int
    currency: str
    total: int
    amount_paid: int
    balance: int
    status: str
    def __init__(self, id: _Optional[int] = ..., number: _Optional[str] = ..., date: _Optional[int] = ..., due_date: _Optional[int] = ..., currency: _Optional[str] = ..., total: _Optional[int] = ..., amount_paid: _Optional[int] = ..., balance: _Optional[int] = ..., status: _Optional[str] = ...) -> None: ...

class StatementTotal(_message.Message):
    __slots__ = ("currency", "balance", "received")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    currency: str
    balance: int
    received: int
    def __init__(self, currency: _Optional[str] = ..., balance: _Optional[int] = ..., received: _Optional[int] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("customer", "customer_name", "customer_number", "period", "invoices", "payments", "totals", "generated_at")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    customer: int
    customer_name: str
    customer_number: str
    period: StatementPeriod
    invoices: _containers.RepeatedCompositeFieldContainer[StatementInvoice]
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    totals: _containers.RepeatedCompositeFieldContainer[StatementTotal]
    generated_at: int
    def __init__(self, customer: _Optional[int] = ..., customer_name: _Optional[str] = ..., customer_number: _Optional[str] = ..., period: _Optional[_Union[StatementPeriod, _Mapping]] = ..., invoices: _Optional[_Iterable[_Union[StatementInvoice, _Mapping]]] = ..., payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., totals: _Optional[_Iterable[_Union[StatementTotal, _Mapping]]] = ..., generated_at: _Optional[int] = ...) -> None: ...

class GetAccountStatementRequest(_message.Message):
    __slots__ = ("period",)
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    period: StatementPeriod
    def __init__(self, period: _Optional[_Union[StatementPeriod, _Mapping]] = ...) -> None: ...

class GetAccountStatementResponse(_message.Message):
    __slots__ = ("statement",)
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    statement: Statement
    def __init__(self, statement: _Optional[_Union[Statement, _Mapping]] = ...) -> None: ...

class RenderAccountStatementPdfRequest(_message.Message):
    __slots__ = ("period", "presentation")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    period: StatementPeriod
    presentation: _invoices_pb2.Presentation
    def __init__(self, period: _Optional[_Union[StatementPeriod, _Mapping]] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class RenderStatementPdfByLinkRequest(_message.Message):
    __slots__ = ("statement_token", "period", "presentation")
    STATEMENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    statement_token: str
    period: StatementPeriod
    presentation: _invoices_pb2.Presentation
    def __init__(self, statement_token: _Optional[str] = ..., period: _Optional[_Union[StatementPeriod, _Mapping]] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class RenderStatementPdfResponse(_message.Message):
    __slots__ = ("pdf", "filename")
    PDF_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    pdf: bytes
    filename: str
    def __init__(self, pdf: _Optional[bytes] = ..., filename: _Optional[str] = ...) -> None: ...
