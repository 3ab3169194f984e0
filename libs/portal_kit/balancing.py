"""Several instances of one backend behind one client.

Two layers. Each entry of an address setting is one gRPC channel with the `round_robin` policy: an entry that
resolves to several pods (`dns:///portal-billing-headless.ns.svc.cluster.local:50051`, what the chart renders)
spreads its calls over them and follows pods as they come and go. An address setting may also list several entries,
comma-separated (`127.0.0.1:50052,127.0.0.1:50062`: the local run's two instances on two ports, or host names):
this small picker of ours takes turns over them, preferring a connected one, and passes over for a moment an entry
that has just answered UNAVAILABLE or CANCELLED (what a stopping instance answers), so a retried read
(services/gateway/clients/calls.py) goes to another one. Why not gRPC's round_robin alone over an `ipv4:a,b` target:
it takes IP literals only, not host names.

A call that may wait for a connection (`wait_for_ready=True`, the retried read) waits for whichever instance is
connected first, never for one chosen in advance. In a rolling restart the instance that has just come back is, for
up to a reconnect backoff (grpc_client.CHANNEL_OPTIONS: 1 s at most), not yet connected again when the other one
gets SIGTERM: both look unusable for a moment, and a read sent to wait on the stopping one would wait for its whole
deadline although the restarted one was connected a few hundred milliseconds later.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from portal_kit.context import remaining_seconds

SUSPECT_SECONDS = 2.0  # how long an instance that answered UNAVAILABLE is passed over while another one is usable
# What an instance answers when it is stopping: UNAVAILABLE (GOAWAY, refused connection) or CANCELLED (a call that
# reached it after its graceful stop began: grpc.aio stops taking calls then, and the core cancels them unanswered).
STOPPING_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
CONNECTED_POLL_SECONDS = 0.02  # how often a call waiting for a connection looks at the instances again
_STATE_RANK = {
    grpc.ChannelConnectivity.READY: 0,
    grpc.ChannelConnectivity.IDLE: 1,
    grpc.ChannelConnectivity.CONNECTING: 1,
    grpc.ChannelConnectivity.TRANSIENT_FAILURE: 2,
    grpc.ChannelConnectivity.SHUTDOWN: 3,
}


def split_addresses(addresses: str) -> list[str]:
    """`a:1, b:2` → ['a:1', 'b:2']; an empty entry or an empty list is refused with a clear message."""
    entries = [entry.strip() for entry in addresses.split(",")]
    if not entries or any(not entry for entry in entries):
        raise ValueError(f"not a comma-separated list of host:port addresses: {addresses!r}")
    return entries


class Instance:
    def __init__(self, target: str, channel: grpc.aio.Channel) -> None:
        self.target = target
        self.channel = channel
        self.suspect_until = 0.0
        self.seen_down = False  # seen not connected since it was last marked suspect
        self._methods: dict[str, Any] = {}

    def suspect(self) -> None:
        """It has just answered like a stopping instance: passed over for SUSPECT_SECONDS while another one is usable,
        and by a call waiting for a connection until it has been seen reconnecting (right after such an answer its
        channel may still say READY for a moment)."""
        self.suspect_until = time.monotonic() + SUSPECT_SECONDS
        self.seen_down = False

    def state(self) -> grpc.ChannelConnectivity:
        state = self.channel.get_state(try_to_connect=True)  # an idle instance starts connecting in the background
        if state != grpc.ChannelConnectivity.READY:
            self.seen_down = True
        return state

    def method(self, name: str, serializer: Any, deserializer: Any, registered: bool = False) -> Any:
        """This instance's multicallable of `name` (made once). `registered`: the generated stubs' methods, which
        gRPC registers with the channel once instead of handling the method's path on every call."""
        found = self._methods.get(name)
        if found is None:
            found = self.channel.unary_unary(
                name, request_serializer=serializer, response_deserializer=deserializer, _registered_method=registered
            )
            self._methods[name] = found
        return found

    def rank(self, now: float) -> int:
        return _STATE_RANK.get(self.state(), 2) + (4 if self.suspect_until > now else 0)

    def connected(self, now: float) -> bool:
        """Connected, and if it is suspect, connected again since."""
        return self.state() == grpc.ChannelConnectivity.READY and (self.suspect_until <= now or self.seen_down)


