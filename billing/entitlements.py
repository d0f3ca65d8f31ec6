"""The access provider billing offers (settings.ACCESS_ENTITLEMENTS_PROVIDER =
"billing.entitlements.billing_provider"): the rights staff set, plus "unpaid" when a member
owes an invoice beyond the access policy's grace period. Two queries, whatever the number of
members. Plans' 24/7 flag and end date will plug in here when subscriptions are sold."""

from __future__ import annotations

from dataclasses import replace

from access.entitlements import staff_granted
from billing.selectors import unpaid_member_ids


def billing_provider(network, member_ids, *, now, grace_days):
    member_ids = list(member_ids)
    granted = staff_granted(network, member_ids, now=now, grace_days=grace_days)
    unpaid = unpaid_member_ids(network, member_ids, today=now.astimezone(network.tz).date(),
                               grace_days=grace_days)
    return {mid: replace(ents, unpaid_overdue=True, source="billing") if mid in unpaid else ents
            for mid, ents in granted.items()}
