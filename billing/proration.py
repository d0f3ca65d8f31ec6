"""What a subscription is charged for its days, at the edges of its periods (pure reads).

The rule (docs/billing.md, "Proration"):

- A **monthly** plan is charged per calendar month. A month fully covered costs the plan's
  charge for that month (`pricing.plan_charge`: tiers, people, discounts). A month partly
  covered — start mid-month, end before the month's last day, paused days — costs
  `charge × billable days / days in that month`, rounded once per line with `core.money`.
  Billable days are the subscription's days in the month (first and last included) minus
  paused days. February has 28 days (29 in a leap year): the divisor is always the month's
  own length.
- A **change of plan** ends the old subscription the day before the new one starts: each is
  prorated on its own days, so no day is charged twice or forgotten.
- A **yearly** plan is charged upfront for its subscription year (from its start date to the
  day before the anniversary), in the month-end run of the month in which that year starts.
  A year cut short by a known end date, or with known paused days, costs
  `charge × billable days / days in that subscription year` (365 or 366).
- **Discounts and free periods** come from `pricing.plan_charge`, evaluated on each day: when
  a free period ends mid-month (e.g. 2 free months after the telework training from the
  15th), the days before are charged at the discounted price and the days after at the full
  price, still one line and one rounding. A member in several price groups gets the lowest
  price they qualify for.
- Days already invoiced (`Subscription.invoiced_through`) are never charged again; days
  before it that were never charged (a subscription recorded late) are caught up, one line
  per month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from billing.models import PlanPeriod
from billing.pricing import plan_charge
from core.money import ZERO, money

ONE_DAY = dt.timedelta(days=1)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return dt.date(day.year + years, 3, 1)


def days_between(start: dt.date, end: dt.date) -> int:
    """Days from start to end, both included."""
    return (end - start).days + 1


def paused_days(pauses, start: dt.date, end: dt.date) -> set[dt.date]:
    days = set()
    for pause in pauses:
        day, last = max(pause.starts_on, start), min(pause.ends_on, end)
        while day <= last:
            days.add(day)
            day += ONE_DAY
    return days


class Pricer:
    """`plan_charge` with a cache for one run (many subscriptions share plan, dates and
    terms) and the member's lowest price among their price groups valid on the day."""

    def __init__(self):
        self._cache: dict = {}

    def charge(self, subscription, on: dt.date, group_memberships=()) -> Decimal:
        groups = [None] + [g.price_group for g in group_memberships
                           if (g.valid_from is None or g.valid_from <= on)
                           and (g.valid_until is None or on <= g.valid_until)]
        return min(self._one(subscription, on, group) for group in groups)

    def _one(self, sub, on, group) -> Decimal:
        key = (sub.plan_id, on, sub.starts_on, sub.commitment_months, sub.headcount,
               getattr(group, "pk", None), sub.promo_code.lower())
        if key not in self._cache:
            self._cache[key] = plan_charge(
                sub.plan, on=on, started_on=sub.starts_on,
                commitment_months=sub.commitment_months, headcount=sub.headcount,
                price_group=group, code=sub.promo_code)
        return self._cache[key]


@dataclass
class SubscriptionCharge:
    """One invoice line's worth: a subscription's charge for [start, end]."""

    subscription: object
    start: dt.date
    end: dt.date
    billable_days: int
    period_days: int
    paused: int
    amount: Decimal

    @property
    def prorated(self) -> bool:
        return self.billable_days != self.period_days

    @property
    def label(self) -> str:
        text = _("%(plan)s — du %(start)s au %(end)s") % {
            "plan": self.subscription.plan.name, "start": self.start.strftime("%d/%m/%Y"),
            "end": self.end.strftime("%d/%m/%Y")}
        if self.prorated:
            text += " " + _("(%(days)s j facturés sur %(total)s)") % {
                "days": self.billable_days, "total": self.period_days}
        if self.paused:
            text += " " + _("dont %(n)s j suspendus") % {"n": self.paused}
        return text


def _change_days(sub, start: dt.date, end: dt.date, discounts, groups) -> list[dt.date]:
    """Days in [start, end] where the charge may change: the segment's first day, each
    monthly anniversary of the start (free months end there), discount and price-group
    validity edges."""
    days = {start}
    n = 1
    while True:
        anniversary = add_months(sub.starts_on, n)
        if anniversary > end:
            break
        if anniversary > start:
            days.add(anniversary)
        n += 1
    for d in [*discounts, *groups]:
        for edge in (d.valid_from, d.valid_until and d.valid_until + ONE_DAY):
            if edge and start < edge <= end:
                days.add(edge)
    return sorted(days)


def _segment_amount(sub, start, end, period_days, paused: set, pricer, groups,
                    discounts) -> Decimal:
    """Sum of charge(day) × billable days of each stretch of equal price, / period_days,
    rounded once."""
    change = _change_days(sub, start, end, discounts, groups)
    if len(change) == 1 and days_between(start, end) == period_days and not paused:
        return pricer.charge(sub, start, groups)
    total = ZERO
    for i, first in enumerate(change):
        last = change[i + 1] - ONE_DAY if i + 1 < len(change) else end
        days = days_between(first, last) - sum(1 for d in paused if first <= d <= last)
        if days:
            total += pricer.charge(sub, first, groups) * days
    return money(total / period_days)


def subscription_charges(sub, *, through: dt.date, pauses=None, groups=None, pricer=None,
                         discounts=None) -> list[SubscriptionCharge]:
    """The charges of `sub` not yet invoiced for days up to `through` (a month's last day);
    a yearly plan's year is charged whole once it has started. `pauses` (default: the
    subscription's), `groups` (PriceGroupMembership rows of the member) and `discounts`
    (the network's Discount rows, to find when a discount's validity ends) may be given to
    spare queries."""
    from billing.models import Discount

    pricer = pricer or Pricer()
    pauses = list(sub.pauses.all()) if pauses is None else pauses
    if groups is None:
        groups = list(sub.member.price_groups.select_related("price_group"))
    if discounts is None:
        discounts = list(Discount.objects.filter(network_id=sub.network_id))
    first = sub.starts_on
    if sub.invoiced_through is not None:
        first = max(first, sub.invoiced_through + ONE_DAY)
    charges = []
    while first <= through and (sub.ends_on is None or first <= sub.ends_on):
        if sub.plan.period == PlanPeriod.YEAR:
            years = 0
            while add_years(sub.starts_on, years + 1) <= first:
                years += 1
            period_start = add_years(sub.starts_on, years)
            period_end = add_years(sub.starts_on, years + 1) - ONE_DAY
        else:
            period_start, period_end = month_bounds(first)
        end = period_end if sub.ends_on is None else min(period_end, sub.ends_on)
        period_days = days_between(period_start, period_end)
        paused = paused_days(pauses, first, end)
        billable = days_between(first, end) - len(paused)
        amount = _segment_amount(sub, first, end, period_days, paused, pricer, groups,
                                 discounts) if billable else ZERO
        charges.append(SubscriptionCharge(sub, first, end, billable, period_days, len(paused),
                                          amount))
        first = end + ONE_DAY
    return charges
