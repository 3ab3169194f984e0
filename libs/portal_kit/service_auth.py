"""Which service may call which: per-release credentials, checked before anything in a call's metadata is trusted.

Every caller (the gateway, auth, the mailer, and the operator's `admin` tools) has its own random token, handed
to it and to the servers it calls as an environment variable (`PORTAL_SERVICE_TOKEN_<CALLER>`, and
`PORTAL_ADMIN_TOKEN` for the admin). A caller attaches its name and token to every call; a server knows the
tokens of the callers it accepts and compares in constant time. A process knows who it is from
`PORTAL_SERVICE_NAME` (set by the chart and by the local run).

`CALLERS` is the release's trust map; the chart's NetworkPolicies follow it (tests/helm checks that they agree).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import grpc

log = logging.getLogger("portal_kit.service_auth")

CALLER_METADATA_KEY = "x-portal-caller"
TOKEN_METADATA_KEY = "x-portal-service-token"
SERVICE_NAME_ENV = "PORTAL_SERVICE_NAME"
ADMIN_TOKEN_ENV = "PORTAL_ADMIN_TOKEN"
ADMIN = "admin"
MIN_TOKEN_LENGTH = 32

# server → the services that may call its RPCs. The admin credential is not one of them: it opens ADMIN_SERVICES only.
CALLERS: Mapping[str, frozenset[str]] = {
    "auth": frozenset({"gateway"}),
    "billing": frozenset({"gateway", "auth", "mailer", "subscriptions"}),
    "subscriptions": frozenset({"gateway", "auth"}),
    "comments": frozenset({"gateway"}),
    "mailer": frozenset(),
}
# gRPC services only the admin credential may call (creating businesses, issuing API keys), and their server.
ADMIN_SERVICES = frozenset({"portal.auth.v1.BusinessAdminService"})
ADMIN_SERVER = "auth"
# Answered without a credential: the kubelet's probes and load balancers ask these.
OPEN_SERVICES = frozenset({"grpc.health.v1.Health"})
REFLECTION_SERVICE = "grpc.reflection.v1alpha.ServerReflection"

UNAUTHENTICATED_MESSAGE = "This service answers only authenticated services of this portal."


def token_env(caller: str) -> str:
    """The environment variable holding a caller's token, e.g. PORTAL_SERVICE_TOKEN_GATEWAY."""
    if caller == ADMIN:
        return ADMIN_TOKEN_ENV
    return "PORTAL_SERVICE_TOKEN_" + caller.upper().replace("-", "_")


def all_callers() -> list[str]:
    """Every caller with a credential, the admin last."""
    return [*sorted(set().union(*CALLERS.values())), ADMIN]


def development() -> bool:
    """PORTAL_ENV unset or `development` (as portal_kit.settings reads it). Anything else gets the strict checks."""
    return os.environ.get("PORTAL_ENV", "development").strip().lower() == "development"


def _check_strength(caller: str, token: str) -> None:
    if not development() and len(token) < MIN_TOKEN_LENGTH:
        raise SystemExit(
            f"{token_env(caller)} must be set to a random value of at least "
            f"{MIN_TOKEN_LENGTH} characters outside development."
        )


@dataclass(frozen=True)
class ServiceCredential:
    """What a caller attaches to each call: its name and its token."""

    caller: str
    token: str

    def metadata(self) -> tuple[tuple[str, str], tuple[str, str]]:
        return ((CALLER_METADATA_KEY, self.caller), (TOKEN_METADATA_KEY, self.token))

    @classmethod
    def from_env(cls, caller: str) -> ServiceCredential | None:
        token = os.environ.get(token_env(caller), "")
        return cls(caller, token) if token else None

    def __repr__(self) -> str:
        return f"ServiceCredential(caller={self.caller!r}, token=<hidden>)"


def own_credential() -> ServiceCredential | None:
    """This process's credential: $PORTAL_SERVICE_NAME and its token, or None (its calls will be refused)."""
    name = os.environ.get(SERVICE_NAME_ENV, "")
    return ServiceCredential.from_env(name) if name else None


def require_own_credential(name: str) -> None:
    """At start-up of a process that calls backends: outside development, refuse to start without a strong credential."""
    if not any(name in callers for callers in CALLERS.values()) or development():
        return
    credential = own_credential()
    if credential is None or credential.caller != name:
        raise SystemExit(f"{SERVICE_NAME_ENV}={name} and {token_env(name)} must be set outside development.")
    _check_strength(name, credential.token)


class Refused(Exception):
    def __init__(self, code: grpc.StatusCode, message: str, reason: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class ServiceTrust:
    """A server's side: the tokens of the callers it accepts, and which of its gRPC services each may call."""

    server: str
    tokens: Mapping[str, str]  # caller → token
    callers: frozenset[str]  # who may call this server's ordinary services

    @classmethod
    def from_env(cls, server: str) -> ServiceTrust:
        """Reads the tokens of this server's callers (and the admin's, for auth). Outside development, refuses weak or missing ones."""
        wanted = set(CALLERS.get(server, frozenset()))
        if server == ADMIN_SERVER:
            wanted.add(ADMIN)
        tokens: dict[str, str] = {}
        for caller in sorted(wanted):
            token = os.environ.get(token_env(caller), "")
            if token:
                _check_strength(caller, token)
                tokens[caller] = token
            elif not development():
                raise SystemExit(
                    f"{token_env(caller)} must be set outside development: {server} accepts calls from {caller}."
                )
            else:
                log.warning("no credential configured: calls from this caller will be refused",
                            extra={"caller": caller, "env": token_env(caller)})  # fmt: skip
        return cls(server, tokens, CALLERS.get(server, frozenset()))

    @classmethod
    def of(cls, server: str, tokens: Mapping[str, str]) -> ServiceTrust:
        """From tokens in hand (tests, the local run): caller → token."""
        return cls(server, dict(tokens), CALLERS.get(server, frozenset()))

    def may_call(self, caller: str, service: str) -> bool:
        if service in ADMIN_SERVICES:
            return caller == ADMIN
        return caller in self.callers

    def authenticate(self, metadata: Mapping[str, str | bytes], service: str) -> str:
        """The caller of a call to `service`, or Refused. Looks at nothing but the two credential keys."""
        caller = metadata.get(CALLER_METADATA_KEY)
        given = metadata.get(TOKEN_METADATA_KEY)
        if not isinstance(caller, str) or not isinstance(given, str):
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE, "no credential")
        expected = self.tokens.get(caller)
        # Compared even for an unknown caller, so the time taken does not tell which callers exist.
        matches = hmac.compare_digest(given.encode(), (expected or secrets.token_urlsafe(32)).encode())
        if expected is None or not matches:
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE, "wrong credential")
        if not self.may_call(caller, service):
            raise Refused(
                grpc.StatusCode.PERMISSION_DENIED, f"The {caller} service may not call {service}.", "not allowed"
            )
        return caller


def generate_tokens() -> dict[str, str]:
    """Fresh random tokens for every caller (the local run and the tests make them at start): caller → token."""
    return {caller: secrets.token_urlsafe(32) for caller in all_callers()}


def env_for(component: str, tokens: Mapping[str, str]) -> dict[str, str]:
    """The credential variables one component gets: its own token (if it calls anyone) and its callers' tokens."""
    env = {SERVICE_NAME_ENV: component}
    needed = set(CALLERS.get(component, frozenset()))
    if component == ADMIN_SERVER:
        needed.add(ADMIN)
    if any(component in callers for callers in CALLERS.values()):
        needed.add(component)
    for caller in sorted(needed):
        env[token_env(caller)] = tokens[caller]
    return env
