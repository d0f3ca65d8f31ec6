"""Read queries of the public directory: every active place of every network of the
installation, located, filtered and sorted by estimated minutes by car from a commune.

A search runs a fixed number of queries whatever the number of places (tested)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Exists, OuterRef

from bookings import capacity
from bookings.models import OCCUPYING_STATUSES, Booking
from bookings.selectors import day_schedules
from places.models import Resource, ResourceBlock, ResourceKind, Site
from places.schedule import SiteSchedule
from territory.models import Commune
from territory.travel import TravelModel, haversine_km

# Filter key -> Site boolean field; the resource kinds are filtered through the resources.
SERVICE_FIELDS = {
    "visio": "has_visio",
    "imprimante": "has_printer",
    "casiers": "has_lockers",
    "cuisine": "has_kitchen",
    "pmr": "step_free_access",
    "parking": "has_parking",
    "velo": "has_bike_parking",
    "cabine": "has_phone_booth",
    "24h": "members_24_7",
}
RESOURCE_SERVICES = {
    "salle": ResourceKind.MEETING_ROOM,
    "bureau": ResourceKind.PRIVATE_OFFICE,
}
DESK_KINDS = (ResourceKind.OPEN_SPACE, ResourceKind.FIXED_DESK)


@dataclass
class Place:
    site: Site
    latitude: float | None = None
    longitude: float | None = None
    mountain: bool = False
    minutes: float | None = None
    km: float | None = None
    open_now: bool | None = None
    free_desks: int | None = None
    services: list[str] = field(default_factory=list)


def public_sites():
    return (Site.objects.filter(is_active=True, network__isnull=False)
            .select_related("network").order_by("name", "pk"))


def locate(sites) -> list[Place]:
    """Places at their own coordinates, else at their commune's centre (one query)."""
    communes = {c.insee_code: c for c in Commune.objects.filter(
        insee_code__in={s.insee_code for s in sites})}
    places = []
    for site in sites:
        commune = communes.get(site.insee_code)
        place = Place(site, mountain=bool(commune and commune.mountain))
        if site.latitude is not None and site.longitude is not None:
            place.latitude, place.longitude = float(site.latitude), float(site.longitude)
        elif commune is not None and commune.has_coordinates:
            place.latitude, place.longitude = commune.latitude, commune.longitude
        places.append(place)
    return places


def add_travel(places: list[Place], origin: Commune, model: TravelModel | None = None) -> None:
    """Estimated minutes and road km by car from the origin commune (territory's model)."""
    model = model or TravelModel.from_settings()
    located = [p for p in places if p.latitude is not None]
    if not located or not origin.has_coordinates:
        return
    lat = np.array([p.latitude for p in located])
    lon = np.array([p.longitude for p in located])
    mountain = np.array([p.mountain for p in located]) | bool(origin.mountain)
    km = haversine_km(origin.latitude, origin.longitude, lat, lon)
    minutes = model.minutes_for_km(km, mountain)
    road = km * model.detour * np.where(mountain, model.mountain_detour, 1.0)
    for place, m, r in zip(located, minutes, road):
        place.minutes, place.km = float(m), float(r)


