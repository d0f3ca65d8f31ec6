"""Opening hours in local time.

Everything a booking rule needs about a site's day — is it open, when, where the half-day
split falls — is computed here in the network's time zone, so DST days come out right.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places.models import OpeningException, OpeningHours, Site


@dataclass(frozen=True)
class DayHours:
    """A site's opening on one local date."""

    date: dt.date
    intervals: tuple[tuple[dt.time, dt.time], ...]
    closure_reason: str | None = None  # set when an exception closes the site that day

    @property
    def is_open(self) -> bool:
        return bool(self.intervals)

    @property
    def opens(self) -> dt.time | None:
        return self.intervals[0][0] if self.intervals else None

    @property
    def closes(self) -> dt.time | None:
        return self.intervals[-1][1] if self.intervals else None

    def describe(self) -> str:
        return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.intervals)


class SiteSchedule:
    """Opening hours and exceptions of one site, loaded once (two queries) for many dates."""

    def __init__(self, site: Site, hours=None, exceptions=None):
        self.site = site
        self.tz = site.network.tz
        if hours is None:
            hours = list(OpeningHours.objects.filter(site=site))
        if exceptions is None:
            exceptions = list(OpeningException.objects.filter(site=site))
        self.weekly: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
        for h in sorted(hours, key=lambda h: (h.weekday, h.opens)):
            self.weekly[h.weekday].append((h.opens, h.closes))
        self.exceptions = sorted(exceptions, key=lambda e: e.start_date)

    @classmethod
    def for_sites(cls, sites) -> dict[int, SiteSchedule]:
        """Schedules of several sites in two queries (for boards and network-wide views)."""
        sites = list(sites)
        ids = [s.pk for s in sites]
        hours, exceptions = defaultdict(list), defaultdict(list)
        for h in OpeningHours.objects.filter(site_id__in=ids):
            hours[h.site_id].append(h)
        for e in OpeningException.objects.filter(site_id__in=ids):
            exceptions[e.site_id].append(e)
        return {s.pk: cls(s, hours[s.pk], exceptions[s.pk]) for s in sites}

    @classmethod
    def for_day(cls, site: Site, date: dt.date) -> SiteSchedule:
        """The schedule of one site restricted to one local date, in a single query (the
        weekday's hours and the exceptions covering the date): the booking service's path."""
        from types import SimpleNamespace

        from django.db.models import BooleanField, CharField, DateField, IntegerField, Value

        hours = OpeningHours.objects.filter(site=site, weekday=date.weekday()).annotate(
            k=Value(0, IntegerField()), c=Value(False, BooleanField()),
            r=Value("", CharField()), sd=Value(None, DateField()), ed=Value(None, DateField()),
        ).order_by().values_list("k", "opens", "closes", "c", "r", "sd", "ed")
        exceptions = OpeningException.objects.filter(
            site=site, start_date__lte=date, end_date__gte=date
        ).annotate(k=Value(1, IntegerField())).order_by().values_list(
            "k", "opens", "closes", "closed", "reason", "start_date", "end_date")
        weekly, special = [], []
        for kind, opens, closes, closed, reason, start, end in hours.union(exceptions, all=True):
            if kind == 0:
                weekly.append(SimpleNamespace(weekday=date.weekday(), opens=opens, closes=closes))
            else:
                special.append(SimpleNamespace(start_date=start, end_date=end, closed=closed,
                                               opens=opens, closes=closes, reason=reason))
        return cls(site, weekly, special)

    def day(self, date: dt.date) -> DayHours:
        for exc in self.exceptions:
            if exc.start_date <= date <= exc.end_date:
                if exc.closed:
                    return DayHours(date, (), exc.reason or _("fermeture exceptionnelle"))
                return DayHours(date, ((exc.opens, exc.closes),))
        return DayHours(date, tuple(self.weekly.get(date.weekday(), ())))

    def local(self, date: dt.date, time: dt.time) -> dt.datetime:
        return combine_local(date, time, self.tz)

    def slot(self, date: dt.date, slot: str) -> tuple[dt.datetime, dt.datetime] | None:
        """The span of 'morning', 'afternoon' or 'day' on a date, or None if the site is closed
        then. The split is the site's half-day time (13:00 by default)."""
        hours = self.day(date)
        if not hours.is_open:
            return None
        split = self.site.half_day_split
        has_split = hours.opens < split < hours.closes
        if slot == "day":
            return self.local(date, hours.opens), self.local(date, hours.closes)
        if not has_split:
            return None
        if slot == "morning":
            return self.local(date, hours.opens), self.local(date, split)
        if slot == "afternoon":
            return self.local(date, split), self.local(date, hours.closes)
        raise ValueError(f"unknown slot {slot!r}")

    def half_day_slots(self, date: dt.date) -> list[tuple[str, dt.datetime, dt.datetime]]:
        out = []
        for name in ("morning", "afternoon"):
            span = self.slot(date, name)
            if span:
                out.append((name, *span))
        return out


def combine_local(date: dt.date, time: dt.time, tz) -> dt.datetime:
    """A local wall-clock time as an aware datetime; on the DST fold the first occurrence."""
    return dt.datetime.combine(date, time).replace(tzinfo=tz)


SLOT_LABELS = {
    "morning": gettext_lazy("matin"),
    "afternoon": gettext_lazy("après-midi"),
    "day": gettext_lazy("journée"),
}
