"""Host → business. `{username}.{base_domain}` is a business's portal; any other host is the base site."""

from __future__ import annotations

import time
from dataclasses import dataclass

from portal.auth.v1 import auth_pb2
from portal_kit.errors import InvalidArgument, NotFound

from services.gateway.backends import Backends

CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class Site:
    """Where a request landed: the base site (business is None) or a business's portal."""

    business: auth_pb2.Business | None


class Tenancy:
    def __init__(self, backends: Backends, base_domain: str) -> None:
        self.backends = backends
        self.base_domain = base_domain
        self._cache: dict[str, tuple[float, auth_pb2.Business | None]] = {}

    def username_of(self, host: str) -> str | None:
        name = host.rsplit(":", 1)[0].strip().lower() if not host.startswith("[") else host
        suffix = "." + self.base_domain
        if not name.endswith(suffix):
            return None
        return name[: -len(suffix)]

    def forget_business(self, business_id: str) -> None:
        """A disabled business: ask auth again on its next request."""
        for username in [u for u, (_, b) in self._cache.items() if b is not None and b.id == business_id]:
            del self._cache[username]

    async def business_for(self, username: str) -> auth_pb2.Business | None:
        cached = self._cache.get(username)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        business: auth_pb2.Business | None
        if "." in username or not username:
            business = None
        else:
            try:
                business = await self.backends.auth(None).resolve_business(username)
            except (NotFound, InvalidArgument):
                business = None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[username] = (time.monotonic() + CACHE_SECONDS, business)
        return business
