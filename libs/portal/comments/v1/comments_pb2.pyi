from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Comment(_message.Message):
    __slots__ = ("id", "document_type", "document_id", "author", "body", "created_at", "author_kind")
    ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_KIND_FIELD_NUMBER: _ClassVar[int]
    id: str
    document_type: str
    document_id: int
    author: str
    body: str
    created_at: int
    author_kind: str
    def __init__(self, id: _Optional[str] = ..., document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., author: _Optional[str] = ..., body: _Optional[str] = ..., created_at: _Optional[int] = ..., author_kind: _Optional[str] = ...) -> None: ...

class Presentation(_message.Message):
    __slots__ = ("business_name", "portal_url")
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    PORTAL_URL_FIELD_NUMBER: _ClassVar[int]
    business_name: str
    portal_url: str
    def __init__(self, business_name: _Optional[str] = ..., portal_url: _Optional[str] = ...) -> None: ...

class Thread(_message.Message):
    __slots__ = ("document_type", "document_id", "comments", "status", "resolved_at", "may_comment", "refusal", "customer_id")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    MAY_COMMENT_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    document_id: int
    comments: _containers.RepeatedCompositeFieldContainer[Comment]
    status: str
    resolved_at: int
    may_comment: bool
    refusal: str
    customer_id: int
    def __init__(self, document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., comments: _Optional[_Iterable[_Union[Comment, _Mapping]]] = ..., status: _Optional[str] = ..., resolved_at: _Optional[int] = ..., may_comment: _Optional[bool] = ..., refusal: _Optional[str] = ..., customer_id: _Optional[int] = ...) -> None: ...

class CommentSettings(_message.Message):
    __slots__ = ("comments_enabled", "guests_may_comment", "notification_email")
    COMMENTS_ENABLED_FIELD_NUMBER: _ClassVar[int]
    GUESTS_MAY_COMMENT_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_EMAIL_FIELD_NUMBER: _ClassVar[int]
    comments_enabled: bool
    guests_may_comment: bool
    notification_email: str
    def __init__(self, comments_enabled: _Optional[bool] = ..., guests_may_comment: _Optional[bool] = ..., notification_email: _Optional[str] = ...) -> None: ...

class CommentSettingsChanges(_message.Message):
    __slots__ = ("comments_enabled", "guests_may_comment", "notification_email")
    COMMENTS_ENABLED_FIELD_NUMBER: _ClassVar[int]
    GUESTS_MAY_COMMENT_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_EMAIL_FIELD_NUMBER: _ClassVar[int]
    comments_enabled: bool
    guests_may_comment: bool
    notification_email: str
    def __init__(self, comments_enabled: _Optional[bool] = ..., guests_may_comment: _Optional[bool] = ..., notification_email: _Optional[str] = ...) -> None: ...

class AddCommentRequest(_message.Message):
    __slots__ = ("document_type", "document_id", "author", "body", "owner_customer_id", "presentation")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    OWNER_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    document_id: int
    author: str
    body: str
    owner_customer_id: int
    presentation: Presentation
    def __init__(self, document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., author: _Optional[str] = ..., body: _Optional[str] = ..., owner_customer_id: _Optional[int] = ..., presentation: _Optional[_Union[Presentation, _Mapping]] = ...) -> None: ...

class AddCommentResponse(_message.Message):
    __slots__ = ("comment",)
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    comment: Comment
    def __init__(self, comment: _Optional[_Union[Comment, _Mapping]] = ...) -> None: ...

class GetThreadRequest(_message.Message):
    __slots__ = ("document_type", "document_id")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    document_id: int
    def __init__(self, document_type: _Optional[str] = ..., document_id: _Optional[int] = ...) -> None: ...

class GetThreadResponse(_message.Message):
    __slots__ = ("thread",)
    THREAD_FIELD_NUMBER: _ClassVar[int]
    thread: Thread
    def __init__(self, thread: _Optional[_Union[Thread, _Mapping]] = ...) -> None: ...

class ListCommentsRequest(_message.Message):
    __slots__ = ("document_type", "document_id")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    document_id: int
    def __init__(self, document_type: _Optional[str] = ..., document_id: _Optional[int] = ...) -> None: ...

class ListCommentsResponse(_message.Message):
    __slots__ = ("comments",)
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    comments: _containers.RepeatedCompositeFieldContainer[Comment]
    def __init__(self, comments: _Optional[_Iterable[_Union[Comment, _Mapping]]] = ...) -> None: ...

class ReplyToThreadRequest(_message.Message):
    __slots__ = ("document_type", "document_id", "author", "body", "presentation")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    document_id: int
    author: str
    body: str
    presentation: Presentation
    def __init__(self, document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., author: _Optional[str] = ..., body: _Optional[str] = ..., presentation: _Optional[_Union[Presentation, _Mapping]] = ...) -> None: ...

class ReplyToThreadResponse(_message.Message):
    __slots__ = ("comment", "thread")
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    comment: Comment
    thread: Thread
    def __init__(self, comment: _Optional[_Union[Comment, _Mapping]] = ..., thread: _Optional[_Union[Thread, _Mapping]] = ...) -> None: ...

class ResolveThreadRequest(_message.Message):
    __slots__ = ("document_type", "document_id", "presentation")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    document_id: int
    presentation: Presentation
    def __init__(self, document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., presentation: _Optional[_Union[Presentation, _Mapping]] = ...) -> None: ...

class ResolveThreadResponse(_message.Message):
    __slots__ = ("thread",)
    THREAD_FIELD_NUMBER: _ClassVar[int]
    thread: Thread
    def __init__(self, thread: _Optional[_Union[Thread, _Mapping]] = ...) -> None: ...

class GetCommentSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCommentSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: CommentSettings
    def __init__(self, settings: _Optional[_Union[CommentSettings, _Mapping]] = ...) -> None: ...

class UpdateCommentSettingsRequest(_message.Message):
    __slots__ = ("changes",)
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    changes: CommentSettingsChanges
    def __init__(self, changes: _Optional[_Union[CommentSettingsChanges, _Mapping]] = ...) -> None: ...

class UpdateCommentSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: CommentSettings
    def __init__(self, settings: _Optional[_Union[CommentSettings, _Mapping]] = ...) -> None: ...
