from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CommentFlag(_message.Message):
    __slots__ = ("document_type", "document_id", "customer_id", "version", "change", "needs_attention", "comment_id", "author", "excerpt", "notification_email", "business_name", "portal_url", "at")
    class Change(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CHANGE_UNSPECIFIED: _ClassVar[CommentFlag.Change]
        CHANGE_COMMENTED: _ClassVar[CommentFlag.Change]
        CHANGE_REPLIED: _ClassVar[CommentFlag.Change]
        CHANGE_RESOLVED: _ClassVar[CommentFlag.Change]
    CHANGE_UNSPECIFIED: CommentFlag.Change
    CHANGE_COMMENTED: CommentFlag.Change
    CHANGE_REPLIED: CommentFlag.Change
    CHANGE_RESOLVED: CommentFlag.Change
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    NEEDS_ATTENTION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    EXCERPT_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_EMAIL_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    PORTAL_URL_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    document_id: int
    customer_id: int
    version: int
    change: CommentFlag.Change
    needs_attention: bool
    comment_id: str
    author: str
    excerpt: str
    notification_email: str
    business_name: str
    portal_url: str
    at: int
    def __init__(self, document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., customer_id: _Optional[int] = ..., version: _Optional[int] = ..., change: _Optional[_Union[CommentFlag.Change, str]] = ..., needs_attention: _Optional[bool] = ..., comment_id: _Optional[str] = ..., author: _Optional[str] = ..., excerpt: _Optional[str] = ..., notification_email: _Optional[str] = ..., business_name: _Optional[str] = ..., portal_url: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...
