"""Answer a planner question for a network: database → arrays → planner → JSON result."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from territory.coverage import Points, coverage_matrix, coverage_today, nearest_minutes
from territory.models import RunKind
from territory.planner import candidate_mask, plan_max_coverage, plan_min_places, prepare
from territory.selectors import territory_for
from territory.travel import router_from_settings

WHITE_ZONES_SHOWN = 200


class PlanningError(Exception):
    pass


def _white_zones(territory, minutes_to_place, limit):
    rows = [
        {"insee_code": territory.codes[d], "name": territory.names[d],
         "population": int(territory.population[d]),
         "minutes": None if not np.isfinite(m) else round(float(m), 1)}
        for d, m in enumerate(minutes_to_place) if not m <= limit + 1e-7
    ]
    rows.sort(key=lambda r: -r["population"])
    return rows[:WHITE_ZONES_SHOWN], len(rows)


def _map_data(territory, minutes_to_place, new_places) -> dict:
    """Points for the map: communes with their minutes to the nearest place, the places."""
    return {
        "communes": [
            {"code": territory.codes[d], "name": territory.names[d],
             "lat": round(float(territory.demand.lat[d]), 5),
             "lon": round(float(territory.demand.lon[d]), 5),
             "population": int(territory.population[d]),
             "minutes": None if not np.isfinite(m) else round(float(m), 1)}
            for d, m in enumerate(minutes_to_place)],
        "places": [{"name": name, "lat": float(lat), "lon": float(lon)} for name, lat, lon in
                   zip(territory.place_names, territory.places.lat, territory.places.lon)],
        "new_places": [{"name": p["name"], "lat": p["latitude"], "lon": p["longitude"]}
                       for p in new_places],
    }


def compute(network, kind: str, params: dict,
            progress: Callable[[int, str], None] = lambda p, label: None) -> dict:
    """The JSON-ready answer. `params` is PlanningForm.cleaned_data."""
    progress(5, _("Chargement des communes du périmètre"))
    territory = territory_for(network, scope=params.get("scope", "epci"),
                              include_external=params.get("include_external", False))
    if not territory.codes:
        raise PlanningError(_("Aucune commune avec coordonnées dans le périmètre : vérifiez les "
                              "codes INSEE des lieux et chargez le référentiel des communes "
                              "(manage.py load_communes)."))
    router = router_from_settings()
    minutes = float(params["minutes"])
    pop = territory.population
    progress(20, _("Temps de trajet et couverture actuelle"))
    cover = coverage_matrix(territory.places, territory.demand, minutes, router)
    today = coverage_today(cover, pop)
    now_minutes, nearest = nearest_minutes(territory.places, territory.demand, router)
    zones, zones_count = _white_zones(territory, now_minutes, minutes)
    result = {
        "territory": {
            "label": territory.label, "communes": len(territory.codes),
            "population": int(pop.sum()),
            "unlocated_communes": territory.unlocated_communes,
            "unlocated_population": int(territory.unlocated_population),
            "unlocated_places": territory.unlocated_places,
        },
        "minutes": minutes,
        "today": {
            "covered_population": int(today.covered_population),
            "share": today.share,
            "places": [{"name": territory.place_names[i], "catchment": int(today.catchment[i]),
                        "exclusive": int(today.exclusive[i])}
                       for i in range(len(territory.place_names))],
            "overlaps": [{"a": territory.place_names[i], "b": territory.place_names[j],
                          "population": int(v)} for i, j, v in today.overlaps[:50]],
            "white_zones": zones, "white_zones_count": zones_count,
        },
    }
    result["map"] = _map_data(territory, now_minutes, [])
    if kind == RunKind.COVERAGE:
        progress(100, _("Terminé"))
        return result

    progress(40, _("Recherche des meilleurs emplacements"))
    mask = candidate_mask(len(pop), population=pop,
                          min_population=params.get("min_population") or 0,
                          only=params.get("only_communes") or None,
                          excluded=params.get("excluded_communes") or None,
                          codes=np.array(territory.codes))
    problem = prepare(territory.demand, pop, territory.demand, territory.places,
                      minutes=minutes, router=router, allowed=mask,
                      catchment_minutes=params.get("catchment_minutes"),
                      min_catchment=params.get("min_catchment") or 0,
                      min_minutes_between=params.get("min_minutes_between") or 0)
    time_limit = float(getattr(settings, "TERRITORY_PLAN_TIME_LIMIT", 20))
    if kind == RunKind.MAX_COVERAGE:
        plan = plan_max_coverage(problem, int(params["new_places"]), time_limit=time_limit)
    else:
        plan = plan_min_places(problem, params["target_percent"] / 100, time_limit=time_limit,
                               names=territory.names)
    progress(85, _("Couverture après le plan"))
    chosen = plan.chosen
    new_points = territory.demand.subset(chosen)
    all_points = Points(np.r_[territory.places.lat, new_points.lat],
                        np.r_[territory.places.lon, new_points.lon],
                        np.r_[territory.places.mountain, new_points.mountain])
    after_minutes, _nearest = nearest_minutes(all_points, territory.demand, router)
    after_zones, after_count = _white_zones(territory, after_minutes, minutes)
    new_cover = coverage_matrix(new_points, territory.demand, minutes, router)
    catchment = new_cover.matrix.astype(np.float64) @ pop
    result["plan"] = {
        "kind": plan.kind, "status": plan.status, "message": plan.message,
        "solver": plan.solver, "elapsed": round(plan.elapsed, 2),
        "covered_population": int(round(plan.covered_population)),
        "share": plan.share, "upper_bound": int(round(plan.upper_bound)),
        "bound_share": plan.bound_share, "gap": plan.gap, "ratio": plan.ratio,
        "min_places_bound": plan.min_places_bound,
        "eligible_candidates": plan.eligible_candidates,
        "removed_candidates": plan.details.get("removed_candidates", {}),
        "new_places": [{"insee_code": territory.codes[i], "name": territory.names[i],
                        "population": int(pop[i]), "catchment": int(catchment[n]),
                        "latitude": float(territory.demand.lat[i]),
                        "longitude": float(territory.demand.lon[i])}
                       for n, i in enumerate(chosen)],
        "white_zones": after_zones, "white_zones_count": after_count,
    }
    result["map"] = _map_data(territory, after_minutes, result["plan"]["new_places"])
    progress(100, _("Terminé"))
    return result
