from portal.mailer.v1 import email_pb2 as _email_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignInRequested(_message.Message):
    __slots__ = ("attempt_id", "email", "ip", "user_agent", "portal_url", "business_name", "return_to")
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    PORTAL_URL_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    RETURN_TO_FIELD_NUMBER: _ClassVar[int]
    attempt_id: str
    email: str
    ip: str
    user_agent: str
    portal_url: str
    business_name: str
    return_to: str
    def __init__(self, attempt_id: _Optional[str] = ..., email: _Optional[str] = ..., ip: _Optional[str] = ..., user_agent: _Optional[str] = ..., portal_url: _Optional[str] = ..., business_name: _Optional[str] = ..., return_to: _Optional[str] = ...) -> None: ...

class EmailRequested(_message.Message):
    __slots__ = ("envelope", "sign_in")
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    SIGN_IN_FIELD_NUMBER: _ClassVar[int]
    envelope: _email_pb2.Envelope
    sign_in: SignInEmail
    def __init__(self, envelope: _Optional[_Union[_email_pb2.Envelope, _Mapping]] = ..., sign_in: _Optional[_Union[SignInEmail, _Mapping]] = ...) -> None: ...

class SignInEmail(_message.Message):
    __slots__ = ("link", "code", "valid_minutes")
    LINK_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    VALID_MINUTES_FIELD_NUMBER: _ClassVar[int]
    link: str
    code: str
    valid_minutes: int
    def __init__(self, link: _Optional[str] = ..., code: _Optional[str] = ..., valid_minutes: _Optional[int] = ...) -> None: ...
