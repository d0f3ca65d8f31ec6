"""The access provider billing offers (settings.ACCESS_ENTITLEMENTS_PROVIDER =
"billing.entitlements.billing_provider"): the rights staff set, what the member's current
subscription gives, and "unpaid" when a member owes an invoice beyond the access policy's
grace period. Three queries, whatever the number of members.

A member whose subscription is current today (started, not ended) gets:
- `around_the_clock` when the plan has 24/7 access and today is not paused (or when staff
  granted it);
- `access_until` = the last day of the subscription, following changes of plan (a subscription
  starting the day after the previous one ends continues it); None when open-ended. A later
  end date set by staff wins.
Members without a current subscription keep what staff set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Exists, OuterRef, Q

from access.entitlements import staff_granted
from billing.models import Subscription, SubscriptionPause
from billing.selectors import unpaid_member_ids

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class PlanRights:
    around_the_clock: bool
    access_until: dt.date | None


def plan_rights(network, member_ids, *, today: dt.date) -> dict[int, PlanRights]:
    """What current subscriptions give, per member (one query)."""
    paused = SubscriptionPause.objects.filter(subscription=OuterRef("pk"), starts_on__lte=today,
                                              ends_on__gte=today)
    rows = (Subscription.objects.filter(network=network, member_id__in=list(member_ids))
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .annotate(paused_today=Exists(paused))
            .values_list("member_id", "starts_on", "ends_on", "paused_today",
                         "plan__around_the_clock")
            .order_by("member_id", "starts_on"))
    by_member: dict[int, list] = {}
    for row in rows:
        by_member.setdefault(row[0], []).append(row)
    rights = {}
    for member_id, subs in by_member.items():
        current = next((s for s in subs if s[1] <= today), None)
        if current is None:
            continue
        end = current[2]
        for _mid, starts_on, ends_on, _paused, _24 in subs:  # follow changes of plan
            if end is not None and starts_on == end + ONE_DAY:
                end = ends_on
        rights[member_id] = PlanRights(around_the_clock=current[4] and not current[3],
                                       access_until=end)
    return rights


def billing_provider(network, member_ids, *, now, grace_days):
    member_ids = list(member_ids)
    today = now.astimezone(network.tz).date()
    granted = staff_granted(network, member_ids, now=now, grace_days=grace_days)
    plans = plan_rights(network, member_ids, today=today)
    unpaid = unpaid_member_ids(network, member_ids, today=today, grace_days=grace_days)
    result = {}
    for mid, ents in granted.items():
        plan = plans.get(mid)
        if plan is not None:
            until = plan.access_until
            if until is not None and ents.access_until is not None:
                until = max(until, ents.access_until)
            ents = replace(ents, around_the_clock=ents.around_the_clock or plan.around_the_clock,
                           access_until=until, source="billing")
        if mid in unpaid:
            ents = replace(ents, unpaid_overdue=True, source="billing")
        result[mid] = ents
    return result
