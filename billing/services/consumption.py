"""What pays for a member's booking, written as Consumption rows in the booking's transaction.

`bookings.services` calls `consume` right after inserting a member's booking (confirmed or
pending) and `give_back` when the booking is cancelled or refused (settings.BOOKING_CONSUMPTION
names this module). For each local day of the booking, in this order:

1. an active **pass** covering the day, the resource kind (and its site, if the pass names one);
   a half-day pass covers one half-day of that day;
2. the **subscription** active that day (not paused), if its plan covers the kind and the site
   (home site only, or the whole network) and the period still has allowance
   (`billing.allowance`); a day already counted is not counted again; a day away from the home
   site also needs room under the plan's monthly away cap;
3. **tickets**, from the wallets valid that day that expire first; the booking takes them only
   if the valid wallets hold enough (several wallets may contribute);
4. **pay-as-you-go** at the lowest of the public and the member's price-group prices; the
   overage price when the member's subscription covers the kind and site but its allowance or
   away cap is used up. Nothing is written when the network has no price for the kind, unless
   it sells ticket books for that kind: then the booking is refused (it "needs enough tickets").

A pass and the subscription are personal: for a booking of several seats the pass covers one
seat, the subscription up to its headcount; the other seats take tickets or pay as they go.

Concurrency: the member's row is locked (SELECT ... FOR UPDATE; SQLite's IMMEDIATE transaction)
before anything is read, so two bookings of one member cannot both take the last ticket or
the last allowance day.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from billing.allowance import Span
from billing.models import (
    Consumption,
    ConsumptionSource,
    Coverage,
    EmployerAccount,
    PassDuration,
    PassPurchase,
    PriceGroupMembership,
    Subscription,
    TicketBook,
    TicketCost,
    TicketWallet,
    UnitPrice,
)
from billing.pricing import PricingError, Usage, payg_quote, tickets_needed, usage_of
from billing.selectors_holdings import subscription_balance, with_tickets_left
from bookings.errors import BookingError
from members.models import Member
from places.models import BookingUnit


def valid_on(day_from: dt.date, day_to: dt.date) -> Q:
    """Rows with optional valid_from / valid_until overlapping [day_from, day_to]."""
    return ((Q(valid_from__isnull=True) | Q(valid_from__lte=day_to))
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=day_from)))


@functools.cache
def _holdings_sql(vendor: str, lock: bool) -> str:
    """The member's row with, as booleans, what they may hold over [first, last] and whether
    the network prices or sells tickets for the kind. Written by hand: built with the ORM,
    its seven subqueries took longer to compile than a whole booking's SQL to run."""
    t = {name: model._meta.db_table for name, model in (
        ("member", Member), ("pass", PassPurchase), ("sub", Subscription),
        ("wallet", TicketWallet), ("group", PriceGroupMembership), ("employer", EmployerAccount),
        ("price", UnitPrice), ("cost", TicketCost), ("book", TicketBook))}
    sql = f"""
        SELECT m.id, m.network_id, m.organisation_id,
          EXISTS (SELECT 1 FROM {t["pass"]} p WHERE p.member_id = m.id
                  AND p.valid_from <= %(last)s AND p.valid_until >= %(first)s) AS has_pass,
          EXISTS (SELECT 1 FROM {t["sub"]} s WHERE s.member_id = m.id
                  AND s.starts_on <= %(last)s
                  AND (s.ends_on IS NULL OR s.ends_on >= %(first)s)) AS has_subscription,
          EXISTS (SELECT 1 FROM {t["wallet"]} w WHERE w.member_id = m.id
                  AND w.purchased_on <= %(last)s AND w.valid_until >= %(first)s) AS has_wallet,
          EXISTS (SELECT 1 FROM {t["group"]} g WHERE g.member_id = m.id
                  AND (g.valid_from IS NULL OR g.valid_from <= %(last)s)
                  AND (g.valid_until IS NULL OR g.valid_until >= %(first)s)) AS has_group,
          EXISTS (SELECT 1 FROM {t["employer"]} e WHERE e.organisation_id = m.organisation_id
                  AND e.is_active = %(yes)s AND e.pays_bookings = %(yes)s) AS employer_pays,
          EXISTS (SELECT 1 FROM {t["price"]} u WHERE u.network_id = %(network)s
                  AND u.resource_kind = %(kind)s) AS priced,
          EXISTS (SELECT 1 FROM {t["cost"]} c JOIN {t["book"]} b ON b.id = c.book_id
                  WHERE c.network_id = %(network)s AND c.resource_kind = %(kind)s
                  AND b.is_active = %(yes)s) AS tickets_sold
        FROM {t["member"]} m WHERE m.id = %(member)s"""  # noqa: S608 - table names only
    if lock and vendor != "sqlite":  # SQLite: the IMMEDIATE transaction holds the write lock
        sql += " FOR UPDATE OF m"
    return sql


