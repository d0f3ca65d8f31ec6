"""Fast plans and cheap proven bounds for maximal covering (used by territory.planner).

Lazy greedy (CELF) and best-improvement swaps find a good plan; Minoux's online bound and a
Lagrangian relaxation bound it from above without a solver.
"""

from __future__ import annotations

import heapq
import time
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from territory.planner import Problem


def _row(matrix: sparse.csr_matrix, i: int) -> np.ndarray:
    return matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]]


def greedy(problem: Problem, k: int, *, stop_at: float | None = None) -> list[int]:
    """Lazy greedy (CELF): take the candidate with the largest new coverage, skipping those in
    conflict with a chosen one, until k places or `stop_at` residual population is covered."""
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


def covered_by(problem: Problem, chosen) -> float:
    if not len(chosen):
        return 0.0
    cols = np.unique(problem.cover.matrix[list(chosen)].indices)
    return float(problem.residual[cols].sum())


def swap_improve(problem: Problem, chosen: list[int], *, deadline: float) -> list[int]:
    """Best-improvement swaps (remove one chosen place, add another) until none improves."""
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


def online_bound(problem: Problem, chosen, k: int) -> float:
    """Minoux's bound: OPT ≤ f(S) + sum of the k largest marginal gains w.r.t. S (coverage is
    submodular). Valid whatever S is, and ignores conflicts (a relaxation)."""
    c = problem.cover.matrix
    uncovered = problem.residual.copy()
    if len(chosen):
        uncovered[np.unique(c[list(chosen)].indices)] = 0.0
    gains = np.sort(c.astype(np.float64) @ uncovered)[::-1]
    return covered_by(problem, chosen) + float(gains[:k].sum())


def lagrangian_bound(problem: Problem, chosen, k: int, *, lower: float, deadline: float,
                     iterations: int = 3000, patience: int = 20):
    """Upper bound by Lagrangian relaxation of "y_d ≤ Σ x_i" with subgradient steps, and the
    best plan met on the way. Returns (bound, plan or None, plan's coverage).

    For any 0 ≤ λ ≤ w: OPT ≤ Σ_d max(0, w_d − λ_d) + (sum of the k largest Σ_{d∈N(i)} λ_d).
    It starts from the multipliers that give Minoux's bound for `chosen` and converges towards
    the LP bound, at the cost of one sparse product per step (conflicts are relaxed too). The
    k candidates of each step are also a plan (Lagrangian heuristic): kept when it beats
    `lower` and respects the conflicts.
    """
    matrix = problem.cover.matrix
    c = matrix.astype(np.float64)
    ct = c.T.tocsr()
    w = problem.residual
    lam = w.copy()
    if len(chosen):
        lam[np.unique(matrix[list(chosen)].indices)] = 0.0
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
        value = float(np.maximum(0.0, w - lam).sum() + scores[top].sum())
        if value < best - 1e-9:
            best, stall = value, 0
        else:
            stall += 1
            if stall >= patience:
                theta, stall = theta / 2, 0
        if step % 10 == 0 and (not has_conflicts
                               or problem.conflict_matrix[top][:, top].nnz == 0):
            found = float(w[np.unique(matrix[top].indices)].sum())
            if found > best_value + 1e-9:
                best_plan, best_value = [int(i) for i in top], found
        if best - best_value <= 0.5 or theta < 1e-3 or time.perf_counter() > deadline:
            break
        pick[:] = 0.0
        pick[top] = 1.0
        grad = ct @ pick - (w > lam)
        norm = float(grad @ grad)
        if norm == 0:
            break
        lam = np.clip(lam - theta * (value - best_value) / norm * grad, 0.0, w)
    return best, best_plan, best_value
