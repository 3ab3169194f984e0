from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Business(_message.Message):
    __slots__ = ("id", "username", "display_name", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    username: str
    display_name: str
    created_at: int
    def __init__(self, id: _Optional[str] = ..., username: _Optional[str] = ..., display_name: _Optional[str] = ..., created_at: _Optional[int] = ...) -> None: ...

class CreateBusinessRequest(_message.Message):
    __slots__ = ("username", "display_name")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    username: str
    display_name: str
    def __init__(self, username: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class CreateBusinessResponse(_message.Message):
    __slots__ = ("business", "api_key", "sso_key")
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SSO_KEY_FIELD_NUMBER: _ClassVar[int]
    business: Business
    api_key: str
    sso_key: str
    def __init__(self, business: _Optional[_Union[Business, _Mapping]] = ..., api_key: _Optional[str] = ..., sso_key: _Optional[str] = ...) -> None: ...

class IssueApiKeyRequest(_message.Message):
    __slots__ = ("username",)
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    username: str
    def __init__(self, username: _Optional[str] = ...) -> None: ...

class IssueApiKeyResponse(_message.Message):
    __slots__ = ("business", "api_key", "sso_key")
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SSO_KEY_FIELD_NUMBER: _ClassVar[int]
    business: Business
    api_key: str
    sso_key: str
    def __init__(self, business: _Optional[_Union[Business, _Mapping]] = ..., api_key: _Optional[str] = ..., sso_key: _Optional[str] = ...) -> None: ...

class ResolveBusinessRequest(_message.Message):
    __slots__ = ("username",)
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    username: str
    def __init__(self, username: _Optional[str] = ...) -> None: ...

class ResolveBusinessResponse(_message.Message):
    __slots__ = ("business",)
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    business: Business
    def __init__(self, business: _Optional[_Union[Business, _Mapping]] = ...) -> None: ...

class AuthenticateApiKeyRequest(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    def __init__(self, api_key: _Optional[str] = ...) -> None: ...

class AuthenticateApiKeyResponse(_message.Message):
    __slots__ = ("business",)
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    business: Business
    def __init__(self, business: _Optional[_Union[Business, _Mapping]] = ...) -> None: ...

class BeginIdempotentRequestRequest(_message.Message):
    __slots__ = ("key", "method", "path")
    KEY_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    key: str
    method: str
    path: str
    def __init__(self, key: _Optional[str] = ..., method: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class BeginIdempotentRequestResponse(_message.Message):
    __slots__ = ("state", "status_code", "body", "headers_json")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[BeginIdempotentRequestResponse.State]
        STATE_NEW: _ClassVar[BeginIdempotentRequestResponse.State]
        STATE_IN_PROGRESS: _ClassVar[BeginIdempotentRequestResponse.State]
        STATE_COMPLETED: _ClassVar[BeginIdempotentRequestResponse.State]
        STATE_MISMATCH: _ClassVar[BeginIdempotentRequestResponse.State]
    STATE_UNSPECIFIED: BeginIdempotentRequestResponse.State
    STATE_NEW: BeginIdempotentRequestResponse.State
    STATE_IN_PROGRESS: BeginIdempotentRequestResponse.State
    STATE_COMPLETED: BeginIdempotentRequestResponse.State
    STATE_MISMATCH: BeginIdempotentRequestResponse.State
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    HEADERS_JSON_FIELD_NUMBER: _ClassVar[int]
    state: BeginIdempotentRequestResponse.State
    status_code: int
    body: bytes
    headers_json: str
    def __init__(self, state: _Optional[_Union[BeginIdempotentRequestResponse.State, str]] = ..., status_code: _Optional[int] = ..., body: _Optional[bytes] = ..., headers_json: _Optional[str] = ...) -> None: ...

class CompleteIdempotentRequestRequest(_message.Message):
    __slots__ = ("key", "status_code", "body", "headers_json")
    KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    HEADERS_JSON_FIELD_NUMBER: _ClassVar[int]
    key: str
    status_code: int
    body: bytes
    headers_json: str
    def __init__(self, key: _Optional[str] = ..., status_code: _Optional[int] = ..., body: _Optional[bytes] = ..., headers_json: _Optional[str] = ...) -> None: ...

class CompleteIdempotentRequestResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AbandonIdempotentRequestRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class AbandonIdempotentRequestResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
