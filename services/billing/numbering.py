"""Per-business sequential display numbers: CUST-0001, INV-0001. Display fields only, never ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from portal_kit.errors import FailedPrecondition

from services.billing.repository import NumberSequenceRepository

PREFIXES = {"customer": "CUST", "invoice": "INV", "estimate": "EST"}
MAX_SKIPS = 1000


async def next_number(
    sequences: NumberSequenceRepository, kind: str, taken: Callable[[str], Awaitable[bool]] | None
) -> str:
    """The next free number; skips numbers a user already chose by hand (customers may pick their own). `taken`
    None: numbers of this kind are only ever given here, so the sequence's next one is free (and the unique
    constraint would refuse it otherwise); no query while the sequence's row is locked."""
    if taken is None:
        return f"{PREFIXES[kind]}-{await sequences.take(kind):04d}"
    for _ in range(MAX_SKIPS):
        number = f"{PREFIXES[kind]}-{await sequences.take(kind):04d}"
        if not await taken(number):
            return number
    raise FailedPrecondition(f"Could not find a free {kind} number: set one explicitly.")
