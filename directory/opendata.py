"""The places as open data (GeoJSON and CSV), schema in docs/open-data.md."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from django.conf import settings
from django.urls import reverse

from directory import prices as tariffs
from directory.selectors import SERVICE_FIELDS, locate, public_sites
from places.models import OpeningHours, Resource, ResourceKind

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
CSV_COLUMNS = ("id", "name", "network", "network_name", "address", "postcode", "city",
               "insee_code", "latitude", "longitude", "services", "opening_hours",
               "booking_url", "email", "phone", "price_from", "price_basis", "prices")


def osm_opening_hours(hours) -> str:
    """Weekly hours in OpenStreetMap's opening_hours syntax: "Mo-Fr 09:00-18:00; Sa 09:00-12:00".
    Consecutive days with the same intervals are grouped."""
    by_day = defaultdict(list)
    for h in sorted(hours, key=lambda h: (h.weekday, h.opens)):
        by_day[h.weekday].append(f"{h.opens:%H:%M}-{h.closes:%H:%M}")
    parts, day = [], 0
    while day < 7:
        if not by_day.get(day):
            day += 1
            continue
        end = day
        while end + 1 < 7 and by_day.get(end + 1) == by_day[day]:
            end += 1
        days = OSM_DAYS[day] if end == day else f"{OSM_DAYS[day]}-{OSM_DAYS[end]}"
        if end == day + 1:
            days = f"{OSM_DAYS[day]},{OSM_DAYS[end]}"
        parts.append(f"{days} {','.join(by_day[day])}")
        day = end + 1
    return "; ".join(parts)


def place_records() -> list[dict]:
    """One dict per active place of every network (four queries)."""
    return records_for(locate(list(public_sites())))


def records_for(places) -> list[dict]:
    """The open-data record of each located place (three queries)."""
    sites = [p.site for p in places]
    hours = defaultdict(list)
    for h in OpeningHours.objects.filter(site__in=sites):
        hours[h.site_id].append(h)
    kinds = defaultdict(set)
    for site_id, kind in Resource.objects.filter(site__in=sites, is_active=True).values_list(
            "site_id", "kind"):
        kinds[site_id].add(kind)
    catalogue = tariffs.network_prices({s.network_id for s in sites})
    base = settings.SITE_URL.rstrip("/")
    records = []
    for place in places:
        site = place.site
        services = [key for key, name in SERVICE_FIELDS.items() if getattr(site, name)]
        if ResourceKind.MEETING_ROOM in kinds[site.pk]:
            services.append("salle")
        if ResourceKind.PRIVATE_OFFICE in kinds[site.pk]:
            services.append("bureau")
        if site.wifi_mbps:
            services.append("wifi")
        network_prices = catalogue.get(site.network_id)
        unit_prices = network_prices.for_kinds(kinds[site.pk]) if network_prices else []
        price_from = network_prices.desk_price_from(kinds[site.pk]) if network_prices else None
        records.append({
            "id": f"{site.network.slug}/{site.slug}",
            "name": site.name,
            "network": site.network.slug,
            "network_name": site.network.name,
            "address": site.address,
            "postcode": site.postcode,
            "city": site.city,
            "insee_code": site.insee_code,
            "latitude": round(place.latitude, 6) if place.latitude is not None else None,
            "longitude": round(place.longitude, 6) if place.longitude is not None else None,
            "services": sorted(services),
            "opening_hours": osm_opening_hours(hours[site.pk]),
            "booking_url": base + reverse("directory_place", args=[site.network.slug,
                                                                    site.slug]),
            "email": site.email,
            "phone": site.phone,
            "price_from": None if price_from is None else float(price_from),
            "price_basis": network_prices.basis if unit_prices else "",
            "prices": [{"kind": p.kind, "unit": p.unit, "amount": float(p.amount)}
                       for p in unit_prices],
        })
    return records


def as_geojson(records) -> dict:
    features = []
    for r in records:
        props = {k: v for k, v in r.items() if k not in ("latitude", "longitude")}
        geometry = None
        if r["latitude"] is not None:
            geometry = {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]}
        features.append({"type": "Feature", "id": r["id"], "geometry": geometry,
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}


def as_csv(records) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for r in records:
        writer.writerow({**r, "services": " ".join(r["services"]),
                         "latitude": "" if r["latitude"] is None else r["latitude"],
                         "price_from": "" if r["price_from"] is None else f"{r['price_from']:.2f}",
                         "prices": " ".join(f"{p['kind']}/{p['unit']}:{p['amount']:.2f}"
                                            for p in r["prices"]),
                         "longitude": "" if r["longitude"] is None else r["longitude"]})
    return out.getvalue()
