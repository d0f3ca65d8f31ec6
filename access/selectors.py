"""Reads about presence: who is here now, today's walk-ins, a member's access history."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from access.models import AccessDecision, Kiosk, PresenceDirection, PresenceEvent, Visit
from places.schedule import combine_local


def local_day_bounds(network, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = network.tz
    return combine_local(day, dt.time(0), tz), combine_local(day + dt.timedelta(days=1),
                                                             dt.time(0), tz)


@dataclass
class Present:
    key: str
    name: str
    since: dt.datetime
    source: str
    member: object | None = None
    visit: Visit | None = None

    @property
    def is_visitor(self) -> bool:
        return self.visit is not None


def here_now(site, *, now: dt.datetime, visible_only: bool = False) -> list[Present]:
    """People whose last event at this site today is an arrival (doors only see entries, so
    a person stays "here" until the day ends or the concierge records their departure).
    `visible_only` keeps members who agreed to be seen by other members (and no visitors)."""
    start, _end = local_day_bounds(site.network, now.astimezone(site.network.tz).date())
    events = (PresenceEvent.objects.filter(site=site, at__gte=start, at__lte=now)
              .select_related("member__user", "member__access", "visit").order_by("at", "pk"))
    people: dict[str, Present | None] = {}
    for e in events:
        key = f"m{e.member_id}" if e.member_id else f"v{e.visit_id}"
        if e.direction == PresenceDirection.DEPARTURE:
            people[key] = None
        elif people.get(key) is None:
            name = e.member.display_name if e.member_id else e.visit.name
            people[key] = Present(key, name, e.at, e.source, e.member, e.visit)
    present = [p for p in people.values() if p is not None]
    if visible_only:
        present = [p for p in present if p.member is not None
                   and getattr(getattr(p.member, "access", None), "show_presence", False)]
    return sorted(present, key=lambda p: p.since)


def walk_ins_on(site, day: dt.date) -> list[Visit]:
    """The day's visits at a site; a visit with a day pass carries `pass_balance` (what
    remains to pay on its invoice; 0 when paid), in one more query."""
    from billing.models import Invoice
    from billing.selectors import with_balances

    start, end = local_day_bounds(site.network, day)
    visits = list(Visit.objects.filter(site=site, created_at__gte=start, created_at__lt=end)
                  .select_related("invited_by__user", "day_pass__invoice",
                                  "day_pass__pass_product").order_by("created_at"))
    invoice_ids = [v.day_pass.invoice_id for v in visits if v.day_pass_id
                   and v.day_pass.invoice_id]
    balances = dict(with_balances(Invoice.objects.filter(pk__in=invoice_ids))
                    .values_list("pk", "balance")) if invoice_ids else {}
    for v in visits:
        v.pass_balance = balances.get(v.day_pass.invoice_id) if v.day_pass_id else None
    return visits


def recent_decisions(member, limit: int = 20) -> list[AccessDecision]:
    return list(AccessDecision.objects.filter(member=member)
                .select_related("site", "controller").order_by("-at")[:limit])


def kiosk_for_token(token: str) -> Kiosk | None:
    if not token:
        return None
    return (Kiosk.objects.select_related("site__network")
            .filter(token_hash=hashlib.sha256(token.encode()).hexdigest(), is_active=True)
            .first())


def host_for_email(network, email: str):
    """The active member of `network` with this e-mail (a guest names who invited them)."""
    from members.models import Member

    return (Member.objects.select_related("user")
            .filter(network=network, is_active=True, user__email__iexact=email.strip())
            .first())
