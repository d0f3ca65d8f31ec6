"""How much of a subscription's allowance a period holds: pure date arithmetic, no queries.

Documented rules (docs/billing.md, "Subscription allowance"):
- The allowance period is the ISO week (Monday to Sunday) for "days per week" and the calendar
  month for "days per month", in the network's local dates.
- A day is *active* for a subscription when it lies in [starts_on, ends_on] (ends_on included,
  empty: open-ended) and in none of its pauses. Only active days are paid by the subscription.
- A period only partly active (start or end mid-period, a pause, a change of plan) holds
  floor(allowance days × active days / days in the period); a fully active period holds the
  whole allowance. Rounding down is in the network's favour and never gives a day the member
  has not paid for.
- The cap on days away from the home site is a ceiling per calendar month; it is not prorated.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from billing.models import Allowance
from billing.proration import month_bounds

__all__ = ["Span", "allowance_in_period", "month_bounds", "period_bounds", "prorated",
           "validity_end", "week_bounds"]

ONE_DAY = dt.timedelta(days=1)


def validity_end(start: dt.date, months: int) -> dt.date:
    """Last day (included) of something valid `months` months from `start`: the day before
    the same day `months` later (15 January + 6 months -> 14 July). When the target month
    lacks that day, the validity runs to the end of that month (31 August + 6 months ->
    28 or 29 February), never a day short."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return dt.date(year, month, last)
    return dt.date(year, month, start.day) - ONE_DAY


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def period_bounds(allowance: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The allowance period holding `day` (the calendar month for an unlimited plan)."""
    if allowance == Allowance.DAYS_PER_WEEK:
        return week_bounds(day)
    return month_bounds(day)


@dataclass(frozen=True)
class Span:
    """A subscription's dates and pauses, detached from the database."""

    starts_on: dt.date
    ends_on: dt.date | None
    pauses: tuple[tuple[dt.date, dt.date], ...] = ()

    @classmethod
    def of(cls, subscription, pauses: Iterable | None = None) -> Span:
        if pauses is None:
            pauses = subscription.pauses.all()
        return cls(subscription.starts_on, subscription.ends_on,
                   tuple((p.starts_on, p.ends_on) for p in pauses))

    def is_active(self, day: dt.date) -> bool:
        if day < self.starts_on or (self.ends_on is not None and day > self.ends_on):
            return False
        return not any(start <= day <= end for start, end in self.pauses)

    def is_paused(self, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self.pauses)

    def active_days(self, first: dt.date, last: dt.date) -> int:
        """Active days in [first, last] (both included)."""
        lo = max(first, self.starts_on)
        hi = last if self.ends_on is None else min(last, self.ends_on)
        if hi < lo:
            return 0
        days = (hi - lo).days + 1
        paused: set[dt.date] = set()  # pauses may overlap each other: count each day once
        for start, end in self.pauses:
            day = max(start, lo)
            while day <= min(end, hi):
                paused.add(day)
                day += ONE_DAY
        return days - len(paused)


def prorated(days: int, active: int, period_days: int) -> int:
    """floor(days × active / period_days); the whole allowance when the period is all active."""
    if active >= period_days:
        return days
    return days * active // period_days


def allowance_in_period(plan, span: Span, day: dt.date) -> tuple[int | None, dt.date, dt.date]:
    """(days the period holding `day` allows, or None for unlimited; period first and last
    day)."""
    first, last = period_bounds(plan.allowance, day)
    if plan.allowance == Allowance.UNLIMITED:
        return None, first, last
    period_days = (last - first).days + 1
    return prorated(plan.allowance_days, span.active_days(first, last), period_days), first, last
