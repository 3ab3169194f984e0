from portal.subscriptions.v1 import subscriptions_pb2 as _subscriptions_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubscriptionChanged(_message.Message):
    __slots__ = ("type", "subscription", "previous", "actor", "at")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    type: str
    subscription: _subscriptions_pb2.Subscription
    previous: _subscriptions_pb2.Subscription
    actor: str
    at: int
    def __init__(self, type: _Optional[str] = ..., subscription: _Optional[_Union[_subscriptions_pb2.Subscription, _Mapping]] = ..., previous: _Optional[_Union[_subscriptions_pb2.Subscription, _Mapping]] = ..., actor: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...
