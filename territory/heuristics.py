"""Fast plans and cheap proven bounds for maximal covering (used by territory.planner).

Lazy greedy (CELF) and best-improvement swaps find a good plan; Minoux's online bound and a
Lagrangian relaxation bound it from above without a solver.

Small instances (at most DENSE_MAX_CELLS candidate × demand cells) run the same algorithms on
dense NumPy arrays (`dense_cover`, passed as `dense=`): at a few dozen communes the cost of a
scipy.sparse call (constructors, index checks, fancy indexing) is far above the arithmetic. Same
plans, same tie-breaking (heap order, argmax, argpartition on the same scores).
"""

from __future__ import annotations

import heapq
import time
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from territory.planner import Problem


# Up to this many candidate × demand cells the heuristics work on dense arrays (a 200 × 200
# float matrix is 320 kB; its products stay in the tens of microseconds).
DENSE_MAX_CELLS = 40_000


class DenseCover:
    """Dense copies of a problem's coverage and conflict matrices."""

    def __init__(self, problem: Problem):
        self.c = problem.cover.matrix.toarray().astype(bool)
        self.cf = self.c.astype(np.float64)
        self.conflict = problem.conflict_matrix.toarray().astype(bool)
        self.has_conflicts = bool(problem.conflict_matrix.nnz)


def dense_cover(problem: Problem) -> DenseCover | None:
    """Dense matrices when the instance is small enough (else None: stay sparse)."""
    m, n = problem.cover.matrix.shape
    return DenseCover(problem) if m * n <= DENSE_MAX_CELLS else None


def _row(matrix: sparse.csr_matrix, i: int) -> np.ndarray:
    return matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]]


def greedy(problem: Problem, k: int, *, stop_at: float | None = None,
           dense: DenseCover | None = None) -> list[int]:
    """Lazy greedy (CELF): take the candidate with the largest new coverage, skipping those in
    conflict with a chosen one, until k places or `stop_at` residual population is covered."""
    if dense is not None:
        return _greedy_dense(problem, k, stop_at, dense)
    c = problem.cover.matrix
    uncovered = problem.residual.copy()
    gains = c.astype(np.float64) @ uncovered
    heap = [(-g, int(i)) for i, g in enumerate(gains) if g > 0]
    heapq.heapify(heap)
    forbidden = np.zeros(c.shape[0], bool)
    chosen, covered = [], 0.0
    while heap and len(chosen) < k:
        if stop_at is not None and covered >= stop_at - 1e-9:
            break
        neg, i = heapq.heappop(heap)
        if forbidden[i]:
            continue
        fresh = float(uncovered[_row(c, i)].sum())
        if fresh <= 0:
            continue
        if fresh < -neg - 1e-9:
            heapq.heappush(heap, (-fresh, i))
            continue
        chosen.append(i)
        covered += fresh
        uncovered[_row(c, i)] = 0.0
        forbidden[i] = True
        forbidden[_row(problem.conflict_matrix, i)] = True
    return chosen


def _greedy_dense(problem: Problem, k: int, stop_at: float | None, dense: DenseCover):
    """greedy on dense arrays: every gain recomputed by one product per place (cheaper than
    the lazy re-evaluations at this size). Same choices as the lazy greedy: the largest gain,
    the lowest index among equal gains (exactly so for integer populations; for fractional
    ones CELF's 1e-9 tolerance may prefer another candidate within 1e-9 of the best)."""
    uncovered = problem.residual.copy()
    forbidden = np.zeros(dense.c.shape[0], bool)
    chosen, covered = [], 0.0
    while len(chosen) < min(k, len(forbidden)):
        if stop_at is not None and covered >= stop_at - 1e-9:
            break
        gains = dense.cf @ uncovered
        gains[forbidden] = 0.0
        i = int(np.argmax(gains))
        if gains[i] <= 0:
            break
        row = dense.c[i]
        covered += float(uncovered[row].sum())
        uncovered[row] = 0.0
        forbidden[i] = True
        forbidden[dense.conflict[i]] = True
        chosen.append(i)
    return chosen


def covered_by(problem: Problem, chosen, *, dense: DenseCover | None = None) -> float:
    if not len(chosen):
        return 0.0
    if dense is not None:
        return float(problem.residual[dense.c[list(chosen)].any(axis=0)].sum())
    cols = np.unique(problem.cover.matrix[list(chosen)].indices)
    return float(problem.residual[cols].sum())


def swap_improve(problem: Problem, chosen: list[int], *, deadline: float,
                 dense: DenseCover | None = None) -> list[int]:
    """Best-improvement swaps (remove one chosen place, add another) until none improves."""
    if dense is not None:
        return _swap_improve_dense(problem, chosen, deadline, dense)
    c = problem.cover.matrix
    cf = c.astype(np.float64)
    w = problem.residual
    chosen = list(chosen)
    if not chosen:
        return chosen
    count = np.asarray(c[chosen].sum(axis=0)).ravel()
    conflict = problem.conflict_matrix.astype(np.int32)
    conflict_count = np.asarray(conflict[chosen].sum(axis=0)).ravel() if chosen else None
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for pos, i in enumerate(list(chosen)):
            cols = _row(c, i)
            only_i = cols[count[cols] == 1]
            loss = float(w[only_i].sum())
            value = w * (count == 0)
            value[only_i] = w[only_i]
            gains = cf @ value
            blocked = conflict_count - np.asarray(conflict[i].todense()).ravel() > 0
            blocked[chosen] = True
            gains[blocked] = -np.inf
            j = int(np.argmax(gains))
            if gains[j] - loss > 1e-9:
                count[cols] -= 1
                count[_row(c, j)] += 1
                conflict_count += (np.asarray(conflict[j].todense()).ravel()
                                   - np.asarray(conflict[i].todense()).ravel())
                chosen[pos] = j
                improved = True
            if time.perf_counter() >= deadline:
                break
    return chosen


