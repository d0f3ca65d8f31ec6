"""Where to open the next places: maximal covering and set covering, with proven bounds.

Pure functions on arrays (no Django): demand points with weights (population), candidate sites,
existing places, a travel-time router. Every plan states its coverage and a proven bound, and
is called "optimal" only when the bound proves it (never because a solver stopped on time).

Method: sparse coverage matrix (territory.coverage), lazy greedy (CELF) then best-improvement
swaps for a good plan fast; bounds from the greedy "online" bound (Minoux), the LP relaxation and
the HiGHS MIP warm-started with the greedy plan under a time limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from territory.coverage import (
    CoverageMatrix,
    Points,
    conflicts,
    coverage_matrix,
    nearest_minutes,
)
from territory.heuristics import (
    covered_by,
    dense_cover,
    greedy,
    lagrangian_bound,
    online_bound,
    swap_improve,
)
from territory.solver import solve
from territory.travel import OfflineRouter

# Above this many (candidate, demand) pairs "auto" skips the exact MIP (its root LP alone can
# take minutes) and keeps the greedy plan with its Lagrangian bound.
MIP_MAX_PAIRS = 150_000


def pct(x: float) -> str:
    return f"{100 * x:.1f} %".replace(".", ",")


def people(x: float) -> str:
    return f"{round(x):,}".replace(",", " ")


@dataclass
class Plan:
    kind: str  # "max_coverage" or "min_places"
    minutes: float
    chosen: list[int]  # indices into the candidates
    total_population: float
    existing_population: float  # already within T of an existing place
    covered_population: float  # with the chosen places
    upper_bound: float  # proven bound on the population coverable (max_coverage)
    min_places_bound: int = 0  # proven lower bound on the number of places (min_places)
    status: str = "feasible"  # "optimal", "feasible", "infeasible"
    message: str = ""
    solver: str = ""
    elapsed: float = 0.0
    eligible_candidates: int = 0
    details: dict = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.covered_population / self.total_population if self.total_population else 0.0

    @property
    def existing_share(self) -> float:
        return self.existing_population / self.total_population if self.total_population else 0.0

    @property
    def bound_share(self) -> float:
        return self.upper_bound / self.total_population if self.total_population else 0.0

    @property
    def gap(self) -> float:
        """Relative distance to the bound on new coverage (0 when proven optimal)."""
        if self.kind == "min_places":
            n = len(self.chosen)
            return (n - self.min_places_bound) / n if n else 0.0
        new_bound = self.upper_bound - self.existing_population
        new = self.covered_population - self.existing_population
        return max(0.0, (new_bound - new) / new_bound) if new_bound > 0 else 0.0

    @property
    def ratio(self) -> float:
        """Share of the best possible coverage this plan reaches, at least."""
        return self.covered_population / self.upper_bound if self.upper_bound else 1.0


@dataclass
class Problem:
    demand: Points
    weights: np.ndarray
    candidates: Points
    minutes: float
    router: object
    eligible: np.ndarray  # indices into candidates
    cover: CoverageMatrix  # eligible candidates × demand
    residual: np.ndarray  # weights of demand not yet covered by existing places
    existing_covered: np.ndarray
    conflict_matrix: sparse.csr_matrix  # eligible × eligible, symmetric
    removed: dict

    @property
    def total(self) -> float:
        return float(self.weights.sum())

    @property
    def existing_population(self) -> float:
        return float(self.weights[self.existing_covered].sum())


def prepare(demand: Points, weights, candidates: Points, existing: Points | None = None, *,
            minutes: float, router=None, allowed=None, catchment_minutes: float | None = None,
            min_catchment: float = 0.0, min_minutes_between: float = 0.0) -> Problem:
    """Apply the user's constraints to the candidates and build the coverage matrix.

    - `allowed`: bool mask over candidates (restriction to some communes, to communes of at
      least N inhabitants, excluded communes removed — see candidate_mask()).
    - `min_catchment` inhabitants within `catchment_minutes` (T2) of a candidate.
    - `min_minutes_between`: no two places (new or existing) closer than that.
    """
    router = router or OfflineRouter()
    weights = np.asarray(weights, float)
    existing = existing if existing is not None else Points([], [])
    n_cand = len(candidates)
    mask = np.ones(n_cand, bool) if allowed is None else np.asarray(allowed, bool).copy()
    removed = {"not_allowed": int((~mask).sum()), "small_catchment": 0, "near_existing": 0}
    tree = cKDTree(demand.xyz()) if len(demand) else None
    if min_catchment > 0:
        idx = np.flatnonzero(mask)
        t2 = catchment_minutes if catchment_minutes is not None else minutes
        c2 = coverage_matrix(candidates.subset(idx), demand, t2, router, tree)
        catchment = c2.matrix.astype(np.float64) @ weights
        small = idx[catchment < min_catchment - 1e-9]
        mask[small] = False
        removed["small_catchment"] = len(small)
    if min_minutes_between > 0 and len(existing):
        idx = np.flatnonzero(mask)
        rows, _ = conflicts(candidates.subset(idx), min_minutes_between, router, existing)
        near = np.unique(idx[rows])
        mask[near] = False
        removed["near_existing"] = len(near)
    eligible = np.flatnonzero(mask)
    cover = coverage_matrix(candidates.subset(eligible), demand, minutes, router, tree)
    if len(existing):
        existing_cover = coverage_matrix(existing, demand, minutes, router, tree)
        existing_covered = np.asarray(existing_cover.matrix.sum(axis=0)).ravel() > 0
    else:
        existing_covered = np.zeros(len(demand), bool)
    residual = np.where(existing_covered, 0.0, weights)
    m = len(eligible)
    if min_minutes_between > 0 and m:
        a, b = conflicts(candidates.subset(eligible), min_minutes_between, router)
        data = np.ones(2 * len(a), bool)
        conflict = sparse.csr_matrix((data, (np.r_[a, b], np.r_[b, a])), shape=(m, m))
    else:
        conflict = sparse.csr_matrix((m, m), dtype=bool)
    return Problem(demand, weights, candidates, minutes, router, eligible, cover, residual,
                   existing_covered, conflict, removed)


def candidate_mask(n: int, *, population=None, min_population: float = 0, only=None,
                   excluded=None, codes=None) -> np.ndarray:
    """Bool mask over n candidates: population ≥ min_population, code in `only` (if given),
    code not in `excluded`."""
    mask = np.ones(n, bool)
    if min_population and population is not None:
        mask &= np.asarray(population, float) >= min_population
    if codes is not None:
        codes = np.asarray(codes)
        if only:
            mask &= np.isin(codes, list(only))
        if excluded:
            mask &= ~np.isin(codes, list(excluded))
    return mask


# -- exact models ------------------------------------------------------------------------------


def _covering_model(problem: Problem):
    """Columns: x (eligible candidates) then y (coverable residual demand). Rows: y_d − Σx ≤ 0,
    then conflicts x_i + x_j ≤ 1. Returns the matrix, bounds and the demand indices of y."""
    c = problem.cover.matrix
    m = c.shape[0]
    coverable = np.flatnonzero((np.asarray(c.sum(axis=0)).ravel() > 0) & (problem.residual > 0))
    ct = sparse.csr_matrix(c[:, coverable].T, dtype=np.float64)  # |D| × m
    link = sparse.hstack([-ct, sparse.identity(len(coverable), format="csr")], format="csr")
    upper = [np.zeros(len(coverable))]
    blocks = [link]
    pairs = sparse.triu(problem.conflict_matrix, k=1).tocoo()
    if pairs.nnz:
        rows = np.repeat(np.arange(pairs.nnz), 2)
        cols = np.column_stack([pairs.row, pairs.col]).ravel()
        blocks.append(sparse.csr_matrix((np.ones(len(cols)), (rows, cols)),
                                        shape=(pairs.nnz, m + len(coverable))))
        upper.append(np.ones(pairs.nnz))
    return sparse.vstack(blocks, format="csr"), np.concatenate(upper), coverable


def _start_vector(problem: Problem, chosen, coverable) -> np.ndarray:
    m = problem.cover.matrix.shape[0]
    x = np.zeros(m)
    x[list(chosen)] = 1
    y = np.zeros(len(coverable))
    if len(chosen):
        hit = np.zeros(problem.cover.matrix.shape[1], bool)
        hit[np.unique(problem.cover.matrix[list(chosen)].indices)] = True
        y = hit[coverable].astype(float)
    return np.concatenate([x, y])


def _integral(weights) -> bool:
    return bool(np.all(np.equal(np.mod(weights, 1), 0)))


# -- exact reduction ---------------------------------------------------------------------------


@dataclass
class Reduction:
    """A smaller maximal-covering problem with the same optimum: demand points with identical
    coverage sets merged (weights added), candidates covering nothing new removed, and — when
    there is no conflict between candidates — candidates whose coverage set is a subset of
    another's removed (swapping one for its dominator never loses coverage)."""

    problem: Problem  # rows: kept candidates; columns: merged demand; residual: merged weights
    keep: np.ndarray  # row of the original problem of each kept candidate
    to_kept: np.ndarray  # for every original row, a kept row covering at least as much (or -1)

    def lift(self, rows) -> list[int]:
        return [int(self.keep[r]) for r in rows]

    def lower(self, chosen) -> list[int]:
        return sorted({int(self.to_kept[i]) for i in chosen if self.to_kept[i] >= 0})


