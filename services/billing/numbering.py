"""Per-business sequential display numbers: CUST-0001, INV-0001. Display fields only, never ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from portal_kit.errors import FailedPrecondition

from services.billing.repository import NumberSequenceRepository

PREFIXES = {"customer": "CUST", "invoice": "INV", "estimate": "EST"}
MAX_SKIPS = 1000


async def next_number(sequences: NumberSequenceRepository, kind: str, taken: Callable[[str], Awaitable[bool]]) -> str:
    """The next free number; skips numbers a user already chose by hand (customers may pick their own)."""
    for _ in range(MAX_SKIPS):
        number = f"{PREFIXES[kind]}-{await sequences.take(kind):04d}"
        if not await taken(number):
            return number
    raise FailedPrecondition(f"Could not find a free {kind} number: set one explicitly.")
