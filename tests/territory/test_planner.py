"""Coverage and planning on hand-checked and brute-forced territories (no database)."""

import itertools
import math
import time

import numpy as np
import pytest

from territory.coverage import Points, conflicts, coverage_matrix, coverage_today, nearest_minutes
from territory.heuristics import covered_by, greedy
from territory.planner import (
    candidate_mask,
    kernel_search,
    lagrangian_value,
    plan_max_coverage,
    plan_min_places,
    prepare,
    reduce_problem,
)
from territory.travel import EARTH_RADIUS_KM, OfflineRouter, TravelModel

KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180
# 1 km of straight line = 1 minute: easy to check by hand.
ONE_KM_A_MINUTE = OfflineRouter(TravelModel(detour=1.0, speed_kmh=60, short_speed_kmh=60,
                                            short_trip_km=1))


def line(km, mountain=None):
    """Points on the meridian 5° E, `km` kilometres north of 45° N."""
    km = np.asarray(km, float)
    return Points(45 + km / KM_PER_DEG, np.full(len(km), 5.0), mountain)


# A hand-checked valley: positions in km along the road and populations.
NAMES = ["A", "B", "C", "D", "E", "F"]
KM = [0, 6, 15, 24, 42, 100]
POP = np.array([1000, 500, 2000, 300, 800, 50])
DEMAND = line(KM)


def valley(existing_km=(0,), **kw):
    kw.setdefault("minutes", 10)
    return prepare(DEMAND, POP, DEMAND, line(list(existing_km)), router=ONE_KM_A_MINUTE, **kw)


def test_coverage_today_hand_checked():
    places = line([0, 15])
    cover = coverage_matrix(places, DEMAND, 10, ONE_KM_A_MINUTE)
    assert cover.matrix.toarray().astype(int).tolist() == [[1, 1, 0, 0, 0, 0],
                                                           [0, 1, 1, 1, 0, 0]]
    np.testing.assert_allclose(cover.minutes, [0, 6, 9, 0, 9], atol=1e-6)
    today = coverage_today(cover, POP)
    assert (today.total_population, today.covered_population) == (4650, 3800)
    assert today.share == pytest.approx(3800 / 4650)
    assert today.catchment.tolist() == [1500, 2800]
    assert today.exclusive.tolist() == [1000, 2300]
    assert today.overlaps == [(0, 1, 500.0)]
    minutes, nearest = nearest_minutes(places, DEMAND, ONE_KM_A_MINUTE)
    np.testing.assert_allclose(minutes, [0, 6, 0, 9, 27, 85], atol=1e-6)
    assert nearest.tolist() == [0, 0, 1, 1, 1, 1]


def test_demand_point_exactly_at_t_is_covered():
    model = TravelModel()  # the default model, with its short-trip ramp
    for minutes in (10.0, 20.0):
        edge = model.max_km(minutes)
        demand = line([edge, edge * (1 + 1e-6)])
        cover = coverage_matrix(line([0]), demand, minutes, OfflineRouter(model))
        assert cover.matrix.toarray().tolist() == [[True, False]]


def test_max_coverage_hand_checked():
    plan = plan_max_coverage(valley(), 1)
    assert [NAMES[i] for i in plan.chosen] == ["C"]  # reaches B, C and D
    assert (plan.existing_population, plan.covered_population) == (1500, 3800)
    assert plan.status == "optimal" and plan.upper_bound == 3800 and plan.gap == 0
    assert "Plan optimal (prouvé)" in plan.message
    plan = plan_max_coverage(valley(), 2)
    assert sorted(NAMES[i] for i in plan.chosen) == ["C", "E"]
    assert plan.covered_population == 4600


def test_set_covering_hand_checked():
    plan = plan_min_places(valley(), 1.0)
    assert sorted(NAMES[i] for i in plan.chosen) == ["C", "E", "F"]
    assert plan.status == "optimal" and plan.min_places_bound == 3
    assert plan.covered_population == 4650
    plan = plan_min_places(valley(), 0.8)  # 3,720 people: C alone brings 3,800
    assert [NAMES[i] for i in plan.chosen] == ["C"] and plan.status == "optimal"
    plan = plan_min_places(valley(), 0.3)
    assert plan.chosen == [] and "déjà atteint" in plan.message