def reduce_problem(problem: Problem, *, dominance: bool = True) -> Reduction:
    c = problem.cover.matrix
    m = c.shape[0]
    cols = np.flatnonzero((problem.residual > 0) & (np.diff(c.tocsc().indptr) > 0))
    cc = sparse.csr_matrix(c[:, cols], dtype=np.float64)
    sizes = np.diff(cc.indptr)
    to_kept = np.where(sizes > 0, np.arange(m), -1)
    if dominance and problem.conflict_matrix.nnz == 0 and m:
        inter = (cc @ cc.T).tocoo()
        # i is dominated by j when N(i) ⊆ N(j) and (N(j) is larger, or equal with j < i).
        dom = ((inter.row != inter.col) & (inter.data == sizes[inter.row])
               & ((sizes[inter.col] > sizes[inter.row]) | (inter.col < inter.row))
               & (sizes[inter.row] > 0))
        dominator = np.full(m, -1)
        dominator[inter.row[dom]] = inter.col[dom]
        # Follow the chains (N(i) ⊆ N(j) ⊆ …, strictly ordered): each ends at a kept row.
        target = np.where(dominator >= 0, dominator, to_kept)
        for _ in range(m):
            nxt = np.where(target >= 0, dominator[np.maximum(target, 0)], -1)
            step = nxt >= 0
            if not step.any():
                break
            target = np.where(step, nxt, target)
        to_kept = np.where(sizes > 0, target, -1)
    keep = np.flatnonzero(to_kept == np.arange(m))
    rows = cc[keep]
    # Merge the demand points reached by exactly the same kept candidates.
    ct = rows.T.tocsr()
    ct.sort_indices()
    groups: dict[bytes, int] = {}
    label = np.empty(ct.shape[0], np.int64)
    for d in range(ct.shape[0]):
        key = ct.indices[ct.indptr[d]:ct.indptr[d + 1]].tobytes()
        label[d] = groups.setdefault(key, len(groups))
    weights = np.bincount(label, weights=problem.residual[cols], minlength=len(groups))
    first = np.full(len(groups), -1)
    first[label[::-1]] = np.arange(len(label))[::-1]
    matrix = sparse.csr_matrix(rows[:, first] > 0)
    position = np.full(m, -1)
    position[keep] = np.arange(len(keep))
    sub = replace(problem, cover=CoverageMatrix(matrix, np.zeros(0), problem.minutes),
                  residual=weights, weights=weights,
                  existing_covered=np.zeros(len(weights), bool), eligible=problem.eligible[keep],
                  conflict_matrix=problem.conflict_matrix[keep][:, keep])
    return Reduction(sub, keep, np.where(to_kept >= 0, position[np.maximum(to_kept, 0)], -1))


