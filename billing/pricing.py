"""What things cost: pure functions over catalogue rows (no writes).

Documented rules:
- A subscription's unit price is the lowest of its base price and every tier it qualifies for
  (commitment months, or people covered); tiers do not stack. Total = unit price × people.
- Discounts apply to subscriptions: an automatic one for the member's price group, or one
  named by a promo code; `free_months` counts from the subscription's start. The largest
  applicable percentage wins.
- A booking is measured in the network's local time: a half-day is a morning (before the
  site's split time) or an afternoon; hours are rounded up; a day is a local date touched.
- Pay-as-you-go: an hourly resource pays its hourly price per hour; otherwise, on a day where
  both halves are used and a day price exists, the day price, else the half-day price per half
  (falling back to the day price if there is no half-day price).
- Tickets: cost per unit of the book's TicketCost row for the kind (half-days, hours or days).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from billing.models import Discount, MembershipPeriod, Plan, TierBasis, UnitPrice
from core.money import ZERO, money
from places.models import BookingUnit


class PricingError(Exception):
    pass


# --- subscriptions ----------------------------------------------------------------------

def plan_unit_price(plan: Plan, *, commitment_months: int = 0, headcount: int = 1) -> Decimal:
    price = plan.price
    for tier in plan.tiers.all():
        qualifies = (commitment_months if tier.basis == TierBasis.COMMITMENT
                     else headcount) >= tier.minimum
        if qualifies and tier.price < price:
            price = tier.price
    return money(price)


def months_between(start: dt.date, on: dt.date) -> int:
    """Whole months elapsed from start to on (15 Jan -> 14 Feb: 0; -> 15 Feb: 1)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    return months - 1 if on.day < start.day else months


def applicable_discount(plan: Plan, *, on: dt.date, started_on: dt.date, price_group=None,
                        code: str = "") -> Discount | None:
    best = None
    for d in Discount.objects.filter(network_id=plan.network_id):
        if d.plan_id not in (None, plan.pk):
            continue
        in_group = price_group is not None and d.price_group_id == price_group.pk
        if d.code and d.code.lower() != code.lower():
            continue  # a promo code must be given
        if d.price_group_id is not None and not in_group:
            continue
        if not d.code and d.price_group_id is None:
            continue  # neither a code nor a group: nobody is named
        if (d.valid_from and on < d.valid_from) or (d.valid_until and on > d.valid_until):
            continue
        if d.free_months is not None and months_between(started_on, on) >= d.free_months:
            continue
        if best is None or d.percent_off > best.percent_off:
            best = d
    return best


def plan_charge(plan: Plan, *, on: dt.date, started_on: dt.date | None = None,
                commitment_months: int | None = None, headcount: int = 1, price_group=None,
                code: str = "") -> Decimal:
    """What one period of a subscription costs on a date (excluding VAT)."""
    if commitment_months is None:
        commitment_months = plan.commitment_months
    unit = plan_unit_price(plan, commitment_months=commitment_months, headcount=headcount)
    amount = money(unit * headcount)
    discount = applicable_discount(plan, on=on, started_on=started_on or on,
                                   price_group=price_group, code=code)
    if discount:
        amount = money(amount - amount * discount.percent_off / 100)
    return amount


# --- membership -------------------------------------------------------------------------

def membership_period(fee, *, start: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a fee paid on `start` covers (last day included)."""
    if fee.period == MembershipPeriod.CALENDAR_YEAR:
        return start, dt.date(start.year, 12, 31)
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        anniversary = dt.date(start.year + 1, 3, 1)
    return start, anniversary - dt.timedelta(days=1)


# --- bookings ---------------------------------------------------------------------------

@dataclass
class Usage:
    """How much of a resource kind a booking uses, in the network's local time."""

    kind: str
    booking_unit: str
    halves: dict[dt.date, set[str]] = field(default_factory=dict)  # date -> {"am", "pm"}
    hours: int = 0

    @property
    def half_days(self) -> int:
        return sum(len(h) for h in self.halves.values())

    @property
    def days(self) -> int:
        return len(self.halves)


def usage_of(resource, start: dt.datetime, end: dt.datetime) -> Usage:
    tz = resource.network.tz if hasattr(resource, "network") else resource.site.network.tz
    split = resource.site.half_day_split
    # Real elapsed hours (in UTC): two datetimes sharing a zone subtract as wall clocks,
    # which would count an hour too many (or too few) across a DST change.
    elapsed = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
    start, end = start.astimezone(tz), end.astimezone(tz)
    usage = Usage(resource.kind, resource.booking_unit,
                  hours=math.ceil(elapsed.total_seconds() / 3600))
    day = start.date()
    while day <= end.date():
        day_start = max(start, dt.datetime.combine(day, dt.time(0), tzinfo=tz))
        day_end = min(end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0),
                                               tzinfo=tz))
        if day_end > day_start:
            split_at = dt.datetime.combine(day, split, tzinfo=tz)
            halves = set()
            if day_start < split_at:
                halves.add("am")
            if day_end > split_at:
                halves.add("pm")
            usage.halves[day] = halves
        day += dt.timedelta(days=1)
    return usage


