"""What a member holds, as facts the access rules read: the one place plans and billing
(issue 3) will plug in.

`ACCESS_ENTITLEMENTS_PROVIDER` (settings) names a function
`provider(network, member_ids, *, now, grace_days) -> {member_id: Entitlements}`; it is called
for one member per door decision and for every member when an allow-list is built, so it must
answer in a constant number of queries. Until plans exist, `staff_granted` reads the rights
staff set on each member (MemberAccess): 24/7 access and an end date; nobody is ever "unpaid".
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Entitlements:
    around_the_clock: bool = False
    access_until: dt.date | None = None  # last local day of access (plan end), None = open-ended
    unpaid_overdue: bool = False  # an invoice unpaid beyond the network's grace period
    source: str = "staff"

    def as_facts(self) -> dict:
        return {
            "around_the_clock": self.around_the_clock,
            "access_until": self.access_until.isoformat() if self.access_until else None,
            "unpaid_overdue": self.unpaid_overdue,
            "entitlements_source": self.source,
        }


# Rights already read with the credential at a door ({member_id: (24/7, access_until)}),
# so that staff_granted needs no query of its own there (see access.doors).
_preloaded: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "access_preloaded_rights", default=None)


@contextlib.contextmanager
def preloaded_rights(rights: dict):
    token = _preloaded.set(rights)
    try:
        yield
    finally:
        _preloaded.reset(token)


def staff_granted(network, member_ids, *, now, grace_days) -> dict[int, Entitlements]:
    """Rights set by staff on MemberAccess rows; members without a row hold nothing special."""
    from access.models import MemberAccess

    member_ids = list(member_ids)
    known = _preloaded.get()
    if known is not None and all(mid in known for mid in member_ids):
        return {mid: Entitlements(around_the_clock=bool(known[mid][0]),
                                  access_until=known[mid][1]) for mid in member_ids}
    rows = (MemberAccess.objects.filter(network=network, member_id__in=list(member_ids))
            .values_list("member_id", "around_the_clock", "access_until"))
    found = {mid: Entitlements(around_the_clock=clock, access_until=until)
             for mid, clock, until in rows}
    return {mid: found.get(mid, Entitlements()) for mid in member_ids}


def entitlements_for(network, member_ids, *, now, grace_days) -> dict[int, Entitlements]:
    provider = import_string(getattr(settings, "ACCESS_ENTITLEMENTS_PROVIDER",
                                     "access.entitlements.staff_granted"))
    return provider(network, member_ids, now=now, grace_days=grace_days)