def member_holdings(member_id: int, *, network_id: int, kind: str, first: dt.date,
                    last: dt.date, lock: bool = False) -> Member:
    """The member (id, network, organisation only) with `has_pass`, `has_subscription`,
    `has_wallet`, `has_group`, `employer_pays`, `priced` and `tickets_sold`."""
    conn = transaction.get_connection()
    params = {"member": member_id, "network": network_id, "kind": kind, "yes": True,
              "first": conn.ops.adapt_datefield_value(first),
              "last": conn.ops.adapt_datefield_value(last)}
    with conn.cursor() as cursor:
        cursor.execute(_holdings_sql(conn.vendor, lock), params)
        names = [col[0] for col in cursor.description]
        row = dict(zip(names, cursor.fetchone()))
    member = Member(id=row.pop("id"), network_id=row.pop("network_id"),
                    organisation_id=row.pop("organisation_id"))
    for name, value in row.items():
        setattr(member, name, bool(value))
    return member


def lock_member(member_id: int, **kw) -> Member:
    """Lock the member's row (SELECT ... FOR UPDATE) and learn what they hold in the same
    query: a member who holds nothing, in a network without a catalogue, costs this one
    query."""
    return member_holdings(member_id, lock=True, **kw)


@dataclass
class _Day:
    """One local day of a booking being paid for."""

    day: dt.date
    usage: Usage
    seats: int


