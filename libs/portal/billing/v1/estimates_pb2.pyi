from portal.billing.v1 import common_pb2 as _common_pb2
from portal.billing.v1 import invoices_pb2 as _invoices_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Approval(_message.Message):
    __slots__ = ("id", "version", "document_sha256", "initials", "terms_accepted", "terms", "ip", "user_agent", "approved_by", "signed_in_email", "approved_at", "voided_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    INITIALS_FIELD_NUMBER: _ClassVar[int]
    TERMS_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_IN_EMAIL_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AT_FIELD_NUMBER: _ClassVar[int]
    VOIDED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    version: int
    document_sha256: str
    initials: str
    terms_accepted: bool
    terms: str
    ip: str
    user_agent: str
    approved_by: str
    signed_in_email: str
    approved_at: int
    voided_at: int
    def __init__(self, id: _Optional[int] = ..., version: _Optional[int] = ..., document_sha256: _Optional[str] = ..., initials: _Optional[str] = ..., terms_accepted: _Optional[bool] = ..., terms: _Optional[str] = ..., ip: _Optional[str] = ..., user_agent: _Optional[str] = ..., approved_by: _Optional[str] = ..., signed_in_email: _Optional[str] = ..., approved_at: _Optional[int] = ..., voided_at: _Optional[int] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("kind", "reason", "decided_by", "decided_at", "version")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    reason: str
    decided_by: str
    decided_at: int
    version: int
    def __init__(self, kind: _Optional[str] = ..., reason: _Optional[str] = ..., decided_by: _Optional[str] = ..., decided_at: _Optional[int] = ..., version: _Optional[int] = ...) -> None: ...

class Estimate(_message.Message):
    __slots__ = ("id", "customer", "name", "number", "currency", "draft", "closed", "voided", "sent", "viewed", "status", "date", "expiration_date", "payment_terms", "purchase_order", "items", "notes", "subtotal", "discounts", "taxes", "total_discounts", "total_taxes", "total", "deposit", "deposit_paid", "invoice", "version", "document_sha256", "link_token", "metadata", "approval", "decision", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    VOIDED_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    VIEWED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
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
    DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_PAID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    LINK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    customer: int
    name: str
    number: str
    currency: str
    draft: bool
    closed: bool
    voided: bool
    sent: bool
    viewed: bool
    status: str
    date: int
    expiration_date: int
    payment_terms: str
    purchase_order: str
    items: _containers.RepeatedCompositeFieldContainer[_invoices_pb2.LineItem]
    notes: str
    subtotal: int
    discounts: _containers.RepeatedCompositeFieldContainer[_invoices_pb2.Adjustment]
    taxes: _containers.RepeatedCompositeFieldContainer[_invoices_pb2.Adjustment]
    total_discounts: int
    total_taxes: int
    total: int
    deposit: int
    deposit_paid: bool
    invoice: int
    version: int
    document_sha256: str
    link_token: str
    metadata: _common_pb2.Metadata
    approval: Approval
    decision: Decision
    created_at: int
    updated_at: int
    def __init__(self, id: _Optional[int] = ..., customer: _Optional[int] = ..., name: _Optional[str] = ..., number: _Optional[str] = ..., currency: _Optional[str] = ..., draft: _Optional[bool] = ..., closed: _Optional[bool] = ..., voided: _Optional[bool] = ..., sent: _Optional[bool] = ..., viewed: _Optional[bool] = ..., status: _Optional[str] = ..., date: _Optional[int] = ..., expiration_date: _Optional[int] = ..., payment_terms: _Optional[str] = ..., purchase_order: _Optional[str] = ..., items: _Optional[_Iterable[_Union[_invoices_pb2.LineItem, _Mapping]]] = ..., notes: _Optional[str] = ..., subtotal: _Optional[int] = ..., discounts: _Optional[_Iterable[_Union[_invoices_pb2.Adjustment, _Mapping]]] = ..., taxes: _Optional[_Iterable[_Union[_invoices_pb2.Adjustment, _Mapping]]] = ..., total_discounts: _Optional[int] = ..., total_taxes: _Optional[int] = ..., total: _Optional[int] = ..., deposit: _Optional[int] = ..., deposit_paid: _Optional[bool] = ..., invoice: _Optional[int] = ..., version: _Optional[int] = ..., document_sha256: _Optional[str] = ..., link_token: _Optional[str] = ..., metadata: _Optional[_Union[_common_pb2.Metadata, _Mapping]] = ..., approval: _Optional[_Union[Approval, _Mapping]] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., created_at: _Optional[int] = ..., updated_at: _Optional[int] = ...) -> None: ...

class EstimateInput(_message.Message):
    __slots__ = ("customer", "name", "currency", "draft", "closed", "date", "expiration_date", "payment_terms", "purchase_order", "notes", "items", "discounts", "taxes", "metadata", "deposit_decimal", "deposit_paid", "sent", "cleared")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDER_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TAXES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_PAID_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    CLEARED_FIELD_NUMBER: _ClassVar[int]
    customer: int
    name: str
    currency: str
    draft: bool
    closed: bool
    date: int
    expiration_date: int
    payment_terms: str
    purchase_order: str
    notes: str
    items: _invoices_pb2.LineItems
    discounts: _invoices_pb2.Adjustments
    taxes: _invoices_pb2.Adjustments
    metadata: _common_pb2.Metadata
    deposit_decimal: str
    deposit_paid: bool
    sent: bool
    cleared: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer: _Optional[int] = ..., name: _Optional[str] = ..., currency: _Optional[str] = ..., draft: _Optional[bool] = ..., closed: _Optional[bool] = ..., date: _Optional[int] = ..., expiration_date: _Optional[int] = ..., payment_terms: _Optional[str] = ..., purchase_order: _Optional[str] = ..., notes: _Optional[str] = ..., items: _Optional[_Union[_invoices_pb2.LineItems, _Mapping]] = ..., discounts: _Optional[_Union[_invoices_pb2.Adjustments, _Mapping]] = ..., taxes: _Optional[_Union[_invoices_pb2.Adjustments, _Mapping]] = ..., metadata: _Optional[_Union[_common_pb2.Metadata, _Mapping]] = ..., deposit_decimal: _Optional[str] = ..., deposit_paid: _Optional[bool] = ..., sent: _Optional[bool] = ..., cleared: _Optional[_Iterable[str]] = ...) -> None: ...

class EstimateSettings(_message.Message):
    __slots__ = ("approval_creates_invoice", "terms", "notify_email")
    APPROVAL_CREATES_INVOICE_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_EMAIL_FIELD_NUMBER: _ClassVar[int]
    approval_creates_invoice: bool
    terms: str
    notify_email: str
    def __init__(self, approval_creates_invoice: _Optional[bool] = ..., terms: _Optional[str] = ..., notify_email: _Optional[str] = ...) -> None: ...

class EstimateRow(_message.Message):
    __slots__ = ("id", "number", "status", "date", "expiration_date", "total", "currency")
    ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    id: int
    number: str
    status: str
    date: int
    expiration_date: int
    total: int
    currency: str
    def __init__(self, id: _Optional[int] = ..., number: _Optional[str] = ..., status: _Optional[str] = ..., date: _Optional[int] = ..., expiration_date: _Optional[int] = ..., total: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class ClientInfo(_message.Message):
    __slots__ = ("ip", "user_agent")
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    ip: str
    user_agent: str
    def __init__(self, ip: _Optional[str] = ..., user_agent: _Optional[str] = ...) -> None: ...

class EstimateResponse(_message.Message):
    __slots__ = ("estimate",)
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    estimate: Estimate
    def __init__(self, estimate: _Optional[_Union[Estimate, _Mapping]] = ...) -> None: ...

class CreateEstimateRequest(_message.Message):
    __slots__ = ("estimate",)
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    estimate: EstimateInput
    def __init__(self, estimate: _Optional[_Union[EstimateInput, _Mapping]] = ...) -> None: ...

class GetEstimateRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class UpdateEstimateRequest(_message.Message):
    __slots__ = ("id", "changes")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    id: int
    changes: EstimateInput
    def __init__(self, id: _Optional[int] = ..., changes: _Optional[_Union[EstimateInput, _Mapping]] = ...) -> None: ...

class DeleteEstimateRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class DeleteEstimateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VoidEstimateRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class ListEstimatesRequest(_message.Message):
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

class ListEstimatesResponse(_message.Message):
    __slots__ = ("estimates", "page_info")
    ESTIMATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_INFO_FIELD_NUMBER: _ClassVar[int]
    estimates: _containers.RepeatedCompositeFieldContainer[Estimate]
    page_info: _common_pb2.PageInfo
    def __init__(self, estimates: _Optional[_Iterable[_Union[Estimate, _Mapping]]] = ..., page_info: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class SendEstimateRequest(_message.Message):
    __slots__ = ("id", "to", "subject", "message", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    to: _containers.RepeatedCompositeFieldContainer[_invoices_pb2.Recipient]
    subject: str
    message: str
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., to: _Optional[_Iterable[_Union[_invoices_pb2.Recipient, _Mapping]]] = ..., subject: _Optional[str] = ..., message: _Optional[str] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class SendEstimateResponse(_message.Message):
    __slots__ = ("emails", "estimate")
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    emails: _containers.RepeatedCompositeFieldContainer[_invoices_pb2.Email]
    estimate: Estimate
    def __init__(self, emails: _Optional[_Iterable[_Union[_invoices_pb2.Email, _Mapping]]] = ..., estimate: _Optional[_Union[Estimate, _Mapping]] = ...) -> None: ...

class InvoiceEstimateRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class InvoiceEstimateResponse(_message.Message):
    __slots__ = ("invoice", "estimate")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    invoice: _invoices_pb2.Invoice
    estimate: Estimate
    def __init__(self, invoice: _Optional[_Union[_invoices_pb2.Invoice, _Mapping]] = ..., estimate: _Optional[_Union[Estimate, _Mapping]] = ...) -> None: ...

class RenderEstimatePdfRequest(_message.Message):
    __slots__ = ("id", "link_token", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    LINK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    link_token: str
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., link_token: _Optional[str] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class RenderApprovalCertificateRequest(_message.Message):
    __slots__ = ("id", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class GetEstimateSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetEstimateSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: EstimateSettings
    def __init__(self, settings: _Optional[_Union[EstimateSettings, _Mapping]] = ...) -> None: ...

class UpdateEstimateSettingsRequest(_message.Message):
    __slots__ = ("approval_creates_invoice", "terms", "notify_email")
    APPROVAL_CREATES_INVOICE_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_EMAIL_FIELD_NUMBER: _ClassVar[int]
    approval_creates_invoice: bool
    terms: str
    notify_email: str
    def __init__(self, approval_creates_invoice: _Optional[bool] = ..., terms: _Optional[str] = ..., notify_email: _Optional[str] = ...) -> None: ...

class ResolveEstimateLinkRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class ResolveEstimateLinkResponse(_message.Message):
    __slots__ = ("estimate_id", "customer_id")
    ESTIMATE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    estimate_id: int
    customer_id: int
    def __init__(self, estimate_id: _Optional[int] = ..., customer_id: _Optional[int] = ...) -> None: ...

class ListAccountEstimatesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAccountEstimatesResponse(_message.Message):
    __slots__ = ("estimates",)
    ESTIMATES_FIELD_NUMBER: _ClassVar[int]
    estimates: _containers.RepeatedCompositeFieldContainer[EstimateRow]
    def __init__(self, estimates: _Optional[_Iterable[_Union[EstimateRow, _Mapping]]] = ...) -> None: ...

class GetAccountEstimateRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetAccountEstimateResponse(_message.Message):
    __slots__ = ("estimate", "customer_name", "terms", "approvable", "expired", "deposit_payable", "deposit_pending")
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    APPROVABLE_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_PAYABLE_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_PENDING_FIELD_NUMBER: _ClassVar[int]
    estimate: Estimate
    customer_name: str
    terms: str
    approvable: bool
    expired: bool
    deposit_payable: bool
    deposit_pending: bool
    def __init__(self, estimate: _Optional[_Union[Estimate, _Mapping]] = ..., customer_name: _Optional[str] = ..., terms: _Optional[str] = ..., approvable: _Optional[bool] = ..., expired: _Optional[bool] = ..., deposit_payable: _Optional[bool] = ..., deposit_pending: _Optional[bool] = ...) -> None: ...

class RenderAccountEstimatePdfRequest(_message.Message):
    __slots__ = ("id", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class ApproveEstimateRequest(_message.Message):
    __slots__ = ("id", "version", "initials", "accept_terms", "client", "signed_in_email", "presentation", "guest_link")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    INITIALS_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TERMS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_IN_EMAIL_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    GUEST_LINK_FIELD_NUMBER: _ClassVar[int]
    id: int
    version: int
    initials: str
    accept_terms: bool
    client: ClientInfo
    signed_in_email: str
    presentation: _invoices_pb2.Presentation
    guest_link: str
    def __init__(self, id: _Optional[int] = ..., version: _Optional[int] = ..., initials: _Optional[str] = ..., accept_terms: _Optional[bool] = ..., client: _Optional[_Union[ClientInfo, _Mapping]] = ..., signed_in_email: _Optional[str] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ..., guest_link: _Optional[str] = ...) -> None: ...

class DeclineEstimateRequest(_message.Message):
    __slots__ = ("id", "version", "kind", "reason", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    version: int
    kind: str
    reason: str
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., version: _Optional[int] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...

class RenderAccountApprovalCertificateRequest(_message.Message):
    __slots__ = ("id", "presentation")
    ID_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    id: int
    presentation: _invoices_pb2.Presentation
    def __init__(self, id: _Optional[int] = ..., presentation: _Optional[_Union[_invoices_pb2.Presentation, _Mapping]] = ...) -> None: ...