def lagrangian_value(problem: Problem, lam, k: int) -> float:
    """Σ max(0, w − λ) + the k largest Σ_{d∈N(i)} λ_d: an upper bound on the maximal coverage
    for any 0 ≤ λ ≤ w (conflicts relaxed). With the LP's duals it equals the LP bound, and is
    recomputed here so the bound does not rest on the solver's tolerances."""
    w = problem.residual
    lam = np.clip(np.nan_to_num(np.asarray(lam, float)), 0.0, w)
    scores = problem.cover.matrix.astype(np.float64) @ lam
    k = min(k, len(scores))
    top = float(np.sort(scores)[::-1][:k].sum()) if k else 0.0
    # Rounding upwards by a hair keeps it a bound despite floating-point sums.
    return float(np.maximum(0.0, w - lam).sum() + top) * (1 + 1e-12) + 1e-9


def _budget_model(problem: Problem, k: int):
    matrix, upper, coverable = _covering_model(problem)
    m = problem.cover.matrix.shape[0]
    budget = sparse.csr_matrix(np.r_[np.ones(m), np.zeros(len(coverable))][None, :])
    matrix = sparse.vstack([matrix, budget], format="csr")
    upper = np.r_[upper, k]
    lower = np.full(len(upper), -np.inf)
    cost = np.r_[np.zeros(m), problem.residual[coverable]]
    return matrix, lower, upper, cost, coverable


