"""Car travel times between points: an offline model and an optional OSRM router.

The offline model (no network, vectorised with NumPy) is

    road_km = great_circle_km × detour          (× mountain_detour if either end is mountain)
    speed   = short_speed + (speed − short_speed) × min(1, road_km / short_trip_km)
                                                 (× mountain_speed if either end is mountain)
    minutes = 60 × road_km / speed

so short trips run at town speed and long ones at the average rural speed; minutes grow with
distance. Values and their sources: docs/territory.md. This module has no Django import at
module level so the planner, the benchmark and the "near me" search can all use it.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class TravelModel:
    detour: float = 1.3
    speed_kmh: float = 65.0
    short_speed_kmh: float = 30.0
    short_trip_km: float = 15.0
    mountain_detour: float = 1.25
    mountain_speed: float = 0.75

    @classmethod
    def from_settings(cls) -> TravelModel:
        """Read TERRITORY_TRAVEL_MODEL = {"detour": 1.3, ...} from the Django settings."""
        from django.conf import settings

        overrides = getattr(settings, "TERRITORY_TRAVEL_MODEL", {}) or {}
        unknown = set(overrides) - set(asdict(cls()))
        if unknown:
            raise ValueError(f"TERRITORY_TRAVEL_MODEL: unknown keys {sorted(unknown)}")
        return replace(cls(), **{k: float(v) for k, v in overrides.items()})

    def minutes_for_km(self, km, mountain=False):
        """Minutes for great-circle distances `km` (array or scalar)."""
        km = np.asarray(km, dtype=float)
        mountain = np.asarray(mountain, dtype=bool)
        road = km * self.detour * np.where(mountain, self.mountain_detour, 1.0)
        ramp = np.minimum(1.0, road / self.short_trip_km)
        speed = self.short_speed_kmh + (self.speed_kmh - self.short_speed_kmh) * ramp
        speed = speed * np.where(mountain, self.mountain_speed, 1.0)
        return 60.0 * road / speed

    def minutes(self, lat1, lon1, lat2, lon2, mountain1=False, mountain2=False):
        """Minutes between points (broadcasting like NumPy)."""
        km = haversine_km(lat1, lon1, lat2, lon2)
        return self.minutes_for_km(km, np.logical_or(mountain1, mountain2))

    def max_km(self, minutes: float) -> float:
        """Largest great-circle distance reachable within `minutes` on the fastest (non-mountain)
        roads: a safe search radius for the spatial index. Mountain multipliers only slow trips
        (mountain_detour ≥ 1, mountain_speed ≤ 1 are checked)."""
        if self.mountain_detour < 1 or self.mountain_speed > 1:
            raise ValueError("mountain_detour must be ≥ 1 and mountain_speed ≤ 1")
        hours = minutes / 60.0
        long_road = self.speed_kmh * hours
        if long_road >= self.short_trip_km:
            road = long_road
        else:  # invert hours = r / (a + b r)
            a = self.short_speed_kmh
            b = (self.speed_kmh - self.short_speed_kmh) / self.short_trip_km
            road = a * hours / (1.0 - b * hours)
        return road / self.detour


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float))
                              for x in (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def to_xyz(lat, lon):
    """Points on a sphere of the Earth's radius (km), for a KD-tree on chord distances."""
    lat, lon = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return EARTH_RADIUS_KM * np.column_stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord_km(great_circle_km: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.sin(min(math.pi, great_circle_km / EARTH_RADIUS_KM) / 2)


# -- routers: minutes for pairs of points ------------------------------------------------------


class OfflineRouter:
    """Pairs of points → minutes with the offline model."""

    def __init__(self, model: TravelModel | None = None):
        self.model = model or TravelModel()

    def pair_minutes(self, src, dst, src_mountain=None, dst_mountain=None):
        """src, dst: arrays (n, 2) of (lat, lon); returns n minutes."""
        src, dst = np.asarray(src, float), np.asarray(dst, float)
        mountain = np.zeros(len(src), bool)
        if src_mountain is not None:
            mountain |= np.asarray(src_mountain, bool)
        if dst_mountain is not None:
            mountain |= np.asarray(dst_mountain, bool)
        return self.model.minutes(src[:, 0], src[:, 1], dst[:, 0], dst[:, 1], mountain)


class RouterError(Exception):
    pass


class OSRMRouter:
    """Travel times from an OSRM server's `table` service, batched and cached.

    `cache` is any object with get(key) / set(key, value) (Django's cache works); by default an
    in-process dict. Unreachable pairs come back as +inf minutes.
    """

    def __init__(self, base_url: str, *, profile: str = "driving", batch_size: int = 100,
                 timeout: float = 30.0, cache=None,
                 opener: Callable | None = None):
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.batch_size = max(2, batch_size)
        self.timeout = timeout
        self.cache = cache if cache is not None else _DictCache()
        self.opener = opener or urllib.request.urlopen
        self.requests = 0

    @staticmethod
    def _key(a, b) -> str:
        return f"osrm:{a[0]:.5f},{a[1]:.5f}>{b[0]:.5f},{b[1]:.5f}"

    def table(self, sources, destinations):
        """Dense (minutes, km) matrices for small sets of points (one or more requests)."""
        sources, destinations = np.asarray(sources, float), np.asarray(destinations, float)
        minutes = np.full((len(sources), len(destinations)), np.inf)
        km = np.full_like(minutes, np.inf)
        half = self.batch_size // 2
        for i0 in range(0, len(sources), half):
            for j0 in range(0, len(destinations), half):
                src, dst = sources[i0:i0 + half], destinations[j0:j0 + half]
                m, k = self._request(src, dst)
                minutes[i0:i0 + len(src), j0:j0 + len(dst)] = m
                km[i0:i0 + len(src), j0:j0 + len(dst)] = k
        return minutes, km

    def _request(self, src, dst):
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in [*src, *dst])
        query = urllib.parse.urlencode({
            "sources": ";".join(str(i) for i in range(len(src))),
            "destinations": ";".join(str(len(src) + j) for j in range(len(dst))),
            "annotations": "duration,distance",
        })
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}?{query}"
        if not url.startswith(("http://", "https://")):
            raise RouterError("OSRM URL must be http(s)")
        self.requests += 1
        try:
            with self.opener(url, timeout=self.timeout) as response:  # noqa: S310 - checked
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:  # OSRM explains a 400 in a JSON body
            try:
                payload = json.loads(exc.read().decode("utf-8"))
            except ValueError:
                raise RouterError(f"OSRM request failed: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise RouterError(f"OSRM request failed: {exc}") from exc
        if payload.get("code") != "Ok":
            raise RouterError(f"OSRM answered {payload.get('code')}: {payload.get('message')}")
        durations = np.array(payload["durations"], dtype=float)  # None -> nan
        distances = np.array(payload.get("distances") or np.full(durations.shape, np.nan),
                             dtype=float)
        minutes = np.where(np.isnan(durations), np.inf, durations / 60.0)
        km = np.where(np.isnan(distances), np.inf, distances / 1000.0)
        return minutes, km

    def pair_minutes(self, src, dst, src_mountain=None, dst_mountain=None):
        """Minutes for n pairs; pairs not in the cache are fetched grouped by source batch."""
        src, dst = np.asarray(src, float), np.asarray(dst, float)
        out = np.empty(len(src))
        todo: dict[tuple, dict[tuple, list[int]]] = {}
        for n, (a, b) in enumerate(zip(map(tuple, src), map(tuple, dst))):
            cached = self.cache.get(self._key(a, b))
            if cached is not None:
                out[n] = cached
            else:
                todo.setdefault(a, {}).setdefault(b, []).append(n)
        sources = list(todo)
        half = self.batch_size // 2
        for s0 in range(0, len(sources), half):
            group = sources[s0:s0 + half]
            dests = sorted({b for a in group for b in todo[a]})
            minutes, _ = self.table(np.array(group), np.array(dests))
            col = {b: j for j, b in enumerate(dests)}
            for i, a in enumerate(group):
                for b, rows in todo[a].items():
                    value = float(minutes[i, col[b]])
                    self.cache.set(self._key(a, b), value)
                    out[rows] = value
        return out


class _DictCache(dict):
    def set(self, key, value):
        self[key] = value


def router_from_settings():
    """OSRM when TERRITORY_OSRM_URL is set, else the offline model."""
    from django.conf import settings
    from django.core.cache import cache

    url = getattr(settings, "TERRITORY_OSRM_URL", "")
    if url:
        return OSRMRouter(url, batch_size=int(getattr(settings, "TERRITORY_OSRM_BATCH", 100)),
                          cache=cache)
    return OfflineRouter(TravelModel.from_settings())


# -- fitting the offline model to router answers -----------------------------------------------


def fit_model(great_circle_km, road_km, minutes, mountain=None,
              base: TravelModel | None = None) -> TravelModel:
    """Fit detour, speeds and mountain multipliers to a sample of router answers.

    The detour is the median ratio road/great-circle (robust to a few odd routes); the speeds are
    fitted by least squares on minutes; mountain multipliers only when the sample has mountain
    pairs (at least 10).
    """
    from scipy.optimize import least_squares

    base = base or TravelModel()
    gc, road, minutes = (np.asarray(x, float) for x in (great_circle_km, road_km, minutes))
    mountain = np.zeros(len(gc), bool) if mountain is None else np.asarray(mountain, bool)
    ok = np.isfinite(road) & np.isfinite(minutes) & (gc > 0.2)
    gc, road, minutes, mountain = gc[ok], road[ok], minutes[ok], mountain[ok]
    if len(gc) < 5:
        raise ValueError("need at least 5 usable router answers to fit the model")
    plain = ~mountain
    detour = float(np.median(road[plain] / gc[plain])) if plain.sum() >= 5 else base.detour

    def residuals(p, sel, mountain_flag):
        model = replace(base, detour=detour, speed_kmh=p[0], short_speed_kmh=p[1],
                        short_trip_km=p[2])
        return model.minutes_for_km(gc[sel], mountain_flag) - minutes[sel]

    if plain.sum() >= 5:
        fit = least_squares(residuals, [base.speed_kmh, base.short_speed_kmh, base.short_trip_km],
                            bounds=([20, 5, 0.5], [130, 90, 60]), args=(plain, False))
        speed, short_speed, short_km = (float(x) for x in fit.x)
    else:
        speed, short_speed, short_km = base.speed_kmh, base.short_speed_kmh, base.short_trip_km
    model = replace(base, detour=detour, speed_kmh=speed, short_speed_kmh=short_speed,
                    short_trip_km=short_km)
    if mountain.sum() >= 10:
        mountain_detour = max(1.0, float(np.median(road[mountain] / gc[mountain])) / detour)

        def mres(p):
            m = replace(model, mountain_detour=mountain_detour, mountain_speed=p[0])
            return m.minutes_for_km(gc[mountain], True) - minutes[mountain]

        fit = least_squares(mres, [base.mountain_speed], bounds=([0.2], [1.0]))
        model = replace(model, mountain_detour=mountain_detour, mountain_speed=float(fit.x[0]))
    return model
