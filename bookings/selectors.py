"""Read queries about bookings and availability. Each takes what it needs preloaded so list
pages and boards run a bounded number of queries whatever the number of bookings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch

from bookings import capacity
from bookings.errors import Alternative
from bookings.models import OCCUPYING_STATUSES, Booking
from places.models import BookingUnit, OpeningException, OpeningHours, Resource, ResourceBlock, Site
from places.schedule import SiteSchedule


def member_bookings(member, *, now, upcoming=True):
    qs = Booking.objects.filter(member=member).select_related("resource", "site", "network")
    if upcoming:
        return qs.filter(end__gt=now).order_by("start")
    return qs.filter(end__lte=now).order_by("-start")


def candidate_spans(resource: Resource, schedule: SiteSchedule, day: dt.date,
                    duration: dt.timedelta) -> list[tuple[dt.datetime, dt.datetime]]:
    """Spans of the same kind that could replace a refused one on a given day."""
    if resource.booking_unit == BookingUnit.HALF_DAY:
        if duration >= dt.timedelta(hours=6):
            names = ("day",)
        else:
            names = ("morning", "afternoon")
        return [s for s in (schedule.slot(day, n) for n in names) if s]
    if resource.booking_unit == BookingUnit.DAY:
        span = schedule.slot(day, "day")
        return [span] if span else []
    spans = []
    for opens, closes in schedule.day(day).intervals:
        start = schedule.local(day, opens)
        last = schedule.local(day, closes)
        while start + duration <= last:
            spans.append((start, start + duration))
            start += dt.timedelta(minutes=30)
    return spans


def find_alternatives(resource: Resource, start, end, seats=1, *, limit=3,
                      horizon_days=14) -> list[Alternative]:
    """Nearest free alternatives: the same span on a similar resource of the site, then the
    same resource at the nearest free time (same day first, then the following days)."""
    found: list[Alternative] = []
    siblings = Resource.objects.filter(site_id=resource.site_id, kind=resource.kind,
                                       is_active=True).exclude(pk=resource.pk)
    for other in siblings:
        if other.seats >= seats and capacity.is_free(other, start, end, seats):
            found.append(Alternative(other, start, end))
            if len(found) >= limit:
                return found
    schedule = SiteSchedule(resource.site)
    day = start.astimezone(schedule.tz).date()
    duration = end - start
    spans = []
    for offset in range(horizon_days + 1):
        spans.extend(candidate_spans(resource, schedule, day + dt.timedelta(days=offset),
                                     duration))
    spans = [s for s in spans if s != (start, end) and s[1] > start - dt.timedelta(hours=12)]
    spans.sort(key=lambda s: abs((s[0] - start).total_seconds()))
    if spans:
        lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
        taken = list(capacity.overlapping_bookings(resource, lo, hi).values_list(
            "start", "end", "seats"))
        blocks = list(ResourceBlock.objects.filter(resource=resource, start__lt=hi, end__gt=lo)
                      .values_list("start", "end"))
        for s, e in spans:
            if any(bs < e and be > s for bs, be in blocks):
                continue
            if capacity.peak_seats(taken, s, e) + seats <= resource.seats:
                found.append(Alternative(resource, s, e))
                if len(found) >= limit:
                    break
    return found


@dataclass
class BoardRow:
    resource: Resource
    bookings: list[Booking] = field(default_factory=list)
    blocks: list[ResourceBlock] = field(default_factory=list)
    free: dict[str, int] = field(default_factory=dict)  # slot name -> free seats


@dataclass
class DayBoard:
    site: Site
    date: dt.date
    hours: object
    rows: list[BoardRow]

    @property
    def total_bookings(self) -> int:
        return sum(len(r.bookings) for r in self.rows)


def day_board(site: Site, day: dt.date, *, schedule: SiteSchedule | None = None) -> DayBoard:
    """Every resource of a site with that day's bookings, blocks and free seats per half-day
    (5 queries whatever the number of bookings)."""
    schedule = schedule or SiteSchedule(site)
    tz = schedule.tz
    day_start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    day_end = day_start + dt.timedelta(days=1)
    bookings = (Booking.objects.filter(site=site, start__lt=day_end, end__gt=day_start)
                .select_related("member__user", "resource", "site", "network")
                .order_by("start"))
    resources = Resource.objects.filter(site=site, is_active=True).prefetch_related(
        Prefetch("blocks", queryset=ResourceBlock.objects.filter(start__lt=day_end,
                                                                  end__gt=day_start),
                 to_attr="day_blocks"))
    by_resource = defaultdict(list)
    for b in bookings:
        by_resource[b.resource_id].append(b)
    slots = schedule.half_day_slots(day) or (
        [("day", *schedule.slot(day, "day"))] if schedule.day(day).is_open else [])
    rows = []
    for resource in resources:
        row = BoardRow(resource, by_resource.get(resource.pk, []), resource.day_blocks)
        active = [(b.start, b.end, b.seats) for b in row.bookings if b.status in OCCUPYING_STATUSES]
        for name, s, e in slots:
            if any(bl.start < e and bl.end > s for bl in row.blocks):
                row.free[name] = 0
            else:
                row.free[name] = max(0, resource.seats - capacity.peak_seats(active, s, e))
        rows.append(row)
    return DayBoard(site, day, schedule.day(day), rows)


def day_schedules(sites, day: dt.date) -> dict[int, SiteSchedule]:
    """Schedules of several sites that know only `day`: that weekday's hours and the exceptions
    covering it, which is all SiteSchedule.day(day) reads (two queries, a few rows each
    instead of every site's whole calendar)."""
    ids = [s.pk for s in sites]
    hours, exceptions = defaultdict(list), defaultdict(list)
    for h in OpeningHours.objects.filter(site_id__in=ids, weekday=day.weekday()):
        hours[h.site_id].append(h)
    for e in OpeningException.objects.filter(site_id__in=ids, start_date__lte=day,
                                             end_date__gte=day):
        exceptions[e.site_id].append(e)
    return {s.pk: SiteSchedule(s, hours[s.pk], exceptions[s.pk]) for s in sites}


def free_slots(site: Site, day: dt.date, *, schedule: SiteSchedule | None = None):
    """Free seats per resource and slot of one site for one day: half-day slots for desks,
    30-minute steps for hourly resources. Returns {resource: [(start, end, free_seats)]}."""
    schedule = schedule or day_schedules([site], day)[site.pk]
    tz = schedule.tz
    day_start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    day_end = day_start + dt.timedelta(days=1)
    resources = list(Resource.objects.filter(site=site, is_active=True))
    spans_by_resource = defaultdict(list)
    for rid, s, e, seats in Booking.objects.filter(
            site=site, status__in=OCCUPYING_STATUSES, start__lt=day_end, end__gt=day_start,
            start__gt=day_start - capacity.MAX_BOOKING_SPAN,
    ).order_by().values_list("resource_id", "start", "end", "seats"):
        spans_by_resource[rid].append((s, e, seats))
    blocks = defaultdict(list)
    for rid, s, e in ResourceBlock.objects.filter(
            resource__site=site, start__lt=day_end, end__gt=day_start
    ).order_by().values_list("resource_id", "start", "end"):
        blocks[rid].append((s, e))
    # The candidate spans depend on the booking unit only: computed once per call.
    hourly, desks = None, None
    out = {}
    for resource in resources:
        if resource.booking_unit == BookingUnit.HOUR:
            if hourly is None:
                hourly = candidate_spans(resource, schedule, day, dt.timedelta(minutes=30))
            candidates = hourly
        else:
            if desks is None:
                desks = [(s, e) for _, s, e in schedule.half_day_slots(day)] or \
                    [s for s in [schedule.slot(day, "day")] if s]
            candidates = desks
        result = []
        taken = spans_by_resource[resource.pk]
        blocked = blocks[resource.pk]
        for s, e in candidates:
            if any(bs < e and be > s for bs, be in blocked):
                continue
            free = resource.seats - (capacity.peak_seats(taken, s, e) if taken else 0)
            if free > 0:
                result.append((s, e, free))
        out[resource] = result
    return out


def free_desks(network, day: dt.date) -> dict[Site, dict[str, int]]:
    """Free open-space seats per site and half-day across a network for a date (5 queries)."""
    sites = list(Site.objects.filter(network=network, is_active=True).select_related("network"))
    schedules = day_schedules(sites, day)
    tz = network.tz
    day_start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    day_end = day_start + dt.timedelta(days=1)
    desks = defaultdict(list)
    for r in Resource.objects.filter(network=network, kind="open_space", is_active=True):
        desks[r.site_id].append(r)
    spans = defaultdict(list)
    # By the desks' ids rather than a join on the kind: the (resource, start) index then reads
    # only those rows; bookings of inactive desks or sites were never used.
    desk_ids = [r.pk for site_desks in desks.values() for r in site_desks]
    for rid, s, e, seats in Booking.objects.filter(
            resource_id__in=desk_ids, status__in=OCCUPYING_STATUSES,
            start__lt=day_end, end__gt=day_start,
            start__gt=day_start - capacity.MAX_BOOKING_SPAN,
    ).order_by().values_list("resource_id", "start", "end", "seats"):
        spans[rid].append((s, e, seats))
    out = {}
    for site in sites:
        schedule = schedules[site.pk]
        per_slot = {}
        for name, s, e in schedule.half_day_slots(day):
            per_slot[name] = sum(max(0, r.seats - capacity.peak_seats(spans[r.pk], s, e))
                                 for r in desks[site.pk])
        out[site] = per_slot
    return out
