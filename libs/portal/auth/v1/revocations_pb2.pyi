from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Revocation(_message.Message):
    __slots__ = ("business_id", "sessions", "customer", "api_keys", "business", "all_sessions")
    BUSINESS_ID_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    ALL_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    business_id: str
    sessions: SessionsRevoked
    customer: CustomerRevoked
    api_keys: ApiKeysRevoked
    business: BusinessRevoked
    all_sessions: AllSessionsRevoked
    def __init__(self, business_id: _Optional[str] = ..., sessions: _Optional[_Union[SessionsRevoked, _Mapping]] = ..., customer: _Optional[_Union[CustomerRevoked, _Mapping]] = ..., api_keys: _Optional[_Union[ApiKeysRevoked, _Mapping]] = ..., business: _Optional[_Union[BusinessRevoked, _Mapping]] = ..., all_sessions: _Optional[_Union[AllSessionsRevoked, _Mapping]] = ...) -> None: ...

class SessionsRevoked(_message.Message):
    __slots__ = ("session_ids",)
    SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    session_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomerRevoked(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    def __init__(self, customer_id: _Optional[int] = ...) -> None: ...

class ApiKeysRevoked(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BusinessRevoked(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AllSessionsRevoked(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
