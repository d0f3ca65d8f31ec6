"""What a member holds and has used, for "Mes droits" and the staff's member page. A fixed
number of queries whatever the member holds (one more per current subscription, at most a
couple)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import ExpressionWrapper, F, IntegerField, Q, Sum
from django.db.models.functions import Coalesce

from billing.allowance import Span, allowance_in_period, month_bounds
from billing.models import (
    Consumption,
    PassPurchase,
    PriceGroupMembership,
    Quota,
    QuotaUsage,
    Subscription,
    TicketWallet,
)

RECENT_LIMIT = 30


@dataclass
class SubscriptionBalance:
    """A subscription's allowance in the period holding a day, and the days used so far as
    live consumption rows count them (a day is counted once, whatever its bookings)."""

    subscription: Subscription
    is_current: bool
    paused_today: bool = False
    period: tuple[dt.date, dt.date] | None = None
    allowed: int | None = None  # None: unlimited
    days: frozenset = frozenset()  # days used in the period
    away_days: frozenset = frozenset()  # days used away from the home site, in the month

    @property
    def used(self) -> int:
        return len(self.days)

    @property
    def away_used(self) -> int:
        return len(self.away_days)

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)

    @property
    def away_cap(self) -> int | None:
        return self.subscription.plan.away_cap_days


@dataclass
class QuotaBalance:
    quota: Quota
    used: int

    @property
    def left(self) -> int:
        return max(0, self.quota.included_per_month - self.used)


@dataclass
class Balance:
    today: dt.date
    subscriptions: list[SubscriptionBalance] = field(default_factory=list)
    wallets: list[TicketWallet] = field(default_factory=list)
    passes: list[PassPurchase] = field(default_factory=list)
    price_groups: list[PriceGroupMembership] = field(default_factory=list)
    quotas: list[QuotaBalance] = field(default_factory=list)
    recent: list[Consumption] = field(default_factory=list)


def subscription_balance(sub: Subscription, day: dt.date) -> SubscriptionBalance:
    """The balance of the period holding `day` (one query when the subscription runs that
    day; pauses are read from `sub.pauses.all()`, prefetch them)."""
    span = Span.of(sub)
    if not (sub.starts_on <= day and (sub.ends_on is None or day <= sub.ends_on)):
        return SubscriptionBalance(sub, is_current=False)
    allowed, first, last = allowance_in_period(sub.plan, span, day)
    month_first, month_last = month_bounds(day)
    used = set(Consumption.objects.filter(
        subscription=sub, reversed_at__isnull=True, day__gte=min(first, month_first),
        day__lte=max(last, month_last)).values_list("day", "site_id"))
    home = sub.home_site_id
    return SubscriptionBalance(
        sub, is_current=True, paused_today=span.is_paused(day), period=(first, last),
        allowed=allowed, days=frozenset(d for d, _s in used if first <= d <= last),
        away_days=frozenset(d for d, s in used if month_first <= d <= month_last
                            and home is not None and s != home))


def with_tickets_left(wallets):
    """Annotate `used` (tickets taken by live consumption rows) and `left`."""
    return wallets.annotate(used=Coalesce(
        Sum("consumptions__tickets", filter=Q(consumptions__reversed_at__isnull=True)), 0,
        output_field=IntegerField())).annotate(
        left=ExpressionWrapper(F("tickets") - F("used"), output_field=IntegerField()))


def member_balance(member, *, today: dt.date) -> Balance:
    balance = Balance(today)
    subs = (Subscription.objects.filter(member=member).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)).select_related(
        "plan", "home_site", "payer_organisation").prefetch_related("pauses")
        .order_by("starts_on"))
    balance.subscriptions = [subscription_balance(s, today) for s in subs]
    balance.wallets = list(with_tickets_left(TicketWallet.objects.filter(
        member=member, valid_until__gte=today)).select_related("book").order_by(
        "valid_until", "pk"))
    balance.passes = list(PassPurchase.objects.filter(
        member=member, valid_until__gte=today).select_related("pass_product", "site").order_by(
        "valid_from", "pk"))
    balance.price_groups = list(PriceGroupMembership.objects.filter(member=member).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)).select_related("price_group"))
    first, last = month_bounds(today)
    used = dict(QuotaUsage.objects.filter(member=member, used_on__gte=first, used_on__lte=last)
                .values("quota").annotate(n=Sum("quantity")).values_list("quota", "n"))
    plans = [b.subscription.plan_id for b in balance.subscriptions if b.is_current]
    balance.quotas = [QuotaBalance(q, used.get(q.pk, 0)) for q in Quota.objects.filter(
        Q(plan__isnull=True) | Q(plan_id__in=plans) | Q(pk__in=list(used)),
        network_id=member.network_id).order_by("name")]
    balance.recent = list(Consumption.objects.filter(member=member).select_related(
        "booking__resource", "site", "subscription__plan", "wallet__book",
        "pass_purchase__pass_product").order_by("-day", "-pk")[:RECENT_LIMIT])
    return balance
