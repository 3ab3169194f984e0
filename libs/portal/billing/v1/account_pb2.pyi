from portal.billing.v1 import customers_pb2 as _customers_pb2
from portal.billing.v1 import invoices_pb2 as _invoices_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountHolder(_message.Message):
    __slots__ = ("id", "name", "number", "email", "currency")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    number: str
    email: str
    currency: str
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., number: _Optional[str] = ..., email: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("currency", "outstanding", "open_invoices")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    OPEN_INVOICES_FIELD_NUMBER: _ClassVar[int]
    currency: str
    outstanding: int
    open_invoices: int
    def __init__(self, currency: _Optional[str] = ..., outstanding: _Optional[int] = ..., open_invoices: _Optional[int] = ...) -> None: ...

class InvoiceRow(_message.Message):
    __slots__ = ("id", "number", "date", "due_date", "status", "total", "balance", "currency")
    ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    id: int
    number: str
    date: int
    due_date: int
    status: str
    total: int
    balance: int
    currency: str
    def __init__(self, id: _Optional[int] = ..., number: _Optional[str] = ..., date: _Optional[int] = ..., due_date: _Optional[int] = ..., status: _Optional[str] = ..., total: _Optional[int] = ..., balance: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class GetAccountPageRequest(_message.Message):
    __slots__ = ("per_page", "after")
    PER_PAGE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    per_page: int
    after: str
    def __init__(self, per_page: _Optional[int] = ..., after: _Optional[str] = ...) -> None: ...

class GetAccountPageResponse(_message.Message):
    __slots__ = ("holder", "balances", "invoices", "next_page")
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_FIELD_NUMBER: _ClassVar[int]
    holder: AccountHolder
    balances: _containers.RepeatedCompositeFieldContainer[Balance]
    invoices: _containers.RepeatedCompositeFieldContainer[InvoiceRow]
    next_page: str
    def __init__(self, holder: _Optional[_Union[AccountHolder, _Mapping]] = ..., balances: _Optional[_Iterable[_Union[Balance, _Mapping]]] = ..., invoices: _Optional[_Iterable[_Union[InvoiceRow, _Mapping]]] = ..., next_page: _Optional[str] = ...) -> None: ...

class GetAccountInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetAccountInvoiceResponse(_message.Message):
    __slots__ = ("invoice", "holder", "has_comments")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    HAS_COMMENTS_FIELD_NUMBER: _ClassVar[int]
    invoice: _invoices_pb2.Invoice
    holder: AccountHolder
    has_comments: bool
    def __init__(self, invoice: _Optional[_Union[_invoices_pb2.Invoice, _Mapping]] = ..., holder: _Optional[_Union[AccountHolder, _Mapping]] = ..., has_comments: _Optional[bool] = ...) -> None: ...

class RenderAccountInvoicePdfRequest(_message.Message):
    __slots__ = ("id", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class GetAccountCustomerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAccountCustomerResponse(_message.Message):
    __slots__ = ("customer",)
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customers_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customers_pb2.Customer, _Mapping]] = ...) -> None: ...

class UpdateAccountDetailsRequest(_message.Message):
    __slots__ = ("changes", "cleared")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    CLEARED_FIELD_NUMBER: _ClassVar[int]
    changes: _customers_pb2.Customer
    cleared: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, changes: _Optional[_Union[_customers_pb2.Customer, _Mapping]] = ..., cleared: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateAccountDetailsResponse(_message.Message):
    __slots__ = ("customer",)
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customers_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customers_pb2.Customer, _Mapping]] = ...) -> None: ...