def lp_bound(reduction: Reduction, k: int, *, time_limit: float):
    """The LP relaxation of the reduced problem (primal simplex). Returns (proven bound or
    None, LP values of the reduced candidates or None)."""
    sub = reduction.problem
    matrix, lower, upper, cost, coverable = _budget_model(sub, k)
    if not len(coverable):
        return 0.0, np.zeros(sub.cover.matrix.shape[0])
    lp = solve(cost, matrix, lower, upper, time_limit=time_limit, lp_method="primal")
    if lp.status != "optimal" or lp.x is None:
        return None, None
    m = sub.cover.matrix.shape[0]
    bound = lp.objective
    if lp.row_dual is not None:
        lam = np.zeros(len(sub.residual))
        lam[coverable] = np.abs(lp.row_dual[:len(coverable)])
        bound = lagrangian_value(sub, lam, k)
    return bound, lp.x[:m]


# -- the two questions -------------------------------------------------------------------------

# Up to this many reachable pairs "auto" solves the LP relaxation (primal simplex on the reduced
# problem: 0.8 s at 5,000 communes / T = 20 with 270,000 pairs) instead of the Lagrangian.
LP_MAX_PAIRS = 400_000
# Up to this many pairs, 50 Lagrangian steps (about a millisecond) are tried before the LP.
TINY_PAIRS = 2_000