def _free_desks(sites, schedules: dict[int, SiteSchedule], day: dt.date, slot: str):
    """Free desk seats per site on a slot ('morning', 'afternoon', 'day'), all networks at
    once (three queries): open-space seats and fixed desks neither taken nor blocked."""
    spans = {}
    for site in sites:
        span = schedules[site.pk].slot(day, slot)
        if span:
            spans[site.pk] = span
    desks = defaultdict(list)
    for r in Resource.objects.filter(site__in=list(spans), kind__in=DESK_KINDS, is_active=True):
        desks[r.site_id].append(r)
    desk_ids = [r.pk for rs in desks.values() for r in rs]
    taken, blocked = defaultdict(list), defaultdict(list)
    if desk_ids:
        lo = min(s for s, _ in spans.values())
        hi = max(e for _, e in spans.values())
        for rid, s, e, seats in Booking.objects.filter(
                resource_id__in=desk_ids, status__in=OCCUPYING_STATUSES, start__lt=hi,
                end__gt=lo, start__gt=lo - capacity.MAX_BOOKING_SPAN,
        ).order_by().values_list("resource_id", "start", "end", "seats"):
            taken[rid].append((s, e, seats))
        for rid, s, e in ResourceBlock.objects.filter(
                resource_id__in=desk_ids, start__lt=hi, end__gt=lo,
        ).order_by().values_list("resource_id", "start", "end"):
            blocked[rid].append((s, e))
    out = {}
    for site in sites:
        span = spans.get(site.pk)
        if span is None:
            out[site.pk] = 0
            continue
        s, e = span
        out[site.pk] = sum(
            max(0, r.seats - capacity.peak_seats(taken[r.pk], s, e))
            for r in desks[site.pk]
            if not any(bs < e and be > s for bs, be in blocked[r.pk]))
    return out


@dataclass
class Filters:
    services: list[str] = field(default_factory=list)
    open_now: bool = False
    open_on: dt.date | None = None
    desk_on: dt.date | None = None
    desk_slot: str = "morning"


def search_places(*, origin: Commune | None, filters: Filters, now: dt.datetime) -> list[Place]:
    """Active places of all networks matching the filters, nearest first by minutes by car
    from `origin` (by name without an origin; places without coordinates last)."""
    qs = public_sites()
    for key in filters.services:
        if key in SERVICE_FIELDS:
            qs = qs.filter(**{SERVICE_FIELDS[key]: True})
        elif key in RESOURCE_SERVICES:
            qs = qs.filter(Exists(Resource.objects.filter(
                site=OuterRef("pk"), kind=RESOURCE_SERVICES[key], is_active=True)))
    sites = list(qs)
    if filters.open_now and sites:
        today = now.astimezone(sites[0].network.tz).date()
        schedules = day_schedules(sites, today)
        sites = [s for s in sites if _is_open_at(schedules[s.pk], now)]
    if filters.open_on and sites:
        schedules = day_schedules(sites, filters.open_on)
        sites = [s for s in sites if schedules[s.pk].day(filters.open_on).is_open]
    free = None
    if filters.desk_on and sites:
        schedules = day_schedules(sites, filters.desk_on)
        free = _free_desks(sites, schedules, filters.desk_on, filters.desk_slot)
        sites = [s for s in sites if free[s.pk] > 0]
    places = locate(sites)
    if free is not None:
        for place in places:
            place.free_desks = free[place.site.pk]
    if origin is not None:
        add_travel(places, origin)
    places.sort(key=lambda p: (p.minutes is None, p.minutes or 0, p.site.name))
    return places


def _is_open_at(schedule: SiteSchedule, now: dt.datetime) -> bool:
    local = now.astimezone(schedule.tz)
    return any(a <= local.time() < b for a, b in schedule.day(local.date()).intervals)


def resolve_origin(text: str = "", insee: str = "") -> tuple[Commune | None, list[Commune]]:
    """The commune a search starts from (an explicit INSEE code wins, else the best match of
    the text) and the other candidates to offer."""
    from territory.selectors import search_communes

    if insee:
        commune = Commune.objects.filter(insee_code=insee).first()
        if commune is not None:
            return commune, []
    if not text.strip():
        return None, []
    matches = search_communes(text, limit=8)
    if not matches:
        return None, []
    located = [c for c in matches if c.has_coordinates]
    best = located[0] if located else matches[0]
    return best, [c for c in matches if c.pk != best.pk]


def place_detail(network_slug: str, site_slug: str):
    """An active public place with its resources, hours and upcoming closures, or None."""
    return (Site.objects.filter(network__slug=network_slug, slug=site_slug, is_active=True)
            .select_related("network").first())
