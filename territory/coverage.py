"""Sparse coverage: which demand points each place reaches within T minutes.

Pure NumPy/SciPy on arrays (no Django) so the planner, the benchmark and the tests share it.
A KD-tree on 3-D points of the sphere finds the pairs within the radius a car can reach in T
minutes on the fastest roads; only those pairs get a travel time, so memory grows with the
number of reachable pairs, never with n × m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from territory.travel import OfflineRouter, chord_km, to_xyz

# Minutes are compared with this slack so a point exactly T minutes away counts as covered
# despite floating-point rounding.
EPSILON_MINUTES = 1e-7


@dataclass
class Points:
    lat: np.ndarray
    lon: np.ndarray
    mountain: np.ndarray | None = None

    def __post_init__(self):
        self.lat = np.asarray(self.lat, float)
        self.lon = np.asarray(self.lon, float)
        if self.mountain is None:
            self.mountain = np.zeros(len(self.lat), bool)
        self.mountain = np.asarray(self.mountain, bool)
        if not (len(self.lat) == len(self.lon) == len(self.mountain)):
            raise ValueError("lat, lon and mountain must have the same length")

    def __len__(self):
        return len(self.lat)

    @property
    def latlon(self):
        return np.column_stack([self.lat, self.lon])

    def xyz(self):
        return to_xyz(self.lat, self.lon)

    def subset(self, idx) -> Points:
        return Points(self.lat[idx], self.lon[idx], self.mountain[idx])


def pair_minutes(router, src: Points, si, dst: Points, di) -> np.ndarray:
    if len(si) == 0:
        return np.zeros(0)
    return np.asarray(router.pair_minutes(src.latlon[si], dst.latlon[di], src.mountain[si],
                                          dst.mountain[di]), float)


def radius_km(router, minutes: float) -> float:
    """Straight-line radius that contains every point reachable within `minutes`."""
    model = getattr(router, "model", None)
    if model is None:  # an external router (OSRM)
        # Cars do not beat 130 km/h on a straight line; generous but finite.
        return 130.0 * minutes / 60.0 if minutes > 0 else 0.0
    return model.max_km(minutes)


@dataclass
class CoverageMatrix:
    """Rows: facilities (places or candidates); columns: demand points. `matrix` is a CSR
    boolean matrix; `minutes` holds the travel time of each stored pair, in CSR order."""

    matrix: sparse.csr_matrix
    minutes: np.ndarray
    limit: float

    @property
    def shape(self):
        return self.matrix.shape


def coverage_matrix(facilities: Points, demand: Points, minutes: float, router=None,
                    demand_tree: cKDTree | None = None) -> CoverageMatrix:
    """Facility i covers demand d when the trip d → i takes at most `minutes`."""
    router = router or OfflineRouter()
    n_fac, n_dem = len(facilities), len(demand)
    if n_fac == 0 or n_dem == 0:
        return CoverageMatrix(sparse.csr_matrix((n_fac, n_dem), dtype=bool), np.zeros(0),
                              minutes)
    tree = demand_tree if demand_tree is not None else cKDTree(demand.xyz())
    radius = chord_km(radius_km(router, minutes)) * (1 + 1e-9) + 1e-6
    lists = tree.query_ball_point(facilities.xyz(), r=radius, return_sorted=True)
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=n_fac)
    rows = np.repeat(np.arange(n_fac), counts)
    cols = (np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
            if counts.sum() else np.zeros(0, np.int64))
    times = pair_minutes(router, demand, cols, facilities, rows)
    keep = times <= minutes + EPSILON_MINUTES
    rows, cols, times = rows[keep], cols[keep], times[keep]
    indptr = np.zeros(n_fac + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_fac), out=indptr[1:])
    matrix = sparse.csr_matrix((np.ones(len(cols), bool), cols, indptr), shape=(n_fac, n_dem))
    return CoverageMatrix(matrix, times, minutes)


def nearest_minutes(facilities: Points, demand: Points, router=None, k: int = 8):
    """Minutes from each demand point to its nearest facility and that facility's index
    (-1 and +inf without facilities). Times are computed to the k nearest in straight line, as
    travel time grows with distance (up to the mountain factors)."""
    router = router or OfflineRouter()
    n_dem = len(demand)
    if len(facilities) == 0:
        return np.full(n_dem, np.inf), np.full(n_dem, -1)
    k = min(k, len(facilities))
    _, idx = cKDTree(facilities.xyz()).query(demand.xyz(), k=k)
    idx = idx.reshape(n_dem, k)
    dem_idx = np.repeat(np.arange(n_dem), k)
    times = pair_minutes(router, demand, dem_idx, facilities, idx.ravel()).reshape(n_dem, k)
    best = np.argmin(times, axis=1)
    return times[np.arange(n_dem), best], idx[np.arange(n_dem), best]


@dataclass
class CoverageToday:
    total_population: float
    covered_population: float
    covered: np.ndarray  # bool per demand point
    catchment: np.ndarray  # population within T of each place
    exclusive: np.ndarray  # population reached by that place only
    overlaps: list[tuple[int, int, float]]  # (place i, place j, population reached by both)

    @property
    def share(self) -> float:
        return self.covered_population / self.total_population if self.total_population else 0.0


def coverage_today(cover: CoverageMatrix, weights) -> CoverageToday:
    """Share of the population within T of a place, per-place catchment and overlaps."""
    w = np.asarray(weights, float)
    m = cover.matrix.astype(np.float64)
    count = np.asarray(m.sum(axis=0)).ravel()
    covered = count > 0
    catchment = m @ w
    exclusive = m @ (w * (count == 1))
    pair = (m @ sparse.diags(w) @ m.T).tocoo()
    overlaps = sorted(((int(i), int(j), float(v)) for i, j, v in
                       zip(pair.row, pair.col, pair.data) if i < j and v > 0),
                      key=lambda t: -t[2])
    return CoverageToday(float(w.sum()), float(w[covered].sum()), covered,
                         np.asarray(catchment).ravel(), np.asarray(exclusive).ravel(), overlaps)


def conflicts(facilities: Points, min_minutes: float, router=None, others: Points | None = None):
    """Pairs (i, j) closer than `min_minutes`: i < j within `facilities`, or i in facilities and
    j in `others` when given. Returns two index arrays."""
    router = router or OfflineRouter()
    if min_minutes <= 0 or len(facilities) == 0 or (others is not None and len(others) == 0):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    target = others if others is not None else facilities
    tree = cKDTree(target.xyz())
    radius = chord_km(radius_km(router, min_minutes)) * (1 + 1e-9) + 1e-6
    lists = tree.query_ball_point(facilities.xyz(), r=radius)
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(facilities))
    rows = np.repeat(np.arange(len(facilities)), counts)
    cols = (np.concatenate([np.asarray(x, np.int64) for x in lists]) if counts.sum()
            else np.zeros(0, np.int64))
    if others is None:
        keep = rows < cols
        rows, cols = rows[keep], cols[keep]
    times = pair_minutes(router, facilities, rows, target, cols)
    close = times < min_minutes - EPSILON_MINUTES
    return rows[close], cols[close]
