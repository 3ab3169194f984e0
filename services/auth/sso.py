"""Single sign-on links, Invoiced-compatible: an HS256 JWT signed with the business's SSO key.

Claims: `sub` = customer id (a JSON number or a numeric string), `exp` required, `iat` and `iss` optional,
optional `jti` (then the token works once). The algorithm is pinned to HS256 and key-selecting headers are
refused: the only key is the business's own. joserfc's `jwt.decode` checks only the signature; the time claims
are checked by its `JWTClaimsRegistry`, the rest here. Every refusal gives the same message; the log says why.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, JoseError, MissingClaimError
from joserfc.jwk import OctKey
from portal_kit.context import current_tenant_or_none
from portal_kit.errors import FailedPrecondition, InvalidArgument, Unauthenticated
from portal_kit.ids import new_uuid
from portal_kit.timestamps import from_unix, unix
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth.businesses import new_sso_key
from services.auth.models import Business, UsedSsoToken
from services.auth.repository import UsedSsoTokenRepository

log = logging.getLogger("services.auth.sso")

SSO_FAILED = "This sign-in link is invalid or has expired. Enter your email address to get a new one."
ALGORITHM = "HS256"
ISSUER = "billing-portal"
MIN_KEY_BYTES = 32
MAX_LIFETIME_SECONDS = 7 * 24 * 3600
LEEWAY_SECONDS = 60
DEFAULT_TTL_SECONDS = 3600
MIN_TTL_SECONDS = 60
MAX_TOKEN_LENGTH = 4096
MAX_JTI_LENGTH = 200
MAX_CUSTOMER_ID = 2**63 - 1
KEY_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "crit", "b64"})
NUMERIC = re.compile(r"^[0-9]{1,19}$")


@dataclass(frozen=True)
class SsoClaims:
    customer_id: int
    jti: str | None
    expires_at: datetime


class SsoRefused(Unauthenticated):
    def __init__(self, reason: str) -> None:
        super().__init__(SSO_FAILED)
        self.reason = reason


def refuse(reason: str) -> SsoRefused:
    log.warning("sso token refused", extra={"reason": reason, "tenant_id": current_tenant_or_none()})
    return SsoRefused(reason)


def _key(sso_key: str) -> OctKey:
    if len(sso_key.encode()) < MIN_KEY_BYTES:
        raise ValueError("SSO key too short")
    return OctKey.import_key(sso_key.encode())


def _customer_id(sub: Any) -> int | None:
    if isinstance(sub, bool):
        return None
    if isinstance(sub, int):
        number = sub
    elif isinstance(sub, str) and NUMERIC.match(sub):
        number = int(sub)
    else:
        return None
    return number if 0 < number <= MAX_CUSTOMER_ID else None


def _check_header(token: str) -> None:
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, TypeError):
        raise refuse("malformed") from None
    if header.get("alg") != ALGORITHM:
        raise refuse("algorithm")
    if KEY_HEADERS & set(header):
        raise refuse("key_header")
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
        raise refuse("type")


def _check_claims(claims: dict[str, Any], now: datetime) -> SsoClaims:
    registry = jwt.JWTClaimsRegistry(now=unix(now), leeway=LEEWAY_SECONDS, exp={"essential": True})
    try:
        # sub and iss are checked below: Invoiced sends a numeric sub, which the registry refuses.
        registry.validate({k: v for k, v in claims.items() if k not in ("sub", "iss")})
    except ExpiredTokenError:
        raise refuse("expired") from None
    except MissingClaimError:
        raise refuse("missing_claim") from None
    except JoseError:
        raise refuse("invalid_claim") from None
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise refuse("invalid_claim")
    start: float = iat if isinstance(iat, int | float) and not isinstance(iat, bool) else unix(now)
    if exp - start > MAX_LIFETIME_SECONDS:
        raise refuse("lifetime")
    customer_id = _customer_id(claims.get("sub"))
    if customer_id is None:
        raise refuse("subject")
    iss = claims.get("iss")
    if iss is not None and (isinstance(iss, bool) or not isinstance(iss, str | int)):
        raise refuse("invalid_claim")
    jti = claims.get("jti")
    if jti is not None and (not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH):
        raise refuse("jti")
    return SsoClaims(customer_id, jti, from_unix(int(exp)))


def verify(token: str, sso_key: str, now: datetime) -> SsoClaims:
    """The claims of a token this business signed, or SsoRefused. Does not look the customer up."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise refuse("malformed")
    try:
        key = _key(sso_key)
    except ValueError:
        raise refuse("weak_key") from None
    _check_header(token)
    try:
        decoded = jwt.decode(token, key, algorithms=[ALGORITHM])
    except BadSignatureError:
        raise refuse("signature") from None
    except (JoseError, ValueError, TypeError):
        raise refuse("malformed") from None
    return _check_claims(decoded.claims, now)


async def record_jti(session: AsyncSession, claims: SsoClaims, now: datetime) -> None:
    """Accepts a token with a jti once: the unique (tenant, jti) row makes concurrent replays fail too."""
    if claims.jti is None:
        return
    used = UsedSsoTokenRepository(session)
    await used.forget_expired(now)
    expires_at = claims.expires_at + timedelta(seconds=LEEWAY_SECONDS)
    try:
        async with session.begin_nested():
            await used.add(UsedSsoToken(tenant_id=used.tenant_id, jti=claims.jti, expires_at=expires_at, used_at=now))
    except IntegrityError:
        raise refuse("replayed") from None


def validate_ttl(ttl_seconds: int) -> int:
    ttl = ttl_seconds or DEFAULT_TTL_SECONDS
    if not MIN_TTL_SECONDS <= ttl <= MAX_LIFETIME_SECONDS:
        raise InvalidArgument("ttl must be between 60 seconds and 7 days (604800 seconds).", "ttl")
    return ttl


def issue(business: Business, customer_id: int, ttl: int, now: datetime) -> tuple[str, int]:
    """A sign-in token as Invoiced's libraries make them (sub as a JSON number), with a jti: it works once."""
    try:
        key = _key(business.sso_key)
    except ValueError:
        raise FailedPrecondition("The SSO key of this business is too short. Rotate it first.") from None
    issued_at = unix(now)
    claims = {"iss": ISSUER, "sub": customer_id, "iat": issued_at, "exp": issued_at + ttl, "jti": new_uuid()}
    token = jwt.encode({"alg": ALGORITHM}, claims, key, algorithms=[ALGORITHM])
    return token, issued_at + ttl


async def rotate_key(session: AsyncSession, business: Business, now: datetime) -> str:
    """A new key; tokens signed with the old one stop working at once."""
    business.sso_key = new_sso_key()
    business.updated_at = now
    session.add(business)
    await session.flush()
    return business.sso_key
