"""What a subscription bills: its recurring charges, one period's invoice lines, recurring_total and MRR."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.subscriptions import periods
from services.subscriptions.models import Plan
from services.subscriptions.proration import Charge
from services.subscriptions.subscriptions.models import PendingProrationLine, Subscription, SubscriptionAddon


@dataclass(frozen=True)
class Line:
    """One invoice line (minor units); `amount` = quantity × unit_cost exactly."""

    name: str
    description: str
    quantity: int
    unit_cost: int
    plan: str
    period_start: datetime
    period_end: datetime
    proration: bool = False

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_cost


@dataclass
class Priced:
    """A subscription (saved or not) with the plans it bills."""

    subscription: Subscription
    plan: Plan
    addons: list[SubscriptionAddon] = field(default_factory=list)
    addon_plans: dict[str, Plan] = field(default_factory=dict)

    def charges(self) -> list[Charge]:
        sub = self.subscription
        unit = sub.amount if sub.amount is not None else self.plan.amount
        found = [Charge("plan", self.plan.id, self.plan.name, sub.quantity, unit)]
        for addon in self.addons:
            addon_plan = self.addon_plans[addon.plan_id]
            unit = addon.amount if addon.amount is not None else addon_plan.amount
            name = addon.description or addon_plan.name
            found.append(Charge(f"addon:{addon.plan_id}", addon.plan_id, name, addon.quantity, unit))
        return found

    @property
    def recurring_total(self) -> int:
        return sum(charge.amount for charge in self.charges())

    @property
    def mrr(self) -> int:
        return periods.monthly(self.recurring_total, self.plan.interval, self.plan.interval_count)

    def period(self, index: int) -> periods.Period:
        """Billing period `index` (0-based) of this subscription, from its start date."""
        return periods.period(self.subscription.start_date, self.plan.interval, self.plan.interval_count, index)

    def lines(self, period: periods.Period) -> list[Line]:
        """The plan line and addon lines of one full period."""
        span = f"{period.start:%b %-d, %Y} – {period.end:%b %-d, %Y}"
        return [
            Line(charge.name, span, charge.quantity, charge.unit_amount, charge.plan, period.start, period.end)
            for charge in self.charges()
        ]


def pending_line(line: PendingProrationLine) -> Line:
    return Line(line.name, line.description, line.quantity, line.unit_cost, line.plan_id, line.period_start,
                line.period_end, proration=True)  # fmt: skip
