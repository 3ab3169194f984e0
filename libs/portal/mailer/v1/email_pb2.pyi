from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Recipient(_message.Message):
    __slots__ = ("name", "email")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    email: str
    def __init__(self, name: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class DocumentRef(_message.Message):
    __slots__ = ("invoice_pdf", "estimate_pdf", "approval_certificate", "receipt_pdf")
    INVOICE_PDF_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_PDF_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_PDF_FIELD_NUMBER: _ClassVar[int]
    invoice_pdf: int
    estimate_pdf: int
    approval_certificate: int
    receipt_pdf: int
    def __init__(self, invoice_pdf: _Optional[int] = ..., estimate_pdf: _Optional[int] = ..., approval_certificate: _Optional[int] = ..., receipt_pdf: _Optional[int] = ...) -> None: ...

class Envelope(_message.Message):
    __slots__ = ("to", "from_name", "attachments")
    TO_FIELD_NUMBER: _ClassVar[int]
    FROM_NAME_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    to: _containers.RepeatedCompositeFieldContainer[Recipient]
    from_name: str
    attachments: _containers.RepeatedCompositeFieldContainer[DocumentRef]
    def __init__(self, to: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., from_name: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[DocumentRef, _Mapping]]] = ...) -> None: ...
