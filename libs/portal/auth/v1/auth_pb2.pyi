from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
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

class ApiKey(_message.Message):
    __slots__ = ("id", "name", "last4", "created_at", "last_used_at", "revoked_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LAST4_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    last4: str
    created_at: int
    last_used_at: int
    revoked_at: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., last4: _Optional[str] = ..., created_at: _Optional[int] = ..., last_used_at: _Optional[int] = ..., revoked_at: _Optional[int] = ...) -> None: ...

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
    __slots__ = ("username", "name")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    username: str
    name: str
    def __init__(self, username: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class IssueApiKeyResponse(_message.Message):
    __slots__ = ("business", "api_key", "sso_key", "key")
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SSO_KEY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    business: Business
    api_key: str
    sso_key: str
    key: ApiKey
    def __init__(self, business: _Optional[_Union[Business, _Mapping]] = ..., api_key: _Optional[str] = ..., sso_key: _Optional[str] = ..., key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

class ListBusinessApiKeysRequest(_message.Message):
    __slots__ = ("username",)
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    username: str
    def __init__(self, username: _Optional[str] = ...) -> None: ...

class ListBusinessApiKeysResponse(_message.Message):
    __slots__ = ("business", "api_keys")
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    business: Business
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    def __init__(self, business: _Optional[_Union[Business, _Mapping]] = ..., api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ...) -> None: ...

class RevokeBusinessApiKeyRequest(_message.Message):
    __slots__ = ("username", "id")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    username: str
    id: str
    def __init__(self, username: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class RevokeBusinessApiKeyResponse(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

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

class ListApiKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("api_keys",)
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    def __init__(self, api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("api_key", "secret")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    secret: str
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RevokeApiKeyResponse(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

class PortalSettings(_message.Message):
    __slots__ = ("temporary_scope", "require_sign_in", "idle_timeout_minutes", "absolute_timeout_hours")
    TEMPORARY_SCOPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_SIGN_IN_FIELD_NUMBER: _ClassVar[int]
    IDLE_TIMEOUT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ABSOLUTE_TIMEOUT_HOURS_FIELD_NUMBER: _ClassVar[int]
    temporary_scope: str
    require_sign_in: bool
    idle_timeout_minutes: int
    absolute_timeout_hours: int
    def __init__(self, temporary_scope: _Optional[str] = ..., require_sign_in: _Optional[bool] = ..., idle_timeout_minutes: _Optional[int] = ..., absolute_timeout_hours: _Optional[int] = ...) -> None: ...

class PortalSettingsChanges(_message.Message):
    __slots__ = ("temporary_scope", "require_sign_in", "idle_timeout_minutes", "absolute_timeout_hours")
    TEMPORARY_SCOPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_SIGN_IN_FIELD_NUMBER: _ClassVar[int]
    IDLE_TIMEOUT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ABSOLUTE_TIMEOUT_HOURS_FIELD_NUMBER: _ClassVar[int]
    temporary_scope: str
    require_sign_in: bool
    idle_timeout_minutes: int
    absolute_timeout_hours: int
    def __init__(self, temporary_scope: _Optional[str] = ..., require_sign_in: _Optional[bool] = ..., idle_timeout_minutes: _Optional[int] = ..., absolute_timeout_hours: _Optional[int] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("id", "kind", "scope", "email", "customer_ids", "customer_id", "document_type", "document_id", "created_at", "expires_at", "last_seen_at", "idle_timeout_seconds", "absolute_expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    IDLE_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ABSOLUTE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    scope: str
    email: str
    customer_ids: _containers.RepeatedScalarFieldContainer[int]
    customer_id: int
    document_type: str
    document_id: int
    created_at: int
    expires_at: int
    last_seen_at: int
    idle_timeout_seconds: int
    absolute_expires_at: int
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., scope: _Optional[str] = ..., email: _Optional[str] = ..., customer_ids: _Optional[_Iterable[int]] = ..., customer_id: _Optional[int] = ..., document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., created_at: _Optional[int] = ..., expires_at: _Optional[int] = ..., last_seen_at: _Optional[int] = ..., idle_timeout_seconds: _Optional[int] = ..., absolute_expires_at: _Optional[int] = ...) -> None: ...

class SignIn(_message.Message):
    __slots__ = ("at", "ip", "user_agent", "method", "current", "active")
    AT_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    at: int
    ip: str
    user_agent: str
    method: str
    current: bool
    active: bool
    def __init__(self, at: _Optional[int] = ..., ip: _Optional[str] = ..., user_agent: _Optional[str] = ..., method: _Optional[str] = ..., current: _Optional[bool] = ..., active: _Optional[bool] = ...) -> None: ...

class Client(_message.Message):
    __slots__ = ("ip", "user_agent")
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    ip: str
    user_agent: str
    def __init__(self, ip: _Optional[str] = ..., user_agent: _Optional[str] = ...) -> None: ...

class PortalPresentation(_message.Message):
    __slots__ = ("business_name", "portal_url")
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    PORTAL_URL_FIELD_NUMBER: _ClassVar[int]
    business_name: str
    portal_url: str
    def __init__(self, business_name: _Optional[str] = ..., portal_url: _Optional[str] = ...) -> None: ...

class RequestSignInRequest(_message.Message):
    __slots__ = ("email", "client", "presentation", "return_to", "attempt_id")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    RETURN_TO_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    email: str
    client: Client
    presentation: PortalPresentation
    return_to: str
    attempt_id: str
    def __init__(self, email: _Optional[str] = ..., client: _Optional[_Union[Client, _Mapping]] = ..., presentation: _Optional[_Union[PortalPresentation, _Mapping]] = ..., return_to: _Optional[str] = ..., attempt_id: _Optional[str] = ...) -> None: ...

class RequestSignInResponse(_message.Message):
    __slots__ = ("attempt_id",)
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    attempt_id: str
    def __init__(self, attempt_id: _Optional[str] = ...) -> None: ...

class InspectSignInLinkRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class InspectSignInLinkResponse(_message.Message):
    __slots__ = ("state", "email")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[InspectSignInLinkResponse.State]
        STATE_VALID: _ClassVar[InspectSignInLinkResponse.State]
        STATE_EXPIRED: _ClassVar[InspectSignInLinkResponse.State]
        STATE_UNKNOWN: _ClassVar[InspectSignInLinkResponse.State]
    STATE_UNSPECIFIED: InspectSignInLinkResponse.State
    STATE_VALID: InspectSignInLinkResponse.State
    STATE_EXPIRED: InspectSignInLinkResponse.State
    STATE_UNKNOWN: InspectSignInLinkResponse.State
    STATE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    state: InspectSignInLinkResponse.State
    email: str
    def __init__(self, state: _Optional[_Union[InspectSignInLinkResponse.State, str]] = ..., email: _Optional[str] = ...) -> None: ...

class RedeemSignInLinkRequest(_message.Message):
    __slots__ = ("token", "client")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    token: str
    client: Client
    def __init__(self, token: _Optional[str] = ..., client: _Optional[_Union[Client, _Mapping]] = ...) -> None: ...

class RedeemSignInCodeRequest(_message.Message):
    __slots__ = ("attempt_id", "code", "client")
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    attempt_id: str
    code: str
    client: Client
    def __init__(self, attempt_id: _Optional[str] = ..., code: _Optional[str] = ..., client: _Optional[_Union[Client, _Mapping]] = ...) -> None: ...

class RedeemSsoTokenRequest(_message.Message):
    __slots__ = ("token", "client")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    token: str
    client: Client
    def __init__(self, token: _Optional[str] = ..., client: _Optional[_Union[Client, _Mapping]] = ...) -> None: ...

class RedeemResponse(_message.Message):
    __slots__ = ("session_token", "session", "return_to")
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    RETURN_TO_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    session: Session
    return_to: str
    def __init__(self, session_token: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ..., return_to: _Optional[str] = ...) -> None: ...

class IssueSsoTokenRequest(_message.Message):
    __slots__ = ("customer_id", "ttl_seconds")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    ttl_seconds: int
    def __init__(self, customer_id: _Optional[int] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class IssueSsoTokenResponse(_message.Message):
    __slots__ = ("token", "expires_at")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    token: str
    expires_at: int
    def __init__(self, token: _Optional[str] = ..., expires_at: _Optional[int] = ...) -> None: ...

class RotateSsoKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateSsoKeyResponse(_message.Message):
    __slots__ = ("sso_key",)
    SSO_KEY_FIELD_NUMBER: _ClassVar[int]
    sso_key: str
    def __init__(self, sso_key: _Optional[str] = ...) -> None: ...

class SessionActivity(_message.Message):
    __slots__ = ("session_id", "at")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    at: int
    def __init__(self, session_id: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class RecordActivityRequest(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: _containers.RepeatedCompositeFieldContainer[SessionActivity]
    def __init__(self, activity: _Optional[_Iterable[_Union[SessionActivity, _Mapping]]] = ...) -> None: ...

class RecordActivityResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: int
    def __init__(self, recorded: _Optional[int] = ...) -> None: ...

class StartTemporarySessionRequest(_message.Message):
    __slots__ = ("customer_id", "document_type", "document_id", "client")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    document_type: str
    document_id: int
    client: Client
    def __init__(self, customer_id: _Optional[int] = ..., document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., client: _Optional[_Union[Client, _Mapping]] = ...) -> None: ...

class StartTemporarySessionResponse(_message.Message):
    __slots__ = ("session_token", "session")
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    session: Session
    def __init__(self, session_token: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_token",)
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    def __init__(self, session_token: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class SwitchAccountRequest(_message.Message):
    __slots__ = ("session_token", "customer_id")
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    customer_id: int
    def __init__(self, session_token: _Optional[str] = ..., customer_id: _Optional[int] = ...) -> None: ...

class SwitchAccountResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class EndSessionRequest(_message.Message):
    __slots__ = ("session_token",)
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    def __init__(self, session_token: _Optional[str] = ...) -> None: ...

class EndSessionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EndSessionsEverywhereRequest(_message.Message):
    __slots__ = ("session_token",)
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    def __init__(self, session_token: _Optional[str] = ...) -> None: ...

class EndSessionsEverywhereResponse(_message.Message):
    __slots__ = ("ended",)
    ENDED_FIELD_NUMBER: _ClassVar[int]
    ended: int
    def __init__(self, ended: _Optional[int] = ...) -> None: ...

class EndCustomerSessionsRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: int
    def __init__(self, customer_id: _Optional[int] = ...) -> None: ...

class EndCustomerSessionsResponse(_message.Message):
    __slots__ = ("ended",)
    ENDED_FIELD_NUMBER: _ClassVar[int]
    ended: int
    def __init__(self, ended: _Optional[int] = ...) -> None: ...

class OpenDocumentLinkRequest(_message.Message):
    __slots__ = ("link_token", "session_token", "client", "start_guest_session", "document_type")
    LINK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    START_GUEST_SESSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    link_token: str
    session_token: str
    client: Client
    start_guest_session: bool
    document_type: str
    def __init__(self, link_token: _Optional[str] = ..., session_token: _Optional[str] = ..., client: _Optional[_Union[Client, _Mapping]] = ..., start_guest_session: _Optional[bool] = ..., document_type: _Optional[str] = ...) -> None: ...

class OpenDocumentLinkResponse(_message.Message):
    __slots__ = ("outcome", "document_type", "document_id", "session_token", "session")
    class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        OUTCOME_UNSPECIFIED: _ClassVar[OpenDocumentLinkResponse.Outcome]
        OUTCOME_EXPIRED: _ClassVar[OpenDocumentLinkResponse.Outcome]
        OUTCOME_SIGNED_IN: _ClassVar[OpenDocumentLinkResponse.Outcome]
        OUTCOME_GUEST_SESSION: _ClassVar[OpenDocumentLinkResponse.Outcome]
        OUTCOME_REQUIRE_SIGN_IN: _ClassVar[OpenDocumentLinkResponse.Outcome]
        OUTCOME_OPEN_BY_LINK: _ClassVar[OpenDocumentLinkResponse.Outcome]
    OUTCOME_UNSPECIFIED: OpenDocumentLinkResponse.Outcome
    OUTCOME_EXPIRED: OpenDocumentLinkResponse.Outcome
    OUTCOME_SIGNED_IN: OpenDocumentLinkResponse.Outcome
    OUTCOME_GUEST_SESSION: OpenDocumentLinkResponse.Outcome
    OUTCOME_REQUIRE_SIGN_IN: OpenDocumentLinkResponse.Outcome
    OUTCOME_OPEN_BY_LINK: OpenDocumentLinkResponse.Outcome
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    outcome: OpenDocumentLinkResponse.Outcome
    document_type: str
    document_id: int
    session_token: str
    session: Session
    def __init__(self, outcome: _Optional[_Union[OpenDocumentLinkResponse.Outcome, str]] = ..., document_type: _Optional[str] = ..., document_id: _Optional[int] = ..., session_token: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class ListRecentSignInsRequest(_message.Message):
    __slots__ = ("session_token", "limit")
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    limit: int
    def __init__(self, session_token: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListRecentSignInsResponse(_message.Message):
    __slots__ = ("sign_ins",)
    SIGN_INS_FIELD_NUMBER: _ClassVar[int]
    sign_ins: _containers.RepeatedCompositeFieldContainer[SignIn]
    def __init__(self, sign_ins: _Optional[_Iterable[_Union[SignIn, _Mapping]]] = ...) -> None: ...

class GetPortalSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPortalSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: PortalSettings
    def __init__(self, settings: _Optional[_Union[PortalSettings, _Mapping]] = ...) -> None: ...

class UpdatePortalSettingsRequest(_message.Message):
    __slots__ = ("changes",)
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    changes: PortalSettingsChanges
    def __init__(self, changes: _Optional[_Union[PortalSettingsChanges, _Mapping]] = ...) -> None: ...

class UpdatePortalSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: PortalSettings
    def __init__(self, settings: _Optional[_Union[PortalSettings, _Mapping]] = ...) -> None: ...