def test_isolated_commune_makes_full_coverage_infeasible():
    # Candidates of at least 100 inhabitants: nobody can open a place near F (50 inhabitants,
    # 58 min from E).
    mask = candidate_mask(len(POP), population=POP, min_population=100)
    plan = plan_min_places(valley(allowed=mask), 1.0, names=NAMES)
    assert plan.status == "infeasible" and plan.chosen == []
    assert plan.message.startswith("Couverture de 100,0 % impossible à 10 min : 1 commune "
                                   "(50 habitants) est à plus de 10 min de tout emplacement "
                                   "possible — F (50 hab., 58 min)")
    # 98 % stays reachable without F.
    assert plan_min_places(valley(allowed=mask), 0.98).status == "optimal"


def test_candidates_restricted_and_excluded():
    codes = np.array(NAMES)
    only = candidate_mask(6, codes=codes, only={"D", "E"})
    plan = plan_max_coverage(valley(allowed=only), 1)
    assert [NAMES[i] for i in plan.chosen] == ["D"]  # reaches C and D
    assert plan.covered_population == 1500 + 2300
    without_c = candidate_mask(6, codes=codes, excluded={"C"})
    plan = plan_max_coverage(valley(allowed=without_c), 1)
    assert "C" not in [NAMES[i] for i in plan.chosen] and plan.covered_population == 3800
    assert plan_max_coverage(valley(allowed=without_c), 1).status == "optimal"


def test_min_catchment_within_t2():
    # Within 10 min: B reaches 3,500, C 2,800, D 2,300, others less.
    problem = valley(catchment_minutes=10, min_catchment=2500)
    assert sorted(NAMES[i] for i in problem.eligible) == ["B", "C"]
    assert problem.removed["small_catchment"] == 4
    plan = plan_max_coverage(problem, 2)
    assert sorted(NAMES[i] for i in plan.chosen) in (["B", "C"], ["C"])
    assert plan.covered_population == 3800


def test_min_minutes_between_places():
    # No place within 20 min of another: B and C are too close to the existing place in A.
    problem = valley(min_minutes_between=20)
    assert sorted(NAMES[i] for i in problem.eligible) == ["D", "E", "F"]
    plan = plan_max_coverage(problem, 2)
    chosen = [KM[i] for i in plan.chosen]
    assert all(abs(a - b) >= 20 for a, b in itertools.combinations(chosen + [0], 2))
    # D (C and D: 2,300) and E (800) are 18 min apart: only one of them.
    assert sorted(NAMES[i] for i in plan.chosen) == ["D", "F"]
    assert plan.covered_population == 1500 + 2300 + 50 and plan.status == "optimal"


