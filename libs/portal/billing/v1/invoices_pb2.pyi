from portal.billing.v1 import common_pb2 as _common_pb2
from portal.billing.v1 import customers_pb2 as _customers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Adjustment(_message.Message):
    __slots__ = ("id", "amount", "amount_decimal")
    ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    id: int
    amount: int
    amount_decimal: str
    def __init__(self, id: _Optional[int] = ..., amount: _Optional[int] = ..., amount_decimal: _Optional[str] = ...) -> None: ...

class Adjustments(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[Adjustment]
    def __init__(self, values: _Optional[_Iterable[_Union[Adjustment, _Mapping]]] = ...) -> None: ...

class LineItem(_message.Message):
    __slots__ = ("id", "catalog_item", "type", "name", "description", "quantity", "unit_cost", "amount", "discountable", "taxable", "discounts", "taxes", "metadata", "unit_cost_decimal")
    ID_FIELD_NUMBER: _ClassVar[int]
    CATALOG_ITEM_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_COST_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTABLE_FIELD_NUMBER: _ClassVar[int]
    TAXABLE_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TAXES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UNIT_COST_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    id: int
    catalog_item: str
    type: str
    name: str
    description: str
    quantity: str
    unit_cost: int
    amount: int
    discountable: bool
    taxable: bool
    discounts: _containers.RepeatedCompositeFieldContainer[Adjustment]
    taxes: _containers.RepeatedCompositeFieldContainer[Adjustment]
    metadata: _common_pb2.Metadata
    unit_cost_decimal: str
    def __init__(self, id: _Optional[int] = ..., catalog_item: _Optional[str] = ..., type: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., quantity: _Optional[str] = ..., unit_cost: _Optional[int] = ..., amount: _Optional[int] = ..., discountable: _Optional[bool] = ..., taxable: _Optional[bool] = ..., discounts: _Optional[_Iterable[_Union[Adjustment, _Mapping]]] = ..., taxes: _Optional[_Iterable[_Union[Adjustment, _Mapping]]] = ..., metadata: _Optional[_Union[_common_pb2.Metadata, _Mapping]] = ..., unit_cost_decimal: _Optional[str] = ...) -> None: ...

class LineItems(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[LineItem]
    def __init__(self, values: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("id", "customer", "name", "number", "currency", "autopay", "draft", "closed", "paid", "status", "date", "due_date", "payment_terms", "purchase_order", "items", "notes", "subtotal", "discounts", "taxes", "total_discounts", "total_taxes", "total", "balance", "link_token", "metadata", "voided", "sent", "created_at", "updated_at", "amount_paid", "pending_amount", "needs_attention", "subscription")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDER_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TAXES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TAXES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    LINK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    VOIDED_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    PENDING_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    NEEDS_ATTENTION_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: int
    customer: int
    name: str
    number: str
    currency: str
    autopay: bool
    draft: bool
    closed: bool
    paid: bool
    status: str
    date: int
    due_date: int
    payment_terms: str
    purchase_order: str
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    notes: str
    subtotal: int
    discounts: _containers.RepeatedCompositeFieldContainer[Adjustment]
    taxes: _containers.RepeatedCompositeFieldContainer[Adjustment]
    total_discounts: int
    total_taxes: int
    total: int
    balance: int
    link_token: str
    metadata: _common_pb2.Metadata
    voided: bool
    sent: bool
    created_at: int
    updated_at: int
    amount_paid: int
    pending_amount: int
    needs_attention: bool
    subscription: int
    def __init__(self, id: _Optional[int] = ..., customer: _Optional[int] = ..., name: _Optional[str] = ..., number: _Optional[str] = ..., currency: _Optional[str] = ..., autopay: _Optional[bool] = ..., draft: _Optional[bool] = ..., closed: _Optional[bool] = ..., paid: _Optional[bool] = ..., status: _Optional[str] = ..., date: _Optional[int] = ..., due_date: _Optional[int] = ..., payment_terms: _Optional[str] = ..., purchase_order: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., notes: _Optional[str] = ..., subtotal: _Optional[int] = ..., discounts: _Optional[_Iterable[_Union[Adjustment, _Mapping]]] = ..., taxes: _Optional[_Iterable[_Union[Adjustment, _Mapping]]] = ..., total_discounts: _Optional[int] = ..., total_taxes: _Optional[int] = ..., total: _Optional[int] = ..., balance: _Optional[int] = ..., link_token: _Optional[str] = ..., metadata: _Optional[_Union[_common_pb2.Metadata, _Mapping]] = ..., voided: _Optional[bool] = ..., sent: _Optional[bool] = ..., created_at: _Optional[int] = ..., updated_at: _Optional[int] = ..., amount_paid: _Optional[int] = ..., pending_amount: _Optional[int] = ..., needs_attention: _Optional[bool] = ..., subscription: _Optional[int] = ...) -> None: ...

class InvoiceInput(_message.Message):
    __slots__ = ("customer", "name", "currency", "autopay", "draft", "closed", "date", "due_date", "payment_terms", "purchase_order", "notes", "items", "discounts", "taxes", "metadata", "sent", "cleared")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AUTOPAY_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDER_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TAXES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    CLEARED_FIELD_NUMBER: _ClassVar[int]
    customer: int
    name: str
    currency: str
    autopay: bool
    draft: bool
    closed: bool
    date: int
    due_date: int
    payment_terms: str
    purchase_order: str
    notes: str
    items: LineItems
    discounts: Adjustments
    taxes: Adjustments
    metadata: _common_pb2.Metadata
    sent: bool
    cleared: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer: _Optional[int] = ..., name: _Optional[str] = ..., currency: _Optional[str] = ..., autopay: _Optional[bool] = ..., draft: _Optional[bool] = ..., closed: _Optional[bool] = ..., date: _Optional[int] = ..., due_date: _Optional[int] = ..., payment_terms: _Optional[str] = ..., purchase_order: _Optional[str] = ..., notes: _Optional[str] = ..., items: _Optional[_Union[LineItems, _Mapping]] = ..., discounts: _Optional[_Union[Adjustments, _Mapping]] = ..., taxes: _Optional[_Union[Adjustments, _Mapping]] = ..., metadata: _Optional[_Union[_common_pb2.Metadata, _Mapping]] = ..., sent: _Optional[bool] = ..., cleared: _Optional[_Iterable[str]] = ...) -> None: ...

class Email(_message.Message):
    __slots__ = ("id", "state", "email", "subject", "message", "template", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    state: str
    email: str
    subject: str
    message: str
    template: str
    created_at: int
    def __init__(self, id: _Optional[str] = ..., state: _Optional[str] = ..., email: _Optional[str] = ..., subject: _Optional[str] = ..., message: _Optional[str] = ..., template: _Optional[str] = ..., created_at: _Optional[int] = ...) -> None: ...

class Recipient(_message.Message):
    __slots__ = ("name", "email")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    email: str
    def __init__(self, name: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class Presentation(_message.Message):
    __slots__ = ("business_name", "portal_url")
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    PORTAL_URL_FIELD_NUMBER: _ClassVar[int]
    business_name: str
    portal_url: str
    def __init__(self, business_name: _Optional[str] = ..., portal_url: _Optional[str] = ...) -> None: ...

class CreateInvoiceRequest(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: InvoiceInput
    def __init__(self, invoice: _Optional[_Union[InvoiceInput, _Mapping]] = ...) -> None: ...

class CreateInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class UpdateInvoiceRequest(_message.Message):
    __slots__ = ("id", "changes")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    id: int
    changes: InvoiceInput
    def __init__(self, id: _Optional[int] = ..., changes: _Optional[_Union[InvoiceInput, _Mapping]] = ...) -> None: ...

class UpdateInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class DeleteInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class DeleteInvoiceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VoidInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class VoidInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("page", "filter", "metadata")
    class FilterEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAGE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    filter: _containers.ScalarMap[str, str]
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., filter: _Optional[_Mapping[str, str]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "page_info")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    PAGE_INFO_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    page_info: _common_pb2.PageInfo
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., page_info: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class SendInvoiceRequest(_message.Message):
    __slots__ = ("id", "to", "subject", "message", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    to: _containers.RepeatedCompositeFieldContainer[Recipient]
    subject: str
    message: str
    presentation: Presentation
    def __init__(self, id: _Optional[int] = ..., to: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., subject: _Optional[str] = ..., message: _Optional[str] = ..., presentation: _Optional[_Union[Presentation, _Mapping]] = ...) -> None: ...

class SendInvoiceResponse(_message.Message):
    __slots__ = ("emails", "invoice")
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    emails: _containers.RepeatedCompositeFieldContainer[Email]
    invoice: Invoice
    def __init__(self, emails: _Optional[_Iterable[_Union[Email, _Mapping]]] = ..., invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class GetInvoiceByLinkRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class GetInvoiceByLinkResponse(_message.Message):
    __slots__ = ("invoice", "customer")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    customer: _customers_pb2.Customer
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., customer: _Optional[_Union[_customers_pb2.Customer, _Mapping]] = ...) -> None: ...

class ResolveInvoiceLinkRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class ResolveInvoiceLinkResponse(_message.Message):
    __slots__ = ("invoice_id", "customer_id")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    invoice_id: int
    customer_id: int
    def __init__(self, invoice_id: _Optional[int] = ..., customer_id: _Optional[int] = ...) -> None: ...

class RenderInvoicePdfRequest(_message.Message):
    __slots__ = ("id", "link_token", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    LINK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    link_token: str
    presentation: Presentation
    def __init__(self, id: _Optional[int] = ..., link_token: _Optional[str] = ..., presentation: _Optional[_Union[Presentation, _Mapping]] = ...) -> None: ...

class RenderInvoicePdfResponse(_message.Message):
    __slots__ = ("pdf", "filename")
    PDF_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    pdf: bytes
    filename: str
    def __init__(self, pdf: _Optional[bytes] = ..., filename: _Optional[str] = ...) -> None: ...
