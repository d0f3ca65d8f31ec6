"""Attendance figures computed from presence (door, QR, concierge, kiosk), not from bookings:
what funders ask for.

Definitions (a "person" is a member, or a walk-in visitor identified by e-mail; days are local):
- visits: distinct (person, site, day) — one person at two sites the same day is two visits;
- guest visits: the visits of guests — people a member invited (kiosk "invited by", or an
  invitation code) and guest bookings without a member account;
- person-days: distinct (person, day);
- unique people: distinct persons in the period;
- new people: present in the period and never before it (at the sites considered);
- regulars over 30 / 90 days: people present at least N distinct days in the 30 / 90 days
  ending on the period's last day (N chosen by the reader, 4 by default).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from access.models import PresenceDirection, PresenceEvent
from access.selectors import local_day_bounds
from members.models import MemberStatus


@dataclass
class Split:
    label: str
    unique: int
    person_days: int


@dataclass
class Attendance:
    first: dt.date
    last: dt.date
    visits: int = 0
    guest_visits: int = 0
    person_days: int = 0
    unique: int = 0
    new: int = 0
    regulars_30: int = 0
    regulars_90: int = 0
    regular_days: int = 4
    by_status: list[Split] = field(default_factory=list)
    by_commune: list[Split] = field(default_factory=list)


def _person(row) -> str:
    return f"m{row['member_id']}" if row["member_id"] else f"e{row['visit__email']}"


def attendance(network, *, sites, first: dt.date, last: dt.date,
               regular_days: int = 4) -> Attendance:
    tz = network.tz
    site_ids = [s.pk for s in sites]
    lookback_start = min(first, last - dt.timedelta(days=89))
    start = local_day_bounds(network, lookback_start)[0]
    end = local_day_bounds(network, last)[1]
    period_start = local_day_bounds(network, first)[0]
    rows = (PresenceEvent.objects.filter(network=network, site_id__in=site_ids,
                                         direction=PresenceDirection.ARRIVAL,
                                         at__gte=start, at__lt=end)
            .values("member_id", "visit__email", "site_id", "at", "member__status",
                    "member__home_commune", "visit__status", "visit__home_commune",
                    "visit__invited_by_id", "visit__booking_id", "booking_id"))
    report = Attendance(first, last, regular_days=regular_days)
    visits, guest_visits, person_days, days_of = set(), set(), set(), defaultdict(set)
    profile = {}
    for row in rows:
        person = _person(row)
        day = row["at"].astimezone(tz).date()
        days_of[person].add(day)
        if first <= day <= last:
            visits.add((person, row["site_id"], day))
            if not row["member_id"] and (row["visit__invited_by_id"] or row["visit__booking_id"]
                                         or row["booking_id"]):
                guest_visits.add((person, row["site_id"], day))
            person_days.add((person, day))
            profile[person] = (
                row["member__status"] or row["visit__status"] or MemberStatus.OTHER,
                (row["member__home_commune"] or row["visit__home_commune"] or "").strip())
    report.visits, report.person_days, report.unique = len(visits), len(person_days),\
        len(profile)
    report.guest_visits = len(guest_visits)
    seen_before = set()
    for row in (PresenceEvent.objects.filter(network=network, site_id__in=site_ids,
                                             at__lt=period_start)
                .values("member_id", "visit__email").distinct()):
        seen_before.add(_person(row))
    report.new = len(set(profile) - seen_before)
    for window, attr in ((30, "regulars_30"), (90, "regulars_90")):
        since = last - dt.timedelta(days=window - 1)
        setattr(report, attr, sum(
            1 for days in days_of.values()
            if sum(1 for d in days if since <= d <= last) >= regular_days))
    status_people, status_days = Counter(), Counter()
    commune_people, commune_days = Counter(), Counter()
    for status, commune in profile.values():
        status_people[status] += 1
        commune_people[commune] += 1
    for person, _day in person_days:
        status, commune = profile[person]
        status_days[status] += 1
        commune_days[commune] += 1
    labels = dict(MemberStatus.choices)
    report.by_status = sorted(
        (Split(str(labels.get(s, s)), status_people[s], status_days[s]) for s in status_people),
        key=lambda x: (-x.person_days, x.label))
    report.by_commune = sorted(
        (Split(c or _("non renseignée"), commune_people[c], commune_days[c])
         for c in commune_people), key=lambda x: (-x.person_days, x.label))
    return report
