"""What the scheduler does with a subscription left past due: after `days` days, `action` it ("cancel" or "keep").

The business chooses it in its subscription settings (PortalSettings.past_due_days / past_due_action); the scheduler
takes a function that reads the business's policy (the tenant is bound), and keeps past-due subscriptions for 14
days, then keeps them, when it has none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession


class PastDuePolicy(Protocol):
    @property
    def days(self) -> int: ...
    @property
    def action(self) -> str: ...


@dataclass(frozen=True)
class FixedPolicy:
    days: int = 14
    action: str = "keep"


PolicyOf = Callable[[AsyncSession], Awaitable[PastDuePolicy]]


def fixed(policy: FixedPolicy) -> PolicyOf:
    async def read(session: AsyncSession) -> PastDuePolicy:
        return policy

    return read