def tickets_needed(book, usage: Usage) -> int | None:
    """Tickets of `book` a use costs, or None if the book does not cover that kind."""
    costs = {c.unit: c.tickets for c in book.costs.all() if c.resource_kind == usage.kind}
    if not costs:
        return None
    if usage.booking_unit == BookingUnit.HOUR and BookingUnit.HOUR in costs:
        return costs[BookingUnit.HOUR] * usage.hours
    if BookingUnit.HALF_DAY in costs:
        return costs[BookingUnit.HALF_DAY] * usage.half_days
    if BookingUnit.DAY in costs:
        return costs[BookingUnit.DAY] * usage.days
    return costs[BookingUnit.HOUR] * usage.hours


def _unit_prices(network, kind: str, price_group) -> dict[str, UnitPrice]:
    rows = UnitPrice.objects.filter(network=network, resource_kind=kind)
    return _prices_for(rows, price_group)


def _prices_for(rows, price_group) -> dict[str, UnitPrice]:
    prices = {r.unit: r for r in rows if r.price_group_id is None}
    if price_group is not None:  # a group's own price replaces the public one
        prices.update({r.unit: r for r in rows if r.price_group_id == price_group.pk})
    return prices


def _payg_total(prices: dict[str, UnitPrice], usage: Usage, *,
                overage: bool) -> tuple[Decimal, Decimal]:
    """(amount, VAT rate of the rows used)."""
    rate = None

    def price(unit):
        nonlocal rate
        row = prices[unit]
        rate = row.vat_rate
        return row.overage_price if overage and row.overage_price is not None else row.price

    if usage.booking_unit == BookingUnit.HOUR and BookingUnit.HOUR in prices:
        return money(price(BookingUnit.HOUR) * usage.hours), rate
    total = ZERO
    for halves in usage.halves.values():
        if BookingUnit.DAY in prices and (len(halves) == 2
                                          or BookingUnit.HALF_DAY not in prices):
            total += price(BookingUnit.DAY)
        elif BookingUnit.HALF_DAY in prices:
            total += price(BookingUnit.HALF_DAY) * len(halves)
        else:
            raise PricingError(f"no pay-as-you-go price for {usage.kind}")
    return money(total), rate if rate is not None else Decimal("0.00")


def payg_amount(network, usage: Usage, *, price_group=None, overage: bool = False) -> Decimal:
    """Pay-as-you-go price of a use (overage: beyond a subscription's allowance)."""
    return _payg_total(_unit_prices(network, usage.kind, price_group), usage, overage=overage)[0]


def payg_quote(network, usage: Usage, *, price_groups=(), overage: bool = False):
    """The lowest pay-as-you-go price of a use among the public price and those of the
    member's price groups, in one query: (amount, VAT rate, price group that gave it)."""
    group_ids = [g.pk for g in price_groups]
    rows = list(UnitPrice.objects.filter(network=network, resource_kind=usage.kind).filter(
        Q(price_group__isnull=True) | Q(price_group_id__in=group_ids)))
    best = None
    for group in (None, *price_groups):
        try:
            amount, rate = _payg_total(_prices_for(rows, group), usage, overage=overage)
        except PricingError:
            continue
        if best is None or amount < best[0]:
            best = (amount, rate, group)
    if best is None:
        raise PricingError(f"no pay-as-you-go price for {usage.kind}")
    return best


def quota_overage(quota, used: int) -> Decimal:
    """What a month's use of a quota costs beyond what is included."""
    return money(max(0, used - quota.included_per_month) * quota.overage_price)
