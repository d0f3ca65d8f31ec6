"""Commute avoided (estimate) when commuters work some days at their nearest third place.

For each flow home commune → work commune (commuters), a teleworking day replaces the round
trip home → work by home → nearest place, when the place is closer and within `max_minutes`:

    km avoided / year = commuters × share × days_per_week × weeks × 2 × (road_work − road_place)

and the same for hours; € and kg CO2e per km are parameters (0.50 €/km, PACA study;
0.218 kg CO2e/km, ADEME Base Carbone average car). Distances come from the travel model's road
kilometres, so they are estimates, said so wherever shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from territory.budget import money
from territory.importers import ImportFailed, read_rows
from territory.travel import TravelModel, haversine_km

COST_PER_KM = Decimal("0.50")
CO2_PER_KM = Decimal("0.218")
# Parameters of the estimate shown on a run's summary (the commute page lets users change them).
DEFAULTS = {"share": Decimal("0.2"), "days_per_week": Decimal(1), "weeks": Decimal(45),
            "max_minutes": 20.0}
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")

HOME_COLUMNS = ("commune", "codgeo", "home", "commune_residence", "com_residence")
WORK_COLUMNS = ("dclt", "work", "commune_travail", "com_travail")
COUNT_COLUMNS = ("ipondi", "flux", "commuters", "navetteurs", "nbflux_c20_actocc15p",
                 "nbflux_c21_actocc15p", "nbflux_c19_actocc15p")


def read_flows(path) -> dict[tuple[str, str], float]:
    """Commuters per (home, work) from an INSEE "mobilités professionnelles" file (detail file
    with IPONDI weights, or the flows file with NBFLUX_…); every bad line is reported."""
    header, rows = read_rows(path)
    lowered = [h.lower() for h in header]
    home = next((c for c in HOME_COLUMNS if c in lowered), None)
    work = next((c for c in WORK_COLUMNS if c in lowered), None)
    count = next((c for c in COUNT_COLUMNS if c in lowered), None)
    if not (home and work and count):
        raise ImportFailed(["Ligne 1 : il faut les colonnes commune de résidence (COMMUNE ou "
                            "CODGEO), commune de travail (DCLT) et effectif (IPONDI ou "
                            "NBFLUX_…)."])
    flows, errors = {}, []
    for line, row in rows:
        a, b = row.get(home, ""), row.get(work, "")
        try:
            n = float(row.get(count, "").replace(",", "."))
            if n < 0 or not np.isfinite(n):
                raise ValueError
        except ValueError:
            errors.append(f"Ligne {line} : effectif invalide « {row.get(count, '')} ».")
            continue
        if not (INSEE_RE.match(a) and INSEE_RE.match(b)):
            errors.append(f"Ligne {line} : code commune invalide « {a} » ou « {b} ».")
            continue
        flows[(a, b)] = flows.get((a, b), 0.0) + n
    if errors:
        raise ImportFailed(errors)
    return flows


@dataclass
class CommuteAvoided:
    commuters: float  # commuters who have a place closer than their work, within max_minutes
    km: Decimal
    hours: Decimal
    euros: Decimal
    co2_kg: Decimal
    flows_used: int
    flows_without_coordinates: int


def commute_avoided(flows: dict[tuple[str, str], float], coords: dict[str, tuple],
                    places: list[tuple[float, float]], *, share=Decimal("0.2"),
                    days_per_week=Decimal(1), weeks=Decimal(45), max_minutes: float = 20.0,
                    model: TravelModel | None = None, cost_per_km=COST_PER_KM,
                    co2_per_km=CO2_PER_KM) -> CommuteAvoided:
    """`coords`: INSEE code → (lat, lon[, mountain]); `places`: (lat, lon) of the places.
    `share` of the commuters work `days_per_week` days at their nearest place, `weeks` weeks
    a year (45: 52 less holidays and public holidays)."""
    model = model or TravelModel()
    usable = [(h, w, n) for (h, w), n in flows.items()
              if h != w and h in coords and w in coords]
    missing = sum(1 for (h, w) in flows if h != w and (h not in coords or w not in coords))
    if not usable or not places:
        return CommuteAvoided(0.0, money(0), money(0), money(0), money(0), 0, missing)
    home = np.array([coords[h][:2] for h, _, _ in usable], float)
    work = np.array([coords[w][:2] for _, w, _ in usable], float)
    mountain = np.array([bool(coords[h][2]) if len(coords[h]) > 2 else False
                         for h, _, _ in usable])
    count = np.array([n for _, _, n in usable], float)
    pl = np.asarray(places, float)
    to_work_km = haversine_km(home[:, 0], home[:, 1], work[:, 0], work[:, 1])
    to_places = haversine_km(home[:, None, 0], home[:, None, 1], pl[None, :, 0], pl[None, :, 1])
    to_place_km = to_places.min(axis=1)
    work_min = model.minutes_for_km(to_work_km, mountain)
    place_min = model.minutes_for_km(to_place_km, mountain)
    detour = model.detour * np.where(mountain, model.mountain_detour, 1.0)
    gain = (place_min < work_min) & (place_min <= max_minutes + 1e-9)
    saved_km = np.where(gain, 2 * (to_work_km - to_place_km) * detour, 0.0)
    saved_min = np.where(gain, 2 * (work_min - place_min), 0.0)
    days = float(D(share) * D(days_per_week) * D(weeks))
    km = Decimal(repr(float((count * saved_km).sum() * days)))
    hours = Decimal(repr(float((count * saved_min).sum() * days / 60)))
    return CommuteAvoided(float(count[gain].sum()), money(km), money(hours),
                          money(km * D(cost_per_km)), money(km * D(co2_per_km)),
                          int(gain.sum()), missing)


def D(value) -> Decimal:  # noqa: N802
    return value if isinstance(value, Decimal) else Decimal(str(value))
