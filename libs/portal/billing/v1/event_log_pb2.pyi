from google.protobuf import any_pb2 as _any_pb2
from portal.billing.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Event(_message.Message):
    __slots__ = ("id", "type", "timestamp", "object", "previous", "actor", "customer")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    id: int
    type: str
    timestamp: int
    object: _any_pb2.Any
    previous: _any_pb2.Any
    actor: str
    customer: int
    def __init__(self, id: _Optional[int] = ..., type: _Optional[str] = ..., timestamp: _Optional[int] = ..., object: _Optional[_Union[_any_pb2.Any, _Mapping]] = ..., previous: _Optional[_Union[_any_pb2.Any, _Mapping]] = ..., actor: _Optional[str] = ..., customer: _Optional[int] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("page", "related_object_type", "related_object_id", "type")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    RELATED_OBJECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    RELATED_OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    related_object_type: str
    related_object_id: int
    type: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., related_object_type: _Optional[str] = ..., related_object_id: _Optional[int] = ..., type: _Optional[str] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "page_info")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_INFO_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    page_info: _common_pb2.PageInfo
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., page_info: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetEventResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: Event
    def __init__(self, event: _Optional[_Union[Event, _Mapping]] = ...) -> None: ...
