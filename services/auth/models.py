"""Auth tables: businesses and their keys, sign-in requests, sessions, used SSO tokens (and keyed replies).

Bearer secrets (API keys, sign-in links and codes, session tokens) are stored only as keyed hashes.
"""

from __future__ import annotations

from datetime import datetime

import portal_kit.consumer  # noqa: F401  (processed_events lives in this service's database)
import portal_kit.outbox  # noqa: F401  (outbox_events lives in this service's database)
import portal_kit.replays  # noqa: F401  (idempotent_replies lives in this service's database)
from portal_kit.ids import new_uuid
from portal_kit.timestamps import utcnow
from sqlalchemy import BigInteger, false
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

ACCOUNT_SCOPE = "account"
DOCUMENT_SCOPE = "document"
DEFAULT_IDLE_TIMEOUT_MINUTES = 30
DEFAULT_ABSOLUTE_TIMEOUT_HOURS = 12


class Business(SQLModel, table=True):
    """A tenant. Its username is the portal subdomain; its id is the tenant id every other service keys on."""

    __tablename__ = "businesses"

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=64)
    username: str = Field(unique=True, max_length=40)
    display_name: str = Field(max_length=100)
    sso_key: str = Field(max_length=63)
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Portal settings
    temporary_scope: str = Field(
        default=ACCOUNT_SCOPE, max_length=20, sa_column_kwargs={"server_default": ACCOUNT_SCOPE}
    )
    require_sign_in: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    idle_timeout_minutes: int = Field(
        default=DEFAULT_IDLE_TIMEOUT_MINUTES, sa_column_kwargs={"server_default": str(DEFAULT_IDLE_TIMEOUT_MINUTES)}
    )
    absolute_timeout_hours: int = Field(
        default=DEFAULT_ABSOLUTE_TIMEOUT_HOURS,
        sa_column_kwargs={"server_default": str(DEFAULT_ABSOLUTE_TIMEOUT_HOURS)},
    )


class ApiKey(SQLModel, table=True):
    """Only the keyed hash of a key is kept; the key itself is shown once."""

    __tablename__ = "api_keys"

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=32)
    tenant_id: str = Field(foreign_key="businesses.id", index=True, max_length=64)
    key_hash: str = Field(unique=True, max_length=64)
    name: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    last4: str = Field(default="", max_length=4, sa_column_kwargs={"server_default": ""})  # to tell keys apart
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class SignInRequest(SQLModel, table=True):
    """One handled request for a sign-in email, sent or refused (refused rows feed the rate limits).

    The address itself is kept only when an email went out (to show it on the link page); every row keeps its
    keyed hash, which is what the per-address limit counts.
    """

    __tablename__ = "sign_in_requests"
    __table_args__ = (
        Index("ix_sign_in_requests_address", "tenant_id", "email_hash", "created_at"),
        Index("ix_sign_in_requests_ip", "tenant_id", "ip", "created_at"),
        Index("ix_sign_in_requests_tenant_created", "tenant_id", "created_at"),
        Index("ix_sign_in_requests_attempt", "tenant_id", "attempt_id"),
    )

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    attempt_id: str = Field(max_length=64)
    email_hash: str = Field(max_length=64)
    email: str = Field(default="", max_length=320)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=500)
    return_to: str = Field(default="", max_length=500)
    link_hash: str | None = Field(default=None, unique=True, max_length=64)
    code_hash: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    used_at: datetime | None = None
    superseded_at: datetime | None = None
    refused_reason: str | None = Field(default=None, max_length=40)


class SignInCodeAttempt(SQLModel, table=True):
    """One sign-in code attempt, counted as failed until the code proves right (services/auth/code_limits.py)."""

    __tablename__ = "sign_in_code_attempts"
    __table_args__ = (
        Index("ix_sign_in_code_attempts_tenant_created", "tenant_id", "created_at"),
        Index("ix_sign_in_code_attempts_created", "created_at"),
    )

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


FULL = "full"
TEMPORARY = "temporary"


class PortalSession(SQLModel, table=True):
    """A customer's server-side portal session. The cookie holds the token; this row holds its keyed hash."""

    __tablename__ = "portal_sessions"
    __table_args__ = (
        Index("ix_portal_sessions_email", "tenant_id", "email"),
        Index("ix_portal_sessions_customer", "tenant_id", "customer_id"),
    )

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    token_hash: str = Field(unique=True, max_length=64)
    kind: str = Field(max_length=20)
    scope: str = Field(max_length=20)
    method: str = Field(max_length=20)
    email: str = Field(default="", max_length=320)
    customer_id: int = Field(sa_type=BigInteger)
    document_type: str = Field(default="", max_length=40)
    document_id: int = Field(default=0, sa_type=BigInteger)
    idle_timeout_minutes: int
    absolute_expires_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=500)


class SessionCustomer(SQLModel, table=True):
    """The accounts a session may act for, as rows, so "every session of this customer" is one query."""

    __tablename__ = "portal_session_customers"
    __table_args__ = (Index("ix_portal_session_customers_customer", "tenant_id", "customer_id"),)

    session_id: str = Field(foreign_key="portal_sessions.id", primary_key=True, max_length=32, ondelete="CASCADE")
    customer_id: int = Field(sa_type=BigInteger, primary_key=True)
    tenant_id: str = Field(max_length=64)


class UsedSsoToken(SQLModel, table=True):
    """The jti of every SSO token redeemed, until it expires: a replay hits the unique constraint."""

    __tablename__ = "used_sso_tokens"
    __table_args__ = (UniqueConstraint("tenant_id", "jti"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    jti: str = Field(max_length=200)
    expires_at: datetime = Field(index=True)
    used_at: datetime = Field(default_factory=utcnow)