class _Payer:
    """Works out the rows for one booking; reads each kind of holding at most once."""

    def __init__(self, booking, resource, member, *, strict: bool):
        self.booking, self.resource, self.member = booking, resource, member
        self.network_id, self.site_id, self.kind = resource.network_id, booking.site_id, \
            resource.kind
        self.strict = strict
        self.tickets_short = (None, 0)  # (tickets per seat, tickets held) for the refusal

    # --- holdings, loaded once per booking -------------------------------------------
    def passes(self, first, last):
        return list(PassPurchase.objects.filter(
            member=self.member, valid_from__lte=last, valid_until__gte=first).select_related(
            "pass_product").order_by("valid_until", "pk"))

    def subscriptions(self, first, last):
        return list(Subscription.objects.filter(
            member=self.member, starts_on__lte=last).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=first)).select_related(
            "plan").prefetch_related("pauses").order_by("starts_on"))

    def wallets(self, day):
        return list(with_tickets_left(TicketWallet.objects.filter(
            member=self.member, purchased_on__lte=day, valid_until__gte=day)).select_related(
            "book").prefetch_related("book__costs").order_by("valid_until", "pk"))

    def price_groups(self, day):
        return [m.price_group for m in PriceGroupMembership.objects.filter(
            valid_on(day, day), member=self.member).select_related("price_group")]

    # --- the order ------------------------------------------------------------------
    def rows(self, days: list[_Day]) -> list[Consumption]:
        first, last = days[0].day, days[-1].day
        m = self.member
        passes = self.passes(first, last) if m.has_pass else []
        subs = self.subscriptions(first, last) if m.has_subscription else []
        rows = []
        for d in days:
            rows += self.pay_day(d, passes, subs)
        return rows

    def row(self, d: _Day, source, **kw) -> Consumption:
        hourly = d.usage.booking_unit == BookingUnit.HOUR
        return Consumption(network_id=self.network_id, booking=self.booking, member=self.member,
                           site_id=self.site_id, day=d.day, source=source,
                           half_days=len(d.usage.halves.get(d.day, ())),
                           hours=d.usage.hours if hourly else 0, **kw)

    def pay_day(self, d: _Day, passes, subs) -> list[Consumption]:
        rows, left = [], d.seats
        the_pass = next((p for p in passes if self.pass_covers(p, d)), None)
        if the_pass is not None:
            rows.append(self.row(d, ConsumptionSource.PASS, pass_purchase=the_pass))
            left -= 1
        exhausted = False
        sub = next((s for s in subs if Span.of(s).is_active(d.day)), None)
        if left and sub is not None and self.sub_covers(sub):
            if self.allowance_left(sub, d.day):
                rows.append(self.row(d, ConsumptionSource.SUBSCRIPTION, subscription=sub))
                left -= min(left, sub.headcount)
            else:
                exhausted = True
        if left and self.member.has_wallet:
            taken = self.take_tickets(d, left)
            if taken:
                rows += taken
                left = 0
        if left:
            rows += self.pay_as_you_go(d, left, overage=exhausted)
        return rows

    # --- 1. passes ------------------------------------------------------------------
    def pass_covers(self, p: PassPurchase, d: _Day) -> bool:
        kinds = p.pass_product.resource_kinds
        if not (p.valid_from <= d.day <= p.valid_until) or (kinds and self.kind not in kinds):
            return False
        if p.site_id is not None and p.site_id != self.site_id:
            return False
        if p.pass_product.duration != PassDuration.HALF_DAY:
            return True
        halves = set(d.usage.halves.get(d.day, ()))
        for row in Consumption.objects.filter(pass_purchase=p, day=d.day,
                                              reversed_at__isnull=True).select_related(
                "booking__resource__site", "booking__network"):
            b = row.booking
            b.resource.network = b.network
            halves |= usage_of(b.resource, b.start, b.end).halves.get(d.day, set())
        return len(halves) <= 1

    # --- 2. subscription ------------------------------------------------------------
    def sub_covers(self, sub: Subscription) -> bool:
        plan = sub.plan
        if not plan.covers_kind(self.kind):
            return False
        return not (plan.coverage == Coverage.HOME_SITE and sub.home_site_id is not None
                    and sub.home_site_id != self.site_id)

    def allowance_left(self, sub: Subscription, day: dt.date) -> bool:
        """Room in the period's allowance (a day already counted is free) and, away from the
        home site, under the monthly away cap."""
        balance = subscription_balance(sub, day)
        if balance.allowed is not None and day not in balance.days \
                and balance.used >= balance.allowed:
            return False
        cap = sub.plan.away_cap_days
        away = sub.home_site_id is not None and self.site_id != sub.home_site_id
        return not (away and cap is not None and day not in balance.away_days
                    and balance.away_used >= cap)

    # --- 3. tickets -----------------------------------------------------------------
    def take_tickets(self, d: _Day, persons: int) -> list[Consumption]:
        """All the tickets the day needs, from the wallets expiring first, or none. Books
        whose cost for this use differs from the first covering book's are not mixed in."""
        per_person, candidates = None, []
        for wallet in self.wallets(d.day):
            needed = tickets_needed(wallet.book, d.usage)
            if needed is None:
                continue
            if per_person is None:
                per_person = needed
            if needed == per_person and wallet.left > 0:
                candidates.append(wallet)
        self.tickets_short = per_person, sum(w.left for w in candidates)
        if per_person is None or self.tickets_short[1] < per_person * persons:
            return []
        rows, need = [], per_person * persons
        for wallet in candidates:
            take = min(need, wallet.left)
            rows.append(self.row(d, ConsumptionSource.TICKETS, wallet=wallet, tickets=take))
            need -= take
            if not need:
                break
        return rows

    # --- 4. pay as you go -----------------------------------------------------------
    def pay_as_you_go(self, d: _Day, persons: int, *, overage: bool) -> list[Consumption]:
        m = self.member
        try:
            if not m.priced:
                raise PricingError(self.kind)
            groups = self.price_groups(d.day) if m.has_group else []
            amount, rate, _group = payg_quote(self.resource.network, d.usage,
                                              price_groups=groups, overage=overage)
        except PricingError:
            if m.tickets_sold and self.strict:
                raise self.not_enough_tickets(d, persons) from None
            return []
        return [self.row(d, ConsumptionSource.OVERAGE if overage else ConsumptionSource.PAYG,
                         amount=amount * persons, vat_rate=rate,
                         payer_organisation_id=m.organisation_id if m.employer_pays else None)]

    def not_enough_tickets(self, d: _Day, persons: int) -> BookingError:
        day = formats.date_format(d.day, "j F Y")
        per_person, held = self.tickets_short
        if per_person is None:
            return BookingError("tickets", _(
                "%(resource)s se paie en tickets et aucun carnet valable le %(day)s ne le "
                "couvre : achetez un carnet auprès de l'accueil.") % {
                "resource": self.resource.name, "day": day})
        return BookingError("tickets", _(
            "Pas assez de tickets : cette réservation en demande %(needed)s, il en reste "
            "%(held)s valables le %(day)s.") % {"needed": per_person * persons, "held": held,
                                                 "day": day})