class BalancedUnaryUnary:
    """A unary method over every instance: each call goes to `BalancedChannel.pick()`."""

    def __init__(
        self, balanced: BalancedChannel, method: str, serializer: Any, deserializer: Any, registered: bool = False
    ) -> None:
        self.balanced = balanced
        self.name = method
        self.serializer = serializer
        self.deserializer = deserializer
        self.registered = registered

    async def __call__(self, request: Any, **kwargs: Any) -> Any:
        if kwargs.get("wait_for_ready"):
            limit = kwargs.get("timeout")
            limit = self.balanced.default_timeout if limit is None else limit
            left = remaining_seconds()  # inside an RPC: never wait longer than our own caller does
            limit = limit if left is None else min(limit, left)
            started = time.monotonic()
            instance = await self.balanced.connected(limit)
            kwargs["timeout"] = max(0.0, limit - (time.monotonic() - started))
        else:
            instance = self.balanced.pick()
        try:
            method = instance.method(self.name, self.serializer, self.deserializer, self.registered)
            return await method(request, **kwargs)
        except grpc.aio.AioRpcError as error:
            if error.code() in STOPPING_CODES:
                instance.suspect()
            raise


class Streaming:
    """A streaming method (the generated stubs declare them, e.g. Health.Watch): each call goes to one instance,
    picked like a unary call's, never retried."""

    def __init__(self, balanced: BalancedChannel, kind: str, method: str, serializer: Any, deserializer: Any) -> None:
        self.balanced = balanced
        self.kind = kind
        self.method = method
        self.serializer = serializer
        self.deserializer = deserializer

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        channel = self.balanced.pick().channel
        make = getattr(channel, self.kind)
        return make(self.method, request_serializer=self.serializer, response_deserializer=self.deserializer)(
            *args, **kwargs
        )


class BalancedChannel:
    """What the generated stubs need of a channel (`unary_unary`), spread over the instances; `close` closes all."""

    def __init__(
        self, targets: Sequence[str], make: Callable[[str], grpc.aio.Channel], default_timeout: float = 5.0
    ) -> None:
        if not targets:
            raise ValueError("a balanced channel needs at least one address")
        self.instances = [Instance(target, make(target)) for target in targets]
        self.default_timeout = default_timeout  # the channels' own, for a call waiting for a connection without one
        self._turn = 0

    def _ranked(self) -> list[Instance]:
        """Every instance, best-placed first (connected, not suspect), taking turns among equals."""
        now = time.monotonic()
        count = len(self.instances)
        start, self._turn = self._turn, (self._turn + 1) % count
        rotated = [self.instances[(start + offset) % count] for offset in range(count)]
        return sorted(rotated, key=lambda instance: instance.rank(now))

    def pick(self) -> Instance:
        """The best-placed instance (connected, not suspect), taking turns among equals; the only one when there is
        one (its channel connects, or waits, by itself)."""
        if len(self.instances) == 1:
            return self.instances[0]
        return self._ranked()[0]

    async def connected(self, limit: float) -> Instance:
        """The first instance found connected (`Instance.connected`), waiting up to `limit` seconds for one; when none
        is by then, the best-placed one (a call made on it then fails on its deadline). One instance alone is
        returned at once: its channel does the waiting."""
        if len(self.instances) == 1:
            return self.instances[0]
        give_up = time.monotonic() + limit
        while True:
            ranked = self._ranked()  # ranking asks an idle instance to connect
            now = time.monotonic()
            for instance in ranked:
                if instance.connected(now):
                    return instance
            left = give_up - time.monotonic()
            if left <= 0:
                return ranked[0]
            await asyncio.sleep(min(CONNECTED_POLL_SECONDS, left))

    def unary_unary(
        self,
        method: str,
        request_serializer: Any = None,
        response_deserializer: Any = None,
        _registered_method: bool | None = False,
    ) -> BalancedUnaryUnary:
        return BalancedUnaryUnary(self, method, request_serializer, response_deserializer, bool(_registered_method))

    def unary_stream(
        self,
        method: str,
        request_serializer: Any = None,
        response_deserializer: Any = None,
        _registered_method: bool | None = False,
    ) -> Streaming:
        return Streaming(self, "unary_stream", method, request_serializer, response_deserializer)

    def stream_unary(
        self,
        method: str,
        request_serializer: Any = None,
        response_deserializer: Any = None,
        _registered_method: bool | None = False,
    ) -> Streaming:
        return Streaming(self, "stream_unary", method, request_serializer, response_deserializer)

    def stream_stream(
        self,
        method: str,
        request_serializer: Any = None,
        response_deserializer: Any = None,
        _registered_method: bool | None = False,
    ) -> Streaming:
        return Streaming(self, "stream_stream", method, request_serializer, response_deserializer)

    async def close(self) -> None:
        for instance in self.instances:
            await instance.channel.close()


Channel = grpc.aio.Channel | BalancedChannel  # what the generated stubs are made on
