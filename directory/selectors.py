"""Read queries of the public directory: every active place of every network of the
installation, located, filtered and sorted by estimated minutes by car from a commune.

A search runs a fixed number of queries whatever the number of places (tested)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Exists, OuterRef

from bookings import capacity
from bookings.models import OCCUPYING_STATUSES, Booking
from bookings.selectors import day_schedules
from places.models import Resource, ResourceBlock, ResourceKind, Site
from places.schedule import SiteSchedule
from territory.models import Commune, ExternalPlace
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
    network: str = ""  # a network slug: only its places

    @property
    def by_schedule(self) -> bool:
        return bool(self.open_now or self.open_on or self.desk_on)


@dataclass(frozen=True)
class Origin:
    """A point a search starts from when it is not a commune (the browser's location)."""

    latitude: float
    longitude: float
    mountain: bool = False  # unknown for a bare point: the plain model
    name: str = ""

    has_coordinates = True


@dataclass
class SearchResult:
    places: list[Place]  # the requested page, nearest first
    count: int  # every match, all pages


def _filtered_sites(filters: Filters):
    qs = public_sites()
    if filters.network:
        qs = qs.filter(network__slug=filters.network)
    for key in filters.services:
        if key in SERVICE_FIELDS:
            qs = qs.filter(**{SERVICE_FIELDS[key]: True})
        elif key in RESOURCE_SERVICES:
            qs = qs.filter(Exists(Resource.objects.filter(
                site=OuterRef("pk"), kind=RESOURCE_SERVICES[key], is_active=True)))
    return qs


def _ranked_ids(qs, origin, model: TravelModel, max_minutes, radius_km):
    """Phase 1, on bare coordinates (two light queries, no model instances): every matching
    place's minutes from the origin, the distance limits applied, nearest first. Only the
    places of the requested page are then loaded as objects (phase 2)."""
    rows = list(qs.values_list("pk", "latitude", "longitude", "insee_code", "name"))
    codes = {r[3] for r in rows if r[3]}
    communes = {code: (lat, lon, bool(mountain)) for code, lat, lon, mountain in
                Commune.objects.filter(insee_code__in=codes).values_list(
                    "insee_code", "latitude", "longitude", "mountain")}
    n = len(rows)
    lat, lon = np.full(n, np.nan), np.full(n, np.nan)
    mountain = np.zeros(n, bool)
    for i, (_pk, slat, slon, code, _name) in enumerate(rows):
        commune = communes.get(code)
        if commune:
            mountain[i] = commune[2]
        if slat is not None and slon is not None:
            lat[i], lon[i] = float(slat), float(slon)
        elif commune and commune[0] is not None and commune[1] is not None:
            lat[i], lon[i] = commune[0], commune[1]
    if origin is None or not origin.has_coordinates or n == 0:
        return [r[0] for r in rows], {}
    mountain |= bool(origin.mountain)
    km = haversine_km(origin.latitude, origin.longitude, lat, lon)
    minutes = model.minutes_for_km(km, mountain)
    road = km * model.detour * np.where(mountain, model.mountain_detour, 1.0)
    keep = np.ones(n, bool)
    located = ~np.isnan(km)
    if max_minutes is not None:
        keep &= located & (minutes <= max_minutes)
    if radius_km is not None:
        keep &= located & (road <= radius_km)
    idx = np.flatnonzero(keep)
    order = sorted(idx, key=lambda i: (not located[i], minutes[i] if located[i] else 0,
                                       rows[i][4]))
    travel = {rows[i][0]: (float(minutes[i]), float(road[i])) for i in idx if located[i]}
    return [rows[i][0] for i in order], travel


def search(*, origin=None, filters: Filters, now: dt.datetime, limit: int | None = None,
           offset: int = 0, max_minutes: float | None = None,
           radius_km: float | None = None, model: TravelModel | None = None) -> SearchResult:
    """Active places of all networks matching the filters, nearest first by minutes by car
    from `origin` (a Commune or an Origin; by name without one, places without coordinates
    last), within `max_minutes` / `radius_km` (road km) when given, one page of them.

    Service filters run in SQL, distances on coordinates only; the schedule filters (open
    now, open on, free desk) then read the candidates' schedules, so they cost in proportion
    to the places within reach rather than to the whole directory."""
    model = model or TravelModel.from_settings()
    ids, travel = _ranked_ids(_filtered_sites(filters), origin, model, max_minutes, radius_km)
    free = None
    if filters.by_schedule:
        by_pk = public_sites().in_bulk(ids)
        sites = [by_pk[pk] for pk in ids]
        sites, free = _schedule_filter(sites, filters, now)
        count = len(sites)
        sites = sites[offset:None if limit is None else offset + limit]
    else:
        count = len(ids)
        page = ids[offset:None if limit is None else offset + limit]
        by_pk = public_sites().in_bulk(page)
        sites = [by_pk[pk] for pk in page]
    places = locate(sites)
    for place in places:
        if free is not None:
            place.free_desks = free[place.site.pk]
        if place.site.pk in travel:
            place.minutes, place.km = travel[place.site.pk]
    return SearchResult(places, count)


def _schedule_filter(sites, filters: Filters, now: dt.datetime):
    if filters.open_now and sites:
        # Each place is open or not in its own network's time zone (one pair of queries per
        # distinct local date, i.e. one in practice).
        by_day = defaultdict(list)
        for site in sites:
            by_day[now.astimezone(site.network.tz).date()].append(site)
        schedules = {}
        for day, group in by_day.items():
            schedules.update(day_schedules(group, day))
        sites = [s for s in sites if _is_open_at(schedules[s.pk], now)]
    if filters.open_on and sites:
        schedules = day_schedules(sites, filters.open_on)
        sites = [s for s in sites if schedules[s.pk].day(filters.open_on).is_open]
    free = None
    if filters.desk_on and sites:
        schedules = day_schedules(sites, filters.desk_on)
        free = _free_desks(sites, schedules, filters.desk_on, filters.desk_slot)
        sites = [s for s in sites if free[s.pk] > 0]
    return sites, free


def search_places(*, origin, filters: Filters, now: dt.datetime) -> list[Place]:
    """Every match, nearest first (see `search`)."""
    return search(origin=origin, filters=filters, now=now).places


def census_places(origin, *, max_minutes: float = 30, limit: int = 10,
                  model: TravelModel | None = None) -> list[dict]:
    """Third places of the open census files (territory.ExternalPlace: not run with maillage,
    not bookable) within `max_minutes` by car, nearest first. A bounding box in SQL picks
    the candidates, the travel model ranks them."""
    if origin is None or not origin.has_coordinates:
        return []
    model = model or TravelModel.from_settings()
    reach = model.max_km(max_minutes)
    dlat = reach / 111.0
    dlon = reach / max(1.0, 111.0 * math.cos(math.radians(origin.latitude)))
    rows = list(ExternalPlace.objects.filter(
        latitude__gte=origin.latitude - dlat, latitude__lte=origin.latitude + dlat,
        longitude__gte=origin.longitude - dlon, longitude__lte=origin.longitude + dlon,
    ).values("name", "address", "postcode", "city", "website", "credit", "latitude",
             "longitude"))
    if not rows:
        return []
    lat = np.array([r["latitude"] for r in rows])
    lon = np.array([r["longitude"] for r in rows])
    mountain = bool(origin.mountain)
    km = haversine_km(origin.latitude, origin.longitude, lat, lon)
    minutes = model.minutes_for_km(km, mountain)
    road = km * model.detour * (model.mountain_detour if mountain else 1.0)
    found = []
    for row, m, r in zip(rows, minutes, road):
        if m <= max_minutes:
            found.append({**row, "minutes": float(m), "km": float(r)})
    found.sort(key=lambda p: (p["minutes"], p["name"]))
    return found[:limit]


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
