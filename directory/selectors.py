"""Read queries of the public directory: every active place of every network of the
installation, located, filtered and sorted by estimated minutes by car from a commune.

A search runs a fixed number of queries whatever the number of places (tested)."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import Exists, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce

from bookings import capacity
from bookings.models import OCCUPYING_STATUSES, Booking
from bookings.selectors import day_schedules
from directory import prices
from places.models import (
    Network,
    OpeningException,
    OpeningHours,
    Resource,
    ResourceBlock,
    ResourceKind,
    Site,
)
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
    price_from: Decimal | None = None  # desk price from (directory/prices.py), as paid
    price_basis: str = ""  # "ttc" or "franchise" when price_from is set


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
    max_price: Decimal | None = None  # desk price from at most this (directory/prices.py)

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


def _filtered_sites(filters: Filters, now: dt.datetime | None = None):
    """Service, network and opening filters in SQL (the free-desk filter needs the bookings:
    it runs on the candidates in Python)."""
    qs = public_sites()
    if filters.network:
        qs = qs.filter(network__slug=filters.network)
    for key in filters.services:
        if key in SERVICE_FIELDS:
            qs = qs.filter(**{SERVICE_FIELDS[key]: True})
        elif key in RESOURCE_SERVICES:
            qs = qs.filter(Exists(Resource.objects.filter(
                site=OuterRef("pk"), kind=RESOURCE_SERVICES[key], is_active=True)))
    if filters.open_now and now is not None:
        # Each place in its own network's time zone: the networks of each zone (a few rows;
        # one zone, the usual case, needs no condition on the network).
        zones = defaultdict(list)
        for pk, zone in Network.objects.order_by().values_list("pk", "timezone"):
            zones[zone].append(pk)
        qs = qs.filter(_open_q([(None if len(zones) == 1 else ids, *_local(now, zone))
                                for zone, ids in sorted(zones.items())]))
    if filters.open_on:
        qs = qs.filter(_open_q([(None, filters.open_on, None)]))
    if filters.max_price is not None:
        qs = qs.filter(prices.desk_price_condition(filters.max_price))
    return qs


def _local(now: dt.datetime, zone: str) -> tuple[dt.date, dt.time]:
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    return local.date(), local.time()


def _open_q(moments) -> Q:
    """Open at one of `moments` — (network ids or None for all, their local day, local time
    or None for "some time that day") — as SiteSchedule.day reads it: an exception covering
    the day replaces the weekly hours (when exceptions overlap, a closure wins).

    Four uncorrelated sub-queries (site ids of the weekly hours open then, of the exceptions
    covering the day, open then, closed): the database evaluates each once per statement,
    not once per place, so the cost no longer grows with places × conditions."""
    covering, special, weekly = Q(pk__in=[]), Q(pk__in=[]), Q(pk__in=[])
    for networks, day, at in moments:
        in_zone = Q(network_id__in=networks) if networks is not None else Q()
        covers = in_zone & Q(start_date__lte=day, end_date__gte=day)
        covering |= covers
        weekly_q = in_zone & Q(weekday=day.weekday())
        special_q = covers & Q(closed=False)
        if at is not None:
            weekly_q &= Q(opens__lte=at, closes__gt=at)
            special_q &= Q(opens__lte=at, closes__gt=at)
        weekly |= weekly_q
        special |= special_q
    exceptions = OpeningException.objects.order_by()
    covered = exceptions.filter(covering)

    def ids(qs):
        return qs.values("site_id")

    return ((Q(pk__in=ids(exceptions.filter(special)))
             & ~Q(pk__in=ids(covered.filter(closed=True))))
            | (Q(pk__in=ids(OpeningHours.objects.order_by().filter(weekly)))
               & ~Q(pk__in=ids(covered))))


# Great-circle radii (km) tried in turn to find the nearest places without reading them all.
SEARCH_RADII = (40.0, 120.0, 400.0)


def _located(qs):
    commune = Commune.objects.filter(insee_code=OuterRef("insee_code"))
    return qs.annotate(
        lat=Coalesce(Cast("latitude", FloatField()), Subquery(commune.values("latitude")[:1])),
        lon=Coalesce(Cast("longitude", FloatField()),
                     Subquery(commune.values("longitude")[:1])),
        mountain_zone=Subquery(commune.values("mountain")[:1]))


def _box(qs, origin, km: float):
    """Places within a box around the origin: by their own coordinates, else by their
    commune's centre. The communes in the box are one uncorrelated sub-query, restricted to
    the communes of places without coordinates (index look-ups by INSEE code, evaluated once):
    a look-up per place instead made PostgreSQL's cost estimate cross `jit_above_cost` once
    the tables were analysed, and JIT compilation then cost ~40 ms a search."""
    dlat = km / 110.5
    dlon = km / max(1.0, 111.3 * math.cos(math.radians(min(89.0, abs(origin.latitude) + dlat))))
    lat = (origin.latitude - dlat, origin.latitude + dlat)
    lon = (origin.longitude - dlon, origin.longitude + dlon)
    unlocated = Site.objects.order_by().filter(latitude__isnull=True).values("insee_code")
    communes = Commune.objects.order_by().filter(insee_code__in=unlocated,
                                                 latitude__range=lat, longitude__range=lon)
    return qs.filter(Q(latitude__range=lat, longitude__range=lon)
                     | Q(latitude__isnull=True, insee_code__in=communes.values("insee_code")))


def _travel(rows, origin, model: TravelModel):
    """(minutes, road km, great-circle km) from the origin for (pk, lat, lon, mountain, …)."""
    lat = np.array([np.nan if r[1] is None else r[1] for r in rows], float)
    lon = np.array([np.nan if r[2] is None else r[2] for r in rows], float)
    mountain = np.array([bool(r[3]) for r in rows], bool) | bool(origin.mountain)
    km = haversine_km(origin.latitude, origin.longitude, lat, lon)
    minutes = model.minutes_for_km(km, mountain)
    road = km * model.detour * np.where(mountain, model.mountain_detour, 1.0)
    return minutes, road, km


def _ranked_ids(qs, origin, model: TravelModel, max_minutes, radius_km, wanted):
    """Phase 1, on bare coordinates (no model instances): the matching places' minutes from
    the origin, nearest first, with `wanted` of them at least when that many match. A bounding
    box in SQL reads only the places around the origin, widened until it holds enough (or the
    distance limit's box at once); the travel model then ranks those candidates only.
    Returns (ids, {id: (minutes, road km, lat, lon, mountain)}, count of all matches)."""
    fields = ("pk", "lat", "lon", "mountain_zone", "name")
    located = _located(qs.order_by())  # ranked here, not by the database
    if origin is None or not origin.has_coordinates:
        ids = list(qs.values_list("pk", flat=True))
        return ids, {}, len(ids)
    limit_km = None
    if max_minutes is not None:
        limit_km = model.max_km(max_minutes)
    if radius_km is not None:
        limit_km = min(limit_km or math.inf, radius_km / model.detour)
    if limit_km is not None:
        rows, complete = list(_box(located, origin, limit_km).values_list(*fields)), True
    else:
        total = qs.count()
        complete = False
        for km in SEARCH_RADII:
            rows = list(_box(located, origin, km).values_list(*fields))
            # Every place outside the circle inscribed in the box is at least `floor` minutes
            # away (plain roads are the fastest): with `wanted` places below it, the first
            # `wanted` are final.
            floor = float(model.minutes_for_km(km, bool(origin.mountain)))
            minutes = _travel(rows, origin, model)[0]
            if (int(np.count_nonzero(minutes <= floor)) >= wanted or len(rows) == total):
                break
        else:
            rows, complete = list(located.values_list(*fields)), True
    n = len(rows)
    minutes, road, km = _travel(rows, origin, model)
    keep = np.ones(n, bool)
    has_point = ~np.isnan(km)
    minutes = np.where(has_point, minutes, np.inf)
    if max_minutes is not None:
        keep &= has_point & (minutes <= max_minutes)
    if radius_km is not None:
        keep &= has_point & (road <= radius_km)
    idx = np.flatnonzero(keep)
    order = sorted(idx, key=lambda i: (not has_point[i], minutes[i] if has_point[i] else 0,
                                       rows[i][4]))
    travel = {rows[i][0]: (float(minutes[i]), float(road[i]), rows[i][1], rows[i][2],
                           bool(rows[i][3])) for i in idx if has_point[i]}
    count = len(order) if limit_km is not None or complete else total
    return [rows[i][0] for i in order], travel, count


def search(*, origin=None, filters: Filters, now: dt.datetime, limit: int | None = None,
           offset: int = 0, max_minutes: float | None = None,
           radius_km: float | None = None, model: TravelModel | None = None,
           with_prices: bool = True) -> SearchResult:
    """Active places of all networks matching the filters, nearest first by minutes by car
    from `origin` (a Commune or an Origin; by name without one, places without coordinates
    last), within `max_minutes` / `radius_km` (road km) when given, one page of them,
    with their desk price from (`with_prices`, two queries).

    Service and opening filters run in SQL, distances on coordinates only, and only the page's
    places are loaded; the free-desk filter reads the bookings of every candidate (bound it
    with max_minutes on large directories)."""
    model = model or TravelModel.from_settings()
    wanted = offset + limit if limit is not None else 10 ** 9
    ids, travel, count = _ranked_ids(_filtered_sites(filters, now), origin, model,
                                     max_minutes, radius_km, wanted)
    free = None
    if filters.desk_on:
        by_pk = public_sites().in_bulk(ids)
        sites = [by_pk[pk] for pk in ids]
        schedules = day_schedules(sites, filters.desk_on)
        free = _free_desks(sites, schedules, filters.desk_on, filters.desk_slot)
        sites = [s for s in sites if free[s.pk] > 0]
        count = len(sites)
        sites = sites[offset:None if limit is None else offset + limit]
    else:
        page = ids[offset:None if limit is None else offset + limit]
        by_pk = public_sites().in_bulk(page)
        sites = [by_pk[pk] for pk in page]
    if travel:  # located in phase 1 already
        places = []
        for site in sites:
            place = Place(site)
            if site.pk in travel:
                place.minutes, place.km, place.latitude, place.longitude, place.mountain = (
                    travel[site.pk])
            places.append(place)
    else:
        places = locate(sites)
    for place in places:
        if free is not None:
            place.free_desks = free[place.site.pk]
    if with_prices:
        prices.attach_desk_prices(places)
    return SearchResult(places, count)


def search_places(*, origin, filters: Filters, now: dt.datetime) -> list[Place]:
    """Every match, nearest first (see `search`)."""
    return search(origin=origin, filters=filters, now=now).places


# Census dedup (docs in directory/README.md): a census place within this distance of a place
# of ours (its own coordinates), or in the same commune under the same normalised name, is that
# place: it is not listed again among the census places.
SAME_PLACE_METRES = 150.0
NAME_NOISE = frozenset({
    "le", "la", "les", "l", "de", "du", "des", "d", "et", "a", "au", "aux", "en", "sur",
    "tiers", "lieu", "lieux", "tierslieu", "espace", "coworking", "co", "working",
})


def normalised_name(name: str) -> str:
    """Lower case, no accents, words only, without articles and the generic words of third
    places' names: "Le Tiers-Lieu de l'Étable" -> "etable", "La Cordée – Co-working" ->
    "cordee"."""
    import unicodedata

    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    kept = [w for w in words if w not in NAME_NOISE]
    return " ".join(kept or words)


def _dedup_census(rows: list[dict]) -> list[dict]:
    """Census rows that are not one of our active places (one query: our places in the rows'
    box with their own coordinates, or in the rows' communes)."""
    if not rows:
        return rows
    lats = [r["latitude"] for r in rows]
    lons = [r["longitude"] for r in rows]
    pad_lat = SAME_PLACE_METRES / 110_500 * 2
    pad_lon = pad_lat / max(0.1, math.cos(math.radians(max(abs(v) for v in lats))))
    ours = list(Site.objects.filter(
        Q(latitude__range=(min(lats) - pad_lat, max(lats) + pad_lat),
          longitude__range=(min(lons) - pad_lon, max(lons) + pad_lon))
        | Q(insee_code__in={r["insee_code"] for r in rows if r["insee_code"]}),
        is_active=True, network__isnull=False,
    ).order_by().values_list("insee_code", "name", "latitude", "longitude"))
    names = {(code, normalised_name(name)) for code, name, _, _ in ours}
    near = [(lat, lon) for _, _, lat, lon in ours if lat is not None and lon is not None]
    ours_lat = np.array([float(a) for a, _ in near], float)
    ours_lon = np.array([float(b) for _, b in near], float)
    kept = []
    for row in rows:
        if row["insee_code"] and (row["insee_code"], normalised_name(row["name"])) in names:
            continue
        if len(near) and float(np.min(haversine_km(row["latitude"], row["longitude"],
                                                   ours_lat, ours_lon))) * 1000 \
                < SAME_PLACE_METRES:
            continue
        kept.append(row)
    return kept


def census_places(origin, *, max_minutes: float = 30, limit: int = 10,
                  model: TravelModel | None = None) -> list[dict]:
    """Third places of the open census files (territory.ExternalPlace: not run with maillage,
    not bookable) within `max_minutes` by car, nearest first, without those that are one of
    our places (`_dedup_census`). A bounding box in SQL picks the candidates, the travel model
    ranks them."""
    if origin is None or not origin.has_coordinates:
        return []
    model = model or TravelModel.from_settings()
    reach = model.max_km(max_minutes)
    dlat = reach / 111.0
    dlon = reach / max(1.0, 111.0 * math.cos(math.radians(origin.latitude)))
    rows = list(ExternalPlace.objects.filter(
        latitude__gte=origin.latitude - dlat, latitude__lte=origin.latitude + dlat,
        longitude__gte=origin.longitude - dlon, longitude__lte=origin.longitude + dlon,
    ).values("name", "address", "postcode", "city", "insee_code", "website", "credit",
             "latitude", "longitude"))
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
    return _dedup_census(found)[:limit]


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


@dataclass
class WidgetPlace:
    place: Place
    open_today: bool
    free_morning: int
    free_afternoon: int


def widget_places(*, network: str = "", origin=None, max_minutes: float | None = None,
                  limit: int = 10, now: dt.datetime) -> list[WidgetPlace]:
    """Places for the embeddable widget, with today's free desks (morning, afternoon) in each
    place's own time zone: the nearest to `origin` or a network's by name."""
    result = search(origin=origin, filters=Filters(network=network), now=now, limit=limit,
                    max_minutes=max_minutes if origin is not None else None)
    sites = [p.site for p in result.places]
    by_day = defaultdict(list)
    for site in sites:
        by_day[now.astimezone(site.network.tz).date()].append(site)
    free_am, free_pm, open_today = {}, {}, {}
    for day, group in by_day.items():
        schedules = day_schedules(group, day)
        free_am.update(_free_desks(group, schedules, day, "morning"))
        free_pm.update(_free_desks(group, schedules, day, "afternoon"))
        open_today.update({s.pk: schedules[s.pk].day(day).is_open for s in group})
    return [WidgetPlace(p, open_today[p.site.pk], free_am[p.site.pk], free_pm[p.site.pk])
            for p in result.places]
