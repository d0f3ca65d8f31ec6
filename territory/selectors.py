"""Read queries that turn the database into the planner's arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import F, Q, Sum

from places.models import Site
from territory.coverage import Points
from territory.models import Commune, CommuneKind, ExternalPlace

SCOPES = ("epci", "department")


@dataclass
class Territory:
    """Demand (communes with coordinates and population), candidates (the same communes) and
    existing places of a perimeter, plus what had to be left out."""

    codes: list[str]
    names: list[str]
    population: np.ndarray
    demand: Points
    place_names: list[str]
    places: Points
    label: str
    unlocated_communes: int
    unlocated_population: int
    unlocated_places: list[str]


def site_communes(network) -> list[Commune]:
    codes = set(Site.objects.filter(network=network, is_active=True)
                .values_list("insee_code", flat=True))
    return list(Commune.objects.filter(insee_code__in=codes))


def perimeter_filter(network, scope: str) -> tuple[Q, str]:
    """Communes of the intercommunalities (or departments) where the network has sites."""
    communes = site_communes(network)
    if scope == "department":
        values = sorted({c.department for c in communes})
        return Q(department__in=values), ", ".join(f"département {v}" for v in values)
    values = sorted({(c.epci_code, c.epci_name) for c in communes if c.epci_code})
    return Q(epci_code__in=[v[0] for v in values]), ", ".join(v[1] for v in values)


def network_sites(network):
    """Active sites as (names, lats, lons, mountain flags, names without coordinates): at
    their own coordinates, else at their commune's."""
    coords = {c.insee_code: c for c in Commune.objects.filter(
        insee_code__in=Site.objects.filter(network=network).values("insee_code"))}
    names, lat, lon, mountain, missing = [], [], [], [], []
    for site in Site.objects.filter(network=network, is_active=True).order_by("name"):
        commune = coords.get(site.insee_code)
        if site.latitude is not None and site.longitude is not None:
            point = (float(site.latitude), float(site.longitude))
        elif commune is not None and commune.has_coordinates:
            point = (commune.latitude, commune.longitude)  # the commune's centre
        else:
            missing.append(site.name)
            continue
        names.append(site.name)
        lat.append(point[0])
        lon.append(point[1])
        mountain.append(bool(commune.mountain) if commune else False)
    return names, lat, lon, mountain, missing


def territory_for(network, *, scope: str = "epci", include_external: bool = False) -> Territory:
    perimeter, label = perimeter_filter(network, scope)
    base = Commune.objects.filter(perimeter, kind=CommuneKind.COMMUNE, population__gt=0)
    located = list(base.filter(latitude__isnull=False, longitude__isnull=False)
                   .order_by("insee_code")
                   .values_list("insee_code", "name", "population", "latitude", "longitude",
                                "mountain"))
    unlocated = base.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))
    demand = Points([r[3] for r in located], [r[4] for r in located],
                    [bool(r[5]) for r in located])

    names, lat, lon, mountain, missing = network_sites(network)
    if include_external:
        codes = [r[0] for r in located]
        for place in ExternalPlace.objects.filter(insee_code__in=codes,
                                                  latitude__isnull=False).order_by("name"):
            names.append(f"{place.name} ({place.credit.split(',')[0]})")
            lat.append(place.latitude)
            lon.append(place.longitude)
            mountain.append(False)
    return Territory(
        codes=[r[0] for r in located], names=[r[1] for r in located],
        population=np.array([r[2] for r in located], float), demand=demand,
        place_names=names, places=Points(lat, lon, mountain), label=label,
        unlocated_communes=unlocated.count(),
        unlocated_population=unlocated.aggregate(p=Sum("population"))["p"] or 0,
        unlocated_places=missing,
    )


def search_communes(query: str, limit: int = 10) -> list[Commune]:
    """Communes whose name or postcode matches what a person typed: accents, case, hyphens and
    "St"/"Ste" forgiven ("st nizier" finds Saint-Nizier-du-Moucherotte); names that start with
    the words first, then the most populated."""
    from django.db.models import Case, IntegerField, Value, When

    from territory.text import search_key

    text = query.strip()
    if not text:
        return []
    if text.isdigit():
        qs = Commune.objects.filter(postcodes__contains=text)
    else:
        key = search_key(text)
        if not key:
            return []
        qs = Commune.objects.filter(Q(search_name__startswith=key)
                                    | Q(search_name__contains=f" {key}"))
    rank = Case(When(search_name__startswith=search_key(text) or "\0", then=Value(0)),
                default=Value(1), output_field=IntegerField())
    kind_rank = Case(When(kind=CommuneKind.COMMUNE, then=Value(0)), default=Value(1),
                     output_field=IntegerField())
    return list(qs.annotate(rank=rank, kind_rank=kind_rank)
                .order_by("rank", "kind_rank", F("population").desc(nulls_last=True), "name")
                [:limit])


def stored_flows(network) -> dict[tuple[str, str], float]:
    """The network's imported commuting flows, as territory.commute expects them."""
    from territory.models import CommutingFlow

    return {(h, w): n for h, w, n in CommutingFlow.objects.filter(network=network)
            .values_list("home_code", "work_code", "commuters")}


def _flow_coordinates(flows) -> dict[str, tuple]:
    codes = {c for pair in flows for c in pair}
    return {c.insee_code: (c.latitude, c.longitude, bool(c.mountain))
            for c in Commune.objects.filter(insee_code__in=codes, latitude__isnull=False,
                                            longitude__isnull=False)}


def estimate_commute(network, flows, **parameters):
    """territory.commute.commute_avoided for the network's active sites (None without any
    located site), with the communes' coordinates and the configured travel model."""
    from territory.commute import commute_avoided
    from territory.travel import TravelModel

    coords = _flow_coordinates(flows)
    names, lat, lon, _mountain, _missing = network_sites(network)
    if not names:
        return None
    return commute_avoided(flows, coords, list(zip(lat, lon)), model=TravelModel.from_settings(),
                           **parameters)


def commute_for_run(run) -> dict | None:
    """The commute-avoided estimate of a planning run from the network's stored flows, with
    the default parameters (territory.commute.DEFAULTS): with the places the run counted
    (`today`) and, when the run proposes new places, with them added (`plan`). None when the
    network has no flows."""
    from territory.commute import DEFAULTS, commute_avoided
    from territory.travel import TravelModel

    flows = stored_flows(run.network)
    if not flows:
        return None
    points = (run.result or {}).get("map", {})
    places = [(p["lat"], p["lon"]) for p in points.get("places", [])]
    new = [(p["lat"], p["lon"]) for p in points.get("new_places", [])]
    coords, model = _flow_coordinates(flows), TravelModel.from_settings()
    today = commute_avoided(flows, coords, places, model=model, **DEFAULTS) if places else None
    plan = (commute_avoided(flows, coords, places + new, model=model, **DEFAULTS)
            if new else None)
    return {"today": today, "plan": plan, "flows": len(flows),
            "share_percent": DEFAULTS["share"] * 100, **DEFAULTS}