def test_time_limited_result_is_never_called_optimal(monkeypatch):
    from territory import planner
    from territory.solver import SolveResult

    # Greedy trap: the middle candidate (10) reaches 200, but 0 and 20 together reach 300.
    demand = line([-5, 5, 15, 25])
    problem = prepare(demand, [50, 100, 100, 50], line([0, 10, 20]), minutes=5,
                      router=ONE_KM_A_MINUTE)
    assert problem.cover.matrix.toarray().astype(int).tolist() == [
        [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]  # 5 minutes exactly counts
    assert plan_max_coverage(problem, 2, method="mip").covered_population == 300

    # Now the swaps and the relaxations are silenced and the MIP stops on its time limit with
    # no better plan: greedy's 250 remains, with Minoux's bound 250 + 50.
    monkeypatch.setattr(planner, "swap_improve", lambda problem, chosen, **kw: chosen)
    monkeypatch.setattr(planner, "lagrangian_bound", lambda *a, **kw: (float("inf"), None, 0))
    monkeypatch.setattr(planner, "solve", lambda *a, **kw: SolveResult(
        "time_limit", None, None, 330.0, 0.0))
    plan = plan_max_coverage(problem, 2, method="mip")
    assert (plan.covered_population, plan.upper_bound) == (250, 300)
    assert plan.status == "feasible" and plan.gap == pytest.approx(50 / 300)
    assert plan.solver.endswith("MIP HiGHS (time_limit)")
    assert plan.message == (
        "2 nouveaux lieux : 83,3 % de la population à 5 min ou moins d'un lieu (aujourd'hui "
        "0,0 %). Ce plan atteint au moins 83,3 % de la meilleure couverture possible avec 2 "
        "lieux (borne prouvée : 100,0 %).")


# -- brute force on tiny random instances ------------------------------------------------------


def brute_force(demand, weights, cand, existing, *, minutes, k=None, target=None, allowed,
                t2=None, m=0.0, between=0.0, router):
    """Dense, independent re-implementation: enumerate every subset of candidates."""
    def times(a, b):
        return router.model.minutes(a.lat[:, None], a.lon[:, None], b.lat[None, :],
                                    b.lon[None, :], a.mountain[:, None], b.mountain[None, :])

    reach = times(cand, demand) <= minutes + 1e-7
    done = (times(existing, demand) <= minutes + 1e-7).any(axis=0)
    ok = allowed.copy()
    if m > 0:
        ok &= (times(cand, demand) <= (t2 or minutes) + 1e-7) @ weights >= m
    if between > 0 and len(existing):
        ok &= ~(times(cand, existing) < between - 1e-7).any(axis=1)
    close = times(cand, cand) < between - 1e-7
    idx = np.flatnonzero(ok)
    best = None
    for size in range(0, len(idx) + 1):
        if k is not None and size > k:
            break
        for subset in itertools.combinations(idx, size):
            if any(close[a, b] for a, b in itertools.combinations(subset, 2)):
                continue
            hit = done | reach[list(subset)].any(axis=0) if subset else done
            value = weights[hit].sum()
            if k is not None:
                best = value if best is None else max(best, value)
            elif value >= target - 1e-6:
                return size
    return best


@pytest.mark.parametrize("seed", range(12))
def test_max_coverage_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, c = 14, 9
    demand = Points(45 + rng.uniform(0, 0.3, n), 5 + rng.uniform(0, 0.4, n),
                    rng.random(n) < 0.3)
    weights = rng.integers(10, 3000, n).astype(float)
    cand = demand.subset(rng.choice(n, c, replace=False))
    existing = demand.subset(rng.choice(n, seed % 2, replace=False))
    router = OfflineRouter()
    allowed = rng.random(c) < 0.85
    kw = dict(minutes=float(rng.choice([8, 12, 15])), allowed=allowed,
              t2=20.0, m=float(rng.choice([0, 2000])), between=float(rng.choice([0, 9])))
    k = int(rng.integers(1, 4))
    truth = brute_force(demand, weights, cand, existing, k=k, router=router, **kw)
    problem = prepare(demand, weights, cand, existing, minutes=kw["minutes"], router=router,
                      allowed=allowed, catchment_minutes=kw["t2"], min_catchment=kw["m"],
                      min_minutes_between=kw["between"])
    quick = plan_max_coverage(problem, k, method="greedy")
    assert quick.covered_population <= truth + 1e-6 <= quick.upper_bound + 1e-6
    exact = plan_max_coverage(problem, k, method="mip")
    assert exact.covered_population == pytest.approx(truth)
    assert exact.status == "optimal"
    assert len(exact.chosen) <= k and all(allowed[i] for i in exact.chosen)
    chosen = cand.subset(exact.chosen)
    a, _ = conflicts(chosen, kw["between"], router)
    assert len(a) == 0
    # The kernel search (used when the full MIP is too big) keeps the constraints, never does
    # worse than its start, and finds the optimum when the kernel holds every candidate.
    start = greedy(problem, k)
    kernel = kernel_search(problem, start, k, deadline=time.perf_counter() + 5, per_list=c)
    assert covered_by(problem, kernel) == pytest.approx(truth - problem.existing_population)
    assert len(kernel) <= k
    assert len(conflicts(cand.subset(problem.eligible[kernel]), kw["between"], router)[0]) == 0
    # The default path (LP bound on the reduced problem, then the MIP) is never wrong.
    auto = plan_max_coverage(problem, k)
    assert auto.covered_population <= truth + 1e-6 <= auto.upper_bound + 1e-6
    assert auto.status == "optimal" and auto.covered_population == pytest.approx(truth)
    lp = plan_max_coverage(problem, k, method="lp")
    assert lp.covered_population <= truth + 1e-6 <= lp.upper_bound + 1e-6
    if lp.status == "optimal":
        assert lp.covered_population == pytest.approx(truth)
    # The reduction keeps the optimum: brute force on the reduced problem.
    reduction = reduce_problem(problem)
    sub = reduction.problem
    assert reduced_brute_force(sub, k) == pytest.approx(truth - problem.existing_population)
    assert sub.residual.sum() == pytest.approx(
        problem.residual[np.asarray(problem.cover.matrix.sum(axis=0)).ravel() > 0].sum())
    # Any plan maps to kept candidates covering at least as much.
    if problem.conflict_matrix.nnz == 0 and len(start):
        assert covered_by(problem, reduction.lift(reduction.lower(start))) >= covered_by(
            problem, start) - 1e-9
    # Any multipliers between 0 and the weights give a bound.
    for _ in range(5):
        lam = rng.uniform(0, 1, len(sub.residual)) * sub.residual
        assert lagrangian_value(sub, lam, k) >= truth - problem.existing_population - 1e-6


def reduced_brute_force(sub, k):
    c = sub.cover.matrix.toarray()
    close = sub.conflict_matrix.toarray()
    best = 0.0
    for size in range(0, min(k, c.shape[0]) + 1):
        for subset in itertools.combinations(range(c.shape[0]), size):
            if any(close[a, b] for a, b in itertools.combinations(subset, 2)):
                continue
            hit = c[list(subset)].any(axis=0) if subset else np.zeros(c.shape[1], bool)
            best = max(best, float(sub.residual[hit].sum()))
    return best


def test_reduction_merges_demand_and_drops_dominated_candidates():
    # 1 km = 1 min, T = 1.5 min. Candidate at 1 km reaches the demand at 0, 1, 2; the one at
    # 2 km only 1 and 2 (dominated); the one at 10.5 km reaches 10 and 11; the one at 20 km
    # nobody.
    problem = prepare(line([0, 1, 2, 10, 11]), [100, 200, 300, 400, 500],
                      line([1, 2, 10.5, 20]), minutes=1.5, router=ONE_KM_A_MINUTE)
    reduction = reduce_problem(problem)
    assert reduction.keep.tolist() == [0, 2]
    assert reduction.problem.cover.matrix.toarray().tolist() == [[True, False], [False, True]]
    assert reduction.problem.residual.tolist() == [600, 900]  # 0, 1, 2 merged; 10, 11 merged
    assert reduction.to_kept.tolist() == [0, 0, 1, -1]
    assert reduction.lower([1, 3]) == [0] and reduction.lift([0, 1]) == [0, 2]
    # Without dominance (e.g. with conflicts) every useful candidate stays.
    assert reduce_problem(problem, dominance=False).keep.tolist() == [0, 1, 2]
    plan = plan_max_coverage(problem, 1)
    assert plan.chosen == [2] and plan.status == "optimal" and plan.upper_bound == 900



@pytest.mark.parametrize("seed", range(8))
def test_min_places_matches_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    n = 12
    demand = Points(45 + rng.uniform(0, 0.3, n), 5 + rng.uniform(0, 0.4, n))
    weights = rng.integers(10, 3000, n).astype(float)
    router = OfflineRouter()
    allowed = np.ones(n, bool)
    target = float(rng.choice([0.7, 0.9, 1.0]))
    truth = brute_force(demand, weights, demand, Points([], []), minutes=10.0, router=router,
                        target=target * weights.sum(), allowed=allowed)
    problem = prepare(demand, weights, demand, minutes=10.0, router=router)
    plan = plan_min_places(problem, target, method="mip")
    assert plan.status == "optimal" and len(plan.chosen) == truth
    assert plan.covered_population >= target * weights.sum() - 1e-6


def test_messages_when_nothing_more_can_be_gained():
    none_allowed = valley(allowed=np.zeros(6, bool))
    plan = plan_max_coverage(none_allowed, 2)
    assert plan.chosen == [] and plan.status == "optimal"
    assert plan.message.endswith("Aucune commune candidate ne respecte les contraintes "
                                 "demandées.")
    plan = plan_max_coverage(valley(), 5)  # C, E and F reach everybody
    assert len(plan.chosen) == 3 and plan.share == 1.0
    assert plan.message.endswith("Au-delà de 3 lieux, un lieu de plus n'ajouterait aucun "
                                 "habitant couvert (ou les contraintes l'empêchent).")


@pytest.mark.parametrize("seed", range(8))
def test_dense_fast_path_matches_sparse_path(seed, monkeypatch):
    """Small instances run the heuristics on dense arrays: same plans and bounds as sparse."""
    from territory import heuristics
    from territory.heuristics import dense_cover, lagrangian_bound, online_bound, swap_improve

    rng = np.random.default_rng(100 + seed)
    n, c = 40, 25
    demand = Points(45 + rng.uniform(0, 0.5, n), 5 + rng.uniform(0, 0.6, n), rng.random(n) < 0.3)
    weights = rng.integers(10, 3000, n).astype(float)
    cand = demand.subset(rng.choice(n, c, replace=False))
    existing = demand.subset(rng.choice(n, seed % 3, replace=False))
    problem = prepare(demand, weights, cand, existing, minutes=float(rng.choice([8, 12, 20])),
                      min_minutes_between=float(rng.choice([0, 9])))
    dense = dense_cover(problem)
    assert dense is not None
    k = int(rng.integers(1, 6))
    far = time.perf_counter() + 60
    m = problem.cover.matrix.shape[0]
    for chosen in (greedy(problem, k), [int(i) for i in rng.choice(m, min(k, m), False)]):
        assert greedy(problem, k, dense=dense) == greedy(problem, k)
        assert covered_by(problem, chosen, dense=dense) == covered_by(problem, chosen)
        assert online_bound(problem, chosen, k, dense=dense) == pytest.approx(
            online_bound(problem, chosen, k), rel=1e-12)
        assert (swap_improve(problem, chosen, deadline=far, dense=dense)
                == swap_improve(problem, chosen, deadline=far))
        lag_dense = lagrangian_bound(problem, chosen, k, lower=0.0, deadline=far,
                                     iterations=50, dense=dense)
        lag_sparse = lagrangian_bound(problem, chosen, k, lower=0.0, deadline=far,
                                      iterations=50)
        assert lag_dense[0] == pytest.approx(lag_sparse[0], rel=1e-9)
        assert lag_dense[2] == lag_sparse[2]
    # The whole planner: the fast path and the sparse path (threshold 0) agree on every method.
    fast = {m: plan_max_coverage(problem, k, method=m) for m in ("greedy", "lp", "auto")}
    monkeypatch.setattr(heuristics, "DENSE_MAX_CELLS", 0)
    assert dense_cover(problem) is None
    for method, plan in fast.items():
        slow = plan_max_coverage(problem, k, method=method)
        assert plan.covered_population == slow.covered_population
        assert plan.upper_bound == pytest.approx(slow.upper_bound, rel=1e-9)
        assert plan.status == slow.status
        if method != "auto":
            assert plan.chosen == slow.chosen


def test_greedy_covering_everything_reachable_is_proven_without_swaps(monkeypatch):
    """When greedy covers every residual inhabitant a candidate reaches, the plan is optimal
    and neither the swaps nor the bounds run."""
    from territory import planner

    def fail(*a, **kw):
        raise AssertionError("not needed")

    problem = valley(minutes=10)
    monkeypatch.setattr(planner, "swap_improve", fail)
    monkeypatch.setattr(planner, "online_bound", fail)
    monkeypatch.setattr(planner, "lagrangian_bound", fail)
    monkeypatch.setattr(planner, "solve", fail)
    plan = plan_max_coverage(problem, 6)
    reachable = problem.residual[np.asarray(problem.cover.matrix.sum(axis=0)).ravel() > 0].sum()
    assert plan.covered_population == problem.existing_population + reachable
    assert plan.upper_bound == plan.covered_population and plan.status == "optimal"
    # F (100 km away, 50 inhabitants) is reachable only from its own candidate: all 5 reached.
    assert plan.covered_population == POP.sum()