def _days(booking, usage: Usage, tz) -> list[_Day]:
    if len(usage.halves) == 1:
        return [_Day(day, usage, booking.seats) for day in usage.halves]
    days = []
    for day, halves in sorted(usage.halves.items()):
        start = max(booking.start, dt.datetime.combine(day, dt.time(0), tzinfo=tz))
        end = min(booking.end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0),
                                                   tzinfo=tz))
        elapsed = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)  # real hours, DST-safe
        hours = math.ceil(elapsed.total_seconds() / 3600)
        days.append(_Day(day, Usage(usage.kind, usage.booking_unit, {day: halves}, hours),
                         booking.seats))
    return days


def consume(booking, *, resource, member, now, strict: bool = True) -> list[Consumption]:
    """Write what pays for `booking` (see the module's docstring for the order). Call inside
    the booking's transaction, `resource` loaded with its site and network. `strict=False`
    (re-computations after a holding changed) never refuses: an unpaid day writes nothing."""
    if member is None:
        return []
    usage = usage_of(resource, booking.start, booking.end)
    if not usage.halves:
        return []
    days = _days(booking, usage, resource.network.tz)
    # Inside the booking's transaction in practice (not in the tests' unguarded controls):
    # no savepoint, the lock is held until the booking commits.
    in_transaction = transaction.get_connection().in_atomic_block
    with nullcontext() if in_transaction else transaction.atomic():
        locked = lock_member(member.pk, network_id=resource.network_id, kind=resource.kind,
                             first=days[0].day, last=days[-1].day)
        rows = _Payer(booking, resource, locked, strict=strict).rows(days)
        return Consumption.objects.bulk_create(rows) if rows else []


def give_back(booking, *, now) -> int:
    """A cancelled or refused booking gives back what it took: its live rows are marked
    reversed (allowance days and tickets count again, pay-as-you-go is no longer due)."""
    return Consumption.objects.filter(booking=booking, reversed_at__isnull=True).update(
        reversed_at=now)


def reconsider(bookings, *, now) -> int:
    """Pay again for bookings after what the member holds changed (a subscription ended,
    paused or replaced; a pass, book or price group added): give back, then consume as if
    booked now, never refusing. Bookings are taken in order of start."""
    count = 0
    for booking in sorted(bookings, key=lambda b: (b.start, b.pk)):
        resource = booking.resource
        resource.network = booking.network
        give_back(booking, now=now)
        consume(booking, resource=resource, member=booking.member, now=now, strict=False)
        count += 1
    return count