def plan_max_coverage(problem: Problem, k: int, *, time_limit: float = 10.0,
                      method: str = "auto") -> Plan:
    """Where to open k new places to maximise the population within T minutes.

    method: "greedy" (heuristic + Lagrangian bound), "lp" (the LP relaxation bound, no MIP),
    "mip" (always try the exact model) or "auto" (LP bound, then the exact MIP when the
    instance is small enough to be proven in time, else a kernel search).

    Order: greedy + swaps (milliseconds); Minoux's bound; the exact reduction
    (reduce_problem); the LP relaxation of the reduced problem — when it equals the plan the
    plan is proven optimal and we stop; the MIP on the reduced problem warm-started with the
    plan (its dual bound is a bound for the full problem since the reduction keeps the
    optimum), or a MIP on a kernel of promising candidates when the full one is too big.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    pairs = problem.cover.matrix.nnz
    base = problem.existing_population
    dense = dense_cover(problem)  # small instances: the same heuristics on dense arrays
    chosen = greedy(problem, k, dense=dense)
    value = covered_by(problem, chosen, dense=dense)
    # Every residual inhabitant some candidate reaches: when greedy covers them all the plan is
    # optimal (proven), and the swaps and bounds below could not change anything.
    c = problem.cover.matrix
    reachable = float(problem.residual[np.bincount(c.indices, minlength=c.shape[1]) > 0].sum())
    if value >= reachable - 1e-9:
        bound = value
        solver = ["glouton (toute la population atteignable est couverte)"]
    else:
        chosen = swap_improve(problem, chosen, deadline=t0 + 0.3 * time_limit, dense=dense)
        value = covered_by(problem, chosen, dense=dense)
        bound = online_bound(problem, chosen, k, dense=dense)
        solver = ["glouton + échanges"]
    tol = 0.5 if _integral(problem.residual) else 1e-6 * max(1.0, bound)
    use_lp = method == "lp" or (method in ("auto", "mip") and pairs <= LP_MAX_PAIRS)
    use_mip = method == "mip" or (method == "auto" and pairs <= MIP_MAX_PAIRS)
    reduction = lp_values = None

    def better(picked, label):
        nonlocal chosen, value
        if picked is not None and covered_by(problem, picked, dense=dense) > value + 1e-9:
            chosen, value = list(picked), covered_by(problem, picked, dense=dense)
            if label not in solver:
                solver.append(label)

    if bound - value > tol and use_lp and 0 < pairs <= TINY_PAIRS:
        # Tiny instances: a few Lagrangian steps often prove the plan before HiGHS starts.
        lag_bound, _, _ = lagrangian_bound(problem, chosen, k, lower=value,
                                           deadline=deadline, iterations=50, dense=dense)
        if lag_bound < bound:
            bound = lag_bound
            solver.append("borne lagrangienne")
    if bound - value > tol and use_lp and pairs:
        reduction = reduce_problem(problem)
        lp, lp_values = lp_bound(reduction, k, time_limit=max(
            0.1, 0.6 * (deadline - time.perf_counter())))
        if lp is not None:
            bound = min(bound, lp)
            solver.append("borne LP")
        if bound - value > tol and lp_values is not None:
            # LP rounding: the k largest LP values, polished by swaps.
            top = np.argsort(-lp_values, kind="stable")[:k]
            picked = reduction.lift(top[lp_values[top] > 1e-6])
            if problem.conflict_matrix.nnz == 0 or not problem.conflict_matrix[
                    picked][:, picked].nnz:
                picked = swap_improve(problem, picked,
                                      deadline=time.perf_counter() + 0.05 * time_limit,
                                      dense=dense)
                better(picked, "arrondi du LP")
    if bound - value > tol and (not use_lp or reduction is None or lp_values is None):
        # No LP bound: the Lagrangian relaxation (its every 10th step is also tried as a plan).
        share = 0.1 if use_mip else 0.45
        lag_bound, lag_plan, _ = lagrangian_bound(
            problem, chosen, k, lower=value, deadline=time.perf_counter() + share * time_limit,
            dense=dense)
        bound = min(bound, lag_bound)
        solver.append("borne lagrangienne")
        if lag_plan is not None:  # a better plan met by the relaxation: polish it
            lag_plan = swap_improve(problem, lag_plan,
                                    deadline=time.perf_counter() + 0.1 * time_limit,
                                    dense=dense)
            better(lag_plan, "heuristique lagrangienne")
    if bound - value > tol and use_mip and pairs and time.perf_counter() < deadline:
        reduction = reduction or reduce_problem(problem)
        sub = reduction.problem
        matrix, lower, upper, cost, coverable = _budget_model(sub, k)
        m = sub.cover.matrix.shape[0]
        integer = np.r_[np.ones(m, bool), np.zeros(len(coverable), bool)]
        mip = solve(cost, matrix, lower, upper, integer_cols=integer,
                    start=_start_vector(sub, reduction.lower(chosen), coverable),
                    time_limit=max(0.1, deadline - time.perf_counter()),
                    abs_gap=tol if tol == 0.5 else 1e-6)
        solver.append(f"MIP HiGHS ({'prouvé' if mip.status == 'optimal' else mip.status})")
        if mip.x is not None:
            better(reduction.lift(np.flatnonzero(mip.x[:m] > 0.5)), solver[-1])
        if mip.dual_bound is not None:
            bound = min(bound, mip.dual_bound)
    elif bound - value > tol and method != "greedy" and pairs and (
            time.perf_counter() < deadline):
        picked = kernel_search(problem, chosen, k, deadline=deadline - 0.05 * time_limit,
                               reduction=reduction, lp_values=lp_values)
        better(picked, "MIP restreint aux candidats prometteurs")
    if tol == 0.5:  # integer populations: the optimum is an integer
        bound = math.floor(bound)
    bound = max(bound, value)
    proven = bound - value <= tol
    plan = Plan("max_coverage", problem.minutes, [int(problem.eligible[i]) for i in chosen],
                problem.total, base, base + value, base + bound,
                status="optimal" if proven else "feasible", solver=", ".join(solver),
                elapsed=time.perf_counter() - t0, eligible_candidates=len(problem.eligible),
                details={"removed_candidates": problem.removed, "pairs": pairs})
    plan.message = _max_coverage_message(plan, k)
    return plan


def kernel_search(problem: Problem, chosen, k: int, *, deadline: float,
                  per_list: int | None = None, reduction: Reduction | None = None,
                  lp_values=None) -> list[int] | None:
    """Exact MIP on a kernel of promising candidates (the plan, the largest gains with and
    without it, those sharing most demand with it, and the support of the LP relaxation when
    given): a better plan when the full MIP is too big. Proves nothing about the full problem
    (its bound is not used). With a `reduction`, works on the reduced problem."""
    if reduction is not None:
        problem, chosen = reduction.problem, reduction.lower(chosen)
    c = problem.cover.matrix
    cf = c.astype(np.float64)
    chosen = list(chosen)
    n = per_list or max(100, min(6 * k, 700))  # kernels of a few thousand stay solvable
    uncovered = problem.residual.copy()
    if chosen:
        uncovered[np.unique(c[chosen].indices)] = 0.0
    lists = [np.asarray(chosen, np.int64), np.argsort(-(cf @ uncovered))[:n],
             np.argsort(-(cf @ problem.residual))[:n]]
    if chosen:
        shared = np.asarray((cf @ cf[chosen].T).sum(axis=1)).ravel()
        lists.append(np.argsort(-shared)[:n])
    if lp_values is not None and reduction is not None:
        order = np.argsort(-lp_values, kind="stable")
        lists.append(order[lp_values[order] > 1e-6][:2 * n])
    kernel = np.unique(np.concatenate(lists))
    sub = replace(problem, cover=CoverageMatrix(c[kernel], np.zeros(0), problem.minutes),
                  eligible=problem.eligible[kernel],
                  conflict_matrix=problem.conflict_matrix[kernel][:, kernel])
    m = len(kernel)
    matrix, lower, upper, cost, coverable = _budget_model(sub, k)
    start = [int(np.searchsorted(kernel, i)) for i in chosen]
    result = solve(cost, matrix, lower, upper,
                   integer_cols=np.r_[np.ones(m, bool), np.zeros(len(coverable), bool)],
                   start=_start_vector(sub, start, coverable),
                   time_limit=max(0.05, deadline - time.perf_counter()), abs_gap=0.5)
    if result.x is None:
        return None
    picked = [int(i) for i in kernel[np.flatnonzero(result.x[:m] > 0.5)]]
    if reduction is not None:
        picked = reduction.lift(picked)
    return picked


def _max_coverage_message(plan: Plan, k: int) -> str:
    n = len(plan.chosen)
    text = (f"{n} nouveau{'x' if n > 1 else ''} lieu{'x' if n > 1 else ''} : "
            f"{pct(plan.share)} de la population à {plan.minutes:g} min ou moins d'un lieu "
            f"(aujourd'hui {pct(plan.existing_share)}).")
    if plan.status == "optimal":
        text += f" Plan optimal (prouvé) avec {k} lieu{'x' if k > 1 else ''} au plus."
    else:
        text += (f" Ce plan atteint au moins {pct(plan.ratio)} de la meilleure couverture "
                 f"possible avec {k} lieux (borne prouvée : {pct(plan.bound_share)}).")
    if plan.eligible_candidates == 0:
        text += " Aucune commune candidate ne respecte les contraintes demandées."
    elif n < k:
        text += (f" Au-delà de {n} lieu{'x' if n > 1 else ''}, un lieu de plus n'ajouterait "
                 "aucun habitant couvert (ou les contraintes l'empêchent).")
    return text


def plan_min_places(problem: Problem, target_share: float, *, time_limit: float = 10.0,
                    max_places: int | None = None, method: str = "auto",
                    names=None) -> Plan:
    """Fewest new places so that `target_share` of the population is within T minutes."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    c = problem.cover.matrix
    total, base = problem.total, problem.existing_population
    target = target_share * total
    need = target - base
    tol = 1e-6 * max(1.0, total)
    m = c.shape[0]
    common = dict(total_population=total, existing_population=base,
                  eligible_candidates=len(problem.eligible),
                  details={"removed_candidates": problem.removed, "pairs": c.nnz})
    if need <= tol:
        return Plan("min_places", problem.minutes, [], covered_population=base,
                    upper_bound=total, status="optimal", elapsed=time.perf_counter() - t0,
                    message=(f"Objectif déjà atteint : {pct(base / total if total else 1)} de "
                             f"la population est à {problem.minutes:g} min ou moins d'un lieu."),
                    solver="aucun calcul", **common)
    coverable = (np.asarray(c.sum(axis=0)).ravel() > 0)
    reachable = float(problem.residual[coverable].sum())
    if reachable < need - tol:
        return Plan("min_places", problem.minutes, [], covered_population=base,
                    upper_bound=base + reachable, status="infeasible",
                    elapsed=time.perf_counter() - t0, solver="analyse de couverture",
                    message=_infeasible_message(problem, target_share, coverable, names),
                    **common)
    limit = max_places if max_places is not None else m
    chosen = greedy(problem, limit, stop_at=need)
    value = covered_by(problem, chosen)
    if value < need - tol:
        chosen = None  # conflicts blocked the greedy path
    gains = np.sort(c.astype(np.float64) @ problem.residual)[::-1]
    lower = int(np.searchsorted(np.cumsum(gains), need - tol) + 1)
    solver = ["glouton"]
    pairs = c.nnz
    if (chosen is None or len(chosen) > lower) and (
            method == "mip" or (method == "auto" and pairs <= MIP_MAX_PAIRS)):
        matrix, upper, cov_idx = _covering_model(problem)
        cover_row = sparse.csr_matrix(np.r_[np.zeros(m), problem.residual[cov_idx]][None, :])
        matrix = sparse.vstack([matrix, cover_row], format="csr")
        upper = np.r_[upper, np.inf]
        low = np.r_[np.full(len(upper) - 1, -np.inf), need - tol]
        cost = np.r_[np.ones(m), np.zeros(len(cov_idx))]
        integer = np.r_[np.ones(m, bool), np.zeros(len(cov_idx), bool)]
        start = _start_vector(problem, chosen, cov_idx) if chosen is not None else None
        mip = solve(cost, matrix, low, upper, integer_cols=integer, maximize=False,
                    start=start, time_limit=max(0.1, deadline - time.perf_counter()),
                    abs_gap=0.5)
        solver.append(f"MIP HiGHS ({'prouvé' if mip.status == 'optimal' else mip.status})")
        if mip.status == "infeasible" and chosen is None:
            return Plan("min_places", problem.minutes, [], covered_population=base,
                        upper_bound=base + reachable, status="infeasible",
                        elapsed=time.perf_counter() - t0, solver=", ".join(solver),
                        message=("Objectif impossible avec la distance minimale demandée entre "
                                 "deux lieux : réduisez-la ou l'objectif de couverture."),
                        **common)
        if mip.x is not None:
            picked = [int(i) for i in np.flatnonzero(mip.x[:m] > 0.5)]
            if covered_by(problem, picked) >= need - tol and (
                    chosen is None or len(picked) < len(chosen)):
                chosen = picked
        if mip.dual_bound is not None:
            lower = max(lower, math.ceil(mip.dual_bound - 1e-6))
    if chosen is None:
        return Plan("min_places", problem.minutes, [], covered_population=base,
                    upper_bound=base + reachable, min_places_bound=lower, status="feasible",
                    elapsed=time.perf_counter() - t0, solver=", ".join(solver),
                    message=("Aucun plan trouvé dans le temps imparti avec ces contraintes ; "
                             f"il faut au moins {lower} nouveaux lieux."), **common)
    lower = min(lower, len(chosen))
    plan = Plan("min_places", problem.minutes, [int(problem.eligible[i]) for i in chosen],
                covered_population=base + covered_by(problem, chosen), upper_bound=total,
                min_places_bound=lower,
                status="optimal" if len(chosen) == lower else "feasible",
                elapsed=time.perf_counter() - t0, solver=", ".join(solver), **common)
    n = len(chosen)
    plan.message = (f"{n} nouveau{'x' if n > 1 else ''} lieu{'x' if n > 1 else ''} pour "
                    f"{pct(plan.share)} de la population à {problem.minutes:g} min ou moins "
                    f"(objectif {pct(target_share)}).")
    plan.message += (" Nombre minimal prouvé." if plan.status == "optimal" else
                     f" Il en faut au moins {lower} (borne prouvée) ; ce plan n'est pas "
                     "prouvé minimal.")
    return plan


def _infeasible_message(problem: Problem, target_share, coverable, names) -> str:
    isolated = np.flatnonzero((problem.residual > 0) & ~coverable)
    order = isolated[np.argsort(-problem.weights[isolated])]
    pop = float(problem.weights[isolated].sum())
    times, _ = nearest_minutes(problem.candidates.subset(problem.eligible),
                               problem.demand.subset(order[:5]), problem.router)
    examples = []
    for d, t in zip(order[:5], times):
        label = names[d] if names is not None else f"point {d}"
        far = f"{t:.0f} min" if np.isfinite(t) else "aucun emplacement"
        examples.append(f"{label} ({people(problem.weights[d])} hab., {far})")
    n = len(isolated)
    return (f"Couverture de {pct(target_share)} impossible à {problem.minutes:g} min : "
            f"{n} commune{'s' if n > 1 else ''} ({people(pop)} habitants) "
            f"{'sont' if n > 1 else 'est'} à plus de {problem.minutes:g} min de tout "
            f"emplacement possible — {', '.join(examples)}. Élargissez le temps de trajet, "
            "les communes candidates, ou visez un objectif plus bas.")
