"""SmtpSink: a mail catcher for tests, in-process, on a free port."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Self

from aiosmtpd.controller import Controller

from devtools.mailbox.smtp import start_smtp
from devtools.mailbox.store import MailStore, Message


class SmtpSink:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.store = MailStore()
        self.port = 0
        self._controller: Controller | None = None

    def start(self) -> Self:
        if self._controller is None:
            self._controller, self.port = start_smtp(self.store, self.host)
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[Message]:
        return self.store.messages()

    def clear(self) -> None:
        self.store.clear()

    def wait_for(
        self, predicate: Callable[[Message], bool] = lambda _: True, timeout: float = 10.0, count: int = 1
    ) -> list[Message]:
        """Block until `count` messages match; returns every matching message, oldest first."""
        return self.store.wait_for(predicate, timeout, count)

    async def wait_for_async(
        self,
        predicate: Callable[[Message], bool] = lambda _: True,
        timeout: float = 10.0,  # noqa: ASYNC109 - same signature as wait_for; the wait runs in a thread
        count: int = 1,
    ) -> list[Message]:
        """Like wait_for, without blocking the event loop (for mail sent by code running in the same loop)."""
        return await asyncio.to_thread(self.store.wait_for, predicate, timeout, count)

    def unwanted_by_marker(
        self, marker: Callable[[Message], bool], unwanted: Callable[[Message], bool], timeout: float = 30.0
    ) -> list[Message]:
        """Proves an absence: waits for the marker, an email sent through the same ordered path after the request
        that must send nothing, then returns the unwanted messages received by then (the test expects none).

        Sleeping and then finding nothing also passes when the mail pipeline is down or slow; this does not."""
        self.wait_for(marker, timeout)
        return [m for m in self.messages() if unwanted(m) and not marker(m)]

    async def unwanted_by_marker_async(
        self,
        marker: Callable[[Message], bool],
        unwanted: Callable[[Message], bool],
        timeout: float = 30.0,  # noqa: ASYNC109 - same signature as unwanted_by_marker
    ) -> list[Message]:
        return await asyncio.to_thread(self.unwanted_by_marker, marker, unwanted, timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