def _swap_improve_dense(problem: Problem, chosen, deadline: float, dense: DenseCover):
    """swap_improve on dense arrays (same moves in the same order)."""
    c, cf, w = dense.c, dense.cf, problem.residual
    chosen = list(chosen)
    if not chosen:
        return chosen
    count = c[chosen].sum(axis=0, dtype=np.int64)
    conflict = dense.conflict.astype(np.int32)
    conflict_count = conflict[chosen].sum(axis=0)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for pos, i in enumerate(list(chosen)):
            cols = np.flatnonzero(c[i])
            only_i = cols[count[cols] == 1]
            loss = float(w[only_i].sum())
            value = w * (count == 0)
            value[only_i] = w[only_i]
            gains = cf @ value
            blocked = conflict_count - conflict[i] > 0
            blocked[chosen] = True
            gains[blocked] = -np.inf
            j = int(np.argmax(gains))
            if gains[j] - loss > 1e-9:
                count[cols] -= 1
                count[c[j]] += 1
                conflict_count += conflict[j] - conflict[i]
                chosen[pos] = j
                improved = True
            if time.perf_counter() >= deadline:
                break
    return chosen


def online_bound(problem: Problem, chosen, k: int, *, dense: DenseCover | None = None) -> float:
    """Minoux's bound: OPT ≤ f(S) + sum of the k largest marginal gains w.r.t. S (coverage is
    submodular). Valid whatever S is, and ignores conflicts (a relaxation)."""
    c = problem.cover.matrix
    uncovered = problem.residual.copy()
    if dense is not None:
        if len(chosen):
            uncovered[dense.c[list(chosen)].any(axis=0)] = 0.0
        gains = np.sort(dense.cf @ uncovered)[::-1]
    else:
        if len(chosen):
            uncovered[np.unique(c[list(chosen)].indices)] = 0.0
        gains = np.sort(c.astype(np.float64) @ uncovered)[::-1]
    return covered_by(problem, chosen, dense=dense) + float(gains[:k].sum())


def lagrangian_bound(problem: Problem, chosen, k: int, *, lower: float, deadline: float,
                     iterations: int = 3000, patience: int = 20,
                     dense: DenseCover | None = None):
    """Upper bound by Lagrangian relaxation of "y_d ≤ Σ x_i" with subgradient steps, and the
    best plan met on the way. Returns (bound, plan or None, plan's coverage).

    For any 0 ≤ λ ≤ w: OPT ≤ Σ_d max(0, w_d − λ_d) + (sum of the k largest Σ_{d∈N(i)} λ_d).
    It starts from the multipliers that give Minoux's bound for `chosen` and converges towards
    the LP bound, at the cost of one sparse product per step (conflicts are relaxed too). The
    k candidates of each step are also a plan (Lagrangian heuristic): kept when it beats
    `lower` and respects the conflicts.
    """
    matrix = problem.cover.matrix
    w = problem.residual
    lam = w.copy()
    if dense is not None:
        c, ct = dense.cf, None

        def covered(rows):
            return dense.c[rows].any(axis=0)

        def conflict_free(rows):
            return not dense.conflict[np.ix_(rows, rows)].any()
    else:
        c = matrix.astype(np.float64)
        ct = c.T.tocsr()

        def covered(rows):
            return np.unique(matrix[rows].indices)

        def conflict_free(rows):
            return problem.conflict_matrix[rows][:, rows].nnz == 0
    if len(chosen):
        lam[covered(list(chosen))] = 0.0
    k = min(k, c.shape[0])
    if k == 0:
        return 0.0, None, 0.0
    has_conflicts = problem.conflict_matrix.nnz > 0
    pick = np.zeros(c.shape[0])
    best, theta, stall = np.inf, 2.0, 0
    best_plan, best_value = None, lower
    for step in range(iterations):
        scores = c @ lam
        top = np.argpartition(-scores, k - 1)[:k]
        value = float((w - lam).sum() + scores[top].sum())  # 0 ≤ λ ≤ w: no max(0, ·) needed
        if value < best - 1e-9:
            best, stall = value, 0
        else:
            stall += 1
            if stall >= patience:
                theta, stall = theta / 2, 0
        if step % 10 == 0 and (not has_conflicts or conflict_free(top)):
            found = float(w[covered(top)].sum())
            if found > best_value + 1e-9:
                best_plan, best_value = [int(i) for i in top], found
        if best - best_value <= 0.5 or theta < 1e-3 or time.perf_counter() > deadline:
            break
        if dense is not None:  # the same 0/1 sums, without a matrix product
            grad = dense.cf[top].sum(axis=0) - (w > lam)
        else:
            pick[:] = 0.0
            pick[top] = 1.0
            grad = ct @ pick - (w > lam)
        norm = float(grad @ grad)
        if norm == 0:
            break
        # = np.clip(…, 0, w), whose wrapper costs more than the arithmetic on small arrays.
        lam = np.minimum(np.maximum(lam - theta * (value - best_value) / norm * grad, 0.0), w)
    return best, best_plan, best_value
