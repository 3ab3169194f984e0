"""In-process counters. The services expose no metrics endpoint yet: a counter's value is logged where it
changes (a structured field), and `counters()` is what an endpoint would serve."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_counters: dict[str, Counter] = {}


class Counter:
    """A monotonically increasing count, e.g. `outbox_dead_lettered_total`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._value = 0

    @property
    def value(self) -> int:
        return self._value

    def inc(self, amount: int = 1) -> int:
        with _lock:
            self._value += amount
            return self._value


def counter(name: str) -> Counter:
    """The process's counter of that name, made on first use."""
    with _lock:
        if name not in _counters:
            _counters[name] = Counter(name)
        return _counters[name]


def counters() -> dict[str, int]:
    with _lock:
        return {name: c.value for name, c in sorted(_counters.items())}
