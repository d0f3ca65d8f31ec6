"""Territory planner vs PySAL spopt on the same cost matrices (issue 6; docs/benchmarks.md).

    .venv/bin/python bench/bench_territory.py [--sizes 60 500 2000 5000 35000] [--minutes 10 20]
        [--methods ours spopt-cbc spopt-highs] [--spopt-time-limit 60] [--repeat 5] [--quick]
        [--json FILE]

Synthetic territories at French commune density (≈ 15.6 km² a commune: 551,000 km² /
35,000 communes), communes placed uniformly at random on a square around 46° N, municipal
populations drawn from a log-normal (median ≈ 430, like French communes; integers), seed fixed.
Every commune is both a demand point and a candidate site; k = max(3, n / 100) new places, no
existing place. Travel times: the planner's offline model (territory.travel).

Each (territory, T, method) runs in a fresh subprocess that rebuilds the same territory from the
seed, so wall time and peak memory (ru_maxrss of the process, plus that of its children: CBC runs
as a separate program) belong to that method alone:

- `ours`: territory.planner.prepare (KD-tree, sparse coverage) + plan_max_coverage ("auto").
- `spopt-cbc` / `spopt-highs`: spopt.locate.MCLP.from_cost_matrix on the dense n × n matrix of
  minutes from the same model (the time to compute that matrix is printed apart), solved by
  PuLP's CBC or HiGHS with `--spopt-time-limit`. service_radius = T + 1e-7, the planner's own
  slack, so the covered pairs are identical: every worker prints a hash of the coverage pattern
  and the table says whether they match.

For each method: covered population, the planner's proven bound (PuLP gives no dual bound
of a MIP), the gap to it, total wall time, peak memory and the solver's
true status (PuLP's status and solution status: a CBC run stopped by its time limit still reports
"Optimal" with solution status "Integer Feasible"). spopt is not run at 35,000 communes: its
dense cost matrix alone would take 35,000² × 8 B = 9.8 GB (the reason is printed).

Timing compared ("wall time" column): the total from the territory's points to the plan, for
both sides — ours: coverage matrix (KD-tree + travel times) + planning; spopt: its dense cost
matrix + PuLP model building + solving (the three parts are printed in the status). The
"speed-up" of a spopt row is its total divided by ours on the same instance. "CPU time" is the
user + system time of the same section (process and children: CBC), much less sensitive than
wall time to other work on a shared machine; the speed-up is given on both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KM2_PER_COMMUNE = 551_000 / 35_000
SEED = 20260
SPOPT_MAX_N = 5_000  # dense matrices beyond this do not fit the machine (9.8 GB at 35,000)


def territory(n: int, seed: int = SEED):
    """n communes: (lat, lon, population) at French commune density."""
    rng = np.random.default_rng(seed + n)
    side = math.sqrt(n * KM2_PER_COMMUNE)
    x, y = rng.uniform(0, side, n), rng.uniform(0, side, n)
    lat0 = 46.0
    lat = lat0 + (y - side / 2) / 111.2
    lon = 2.5 + (x - side / 2) / (111.2 * math.cos(math.radians(lat0)))
    pop = np.maximum(1, np.round(rng.lognormal(math.log(430), 1.3, n)))
    return lat, lon, pop


def places_to_open(n: int) -> int:
    return max(3, round(n / 100))


def pattern_hash(matrix) -> str:
    """Hash of a (facilities × demand) boolean CSR pattern."""
    matrix = matrix.tocsr()
    matrix.sort_indices()
    h = hashlib.sha256(np.asarray(matrix.indptr, np.int64).tobytes())
    h.update(np.asarray(matrix.indices, np.int64).tobytes())
    return h.hexdigest()[:12]


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (CBC)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def run_ours(n: int, minutes: float, time_limit: float) -> dict:
    from territory.coverage import Points
    from territory.planner import plan_max_coverage, prepare

    lat, lon, pop = territory(n)
    k = places_to_open(n)
    c0, t0 = cpu_seconds(), time.perf_counter()
    pts = Points(lat, lon)
    problem = prepare(pts, pop, pts, minutes=minutes)
    plan = plan_max_coverage(problem, k, time_limit=time_limit)
    wall = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    return {"cpu": cpu, "covered": plan.covered_population, "bound": plan.upper_bound,
            "status": plan.status, "solver": plan.solver, "wall": wall,
            "pairs": int(problem.cover.matrix.nnz), "hash": pattern_hash(problem.cover.matrix),
            "chosen": len(plan.chosen), "total": float(pop.sum())}


def dense_minutes(lat, lon) -> np.ndarray:
    """n × n minutes (rows: demand, columns: facilities) with the planner's offline model."""
    from territory.travel import TravelModel

    model = TravelModel()
    n = len(lat)
    out = np.empty((n, n))
    step = max(1, 2_000_000 // n)
    for a in range(0, n, step):
        b = min(n, a + step)
        out[a:b] = model.minutes(lat[a:b, None], lon[a:b, None], lat[None, :], lon[None, :])
    return out


def run_spopt(n: int, minutes: float, solver_name: str, time_limit: float) -> dict:
    import pulp
    from scipy import sparse
    from spopt.locate import MCLP

    from territory.coverage import EPSILON_MINUTES

    lat, lon, pop = territory(n)
    k = places_to_open(n)
    c0 = cpu_seconds()
    t_matrix = time.perf_counter()
    cost = dense_minutes(lat, lon)
    matrix_time = time.perf_counter() - t_matrix
    radius = minutes + EPSILON_MINUTES
    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(cost, pop, service_radius=radius, p_facilities=k)
    build = time.perf_counter() - t0
    if solver_name == "cbc":
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
    else:
        solver = pulp.HiGHS(msg=False, timeLimit=time_limit)
    error = ""
    try:
        model.solve(solver, results=False)
    except Exception as exc:  # spopt raises when PuLP's status is not "Optimal"
        error = f"{type(exc).__name__}: {exc}"[:120]
    solve_time = time.perf_counter() - t0 - build
    wall = matrix_time + time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    status = pulp.LpStatus.get(model.problem.status, str(model.problem.status))
    sol_status = pulp.LpSolution.get(model.problem.sol_status, str(model.problem.sol_status))
    chosen = [j for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]
    aij = cost <= radius
    # Check, outside the timing, that spopt saw exactly the planner's covered pairs.
    from territory.coverage import Points, coverage_matrix

    pts = Points(lat, lon)
    ours = coverage_matrix(pts, pts, minutes).matrix.toarray()
    differing = int((ours != aij.T).sum())
    covered = float(pop[aij[:, chosen].any(axis=1)].sum()) if chosen else 0.0
    return {"cpu": cpu, "covered": covered, "bound": None, "status": f"{status} / {sol_status}",
            "solver": error, "wall": wall, "build": build, "matrix_time": matrix_time,
            "solve_time": solve_time,
            "hash": pattern_hash(sparse.csr_matrix(aij.T)), "differing_pairs": differing,
            "chosen": len(chosen),
            "total": float(pop.sum())}


def worker(spec: dict) -> dict:
    if spec["method"] == "ours":
        result = run_ours(spec["n"], spec["minutes"], spec["time_limit"])
    else:
        result = run_spopt(spec["n"], spec["minutes"], spec["method"].split("-")[1],
                           spec["time_limit"])
    result["peak_mb"] = peak_mb()
    return result


def our_time_limit(n: int) -> float:
    # Targets: proven optimal up to 800, < 10 s at 2,000-5,000, < 60 s at 35,000 (the
    # coverage matrix and the greedy come on top of the optimisation's own limit).
    return 8.0 if n <= 5_000 else 50.0


def run_one(method: str, n: int, minutes: float, args) -> dict:
    """Median wall time of `repeats` fresh workers (--repeat, for up to 800 communes: runs of
    a few hundredths of a second are at the mercy of the machine's other work), the rest from
    the first (the instance and the plans are deterministic)."""
    repeats = args.repeat if n <= 800 else 1
    runs = [_run_once(method, n, minutes, args) for _ in range(max(1, repeats))]
    result = runs[0]
    if "skipped" not in result and len(runs) > 1:
        walls = [r["wall"] for r in runs if "wall" in r]
        result["wall"] = float(np.median(walls))
        result["walls"] = walls
        if all("cpu" in r for r in runs):
            result["cpu"] = float(np.median([r["cpu"] for r in runs]))
        result["peak_mb"] = max(r.get("peak_mb", 0) for r in runs)
        if "build" in result:
            for key in ("matrix_time", "build", "solve_time"):
                result[key] = float(np.median([r[key] for r in runs if key in r]))
    return result


def _run_once(method: str, n: int, minutes: float, args) -> dict:
    if method != "ours" and n > SPOPT_MAX_N:
        gb = n * n * 8 / 1e9
        return {"skipped": f"not run: its dense {n:,}² cost matrix alone needs {gb:.1f} GB"}
    limit = our_time_limit(n) if method == "ours" else args.spopt_time_limit
    spec = {"method": method, "n": n, "minutes": minutes, "time_limit": limit}
    # Room for building spopt's PuLP model (pure Python, O(n²)) on top of the solver's limit.
    timeout = 3 * limit + 600
    try:
        out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)],
                             capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"skipped": f"killed after {timeout:.0f} s"}
    if out.returncode != 0:
        return {"skipped": "crashed: " + (out.stderr.strip().splitlines() or ["?"])[-1][:100]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt_row(n, minutes, method, r, bound, ref_hash, ours_wall=None) -> str:
    if "skipped" in r:
        return f"| {n:,} | {minutes:g} | {method} | — | — | — | — | — | — | {r['skipped']} |"
    total = r["total"]
    gap = max(0.0, (bound - r["covered"]) / bound) if bound else 0.0
    same = "" if r["hash"] == ref_hash or ref_hash is None else " (DIFFERENT MATRIX)"
    if r.get("differing_pairs"):
        same += f" ({r['differing_pairs']} covered pairs differ from the planner's)"
    status = r["status"] + (f"; {r['solver']}" if method == "ours" else
                            (f"; {r['solver']}" if r["solver"] else ""))
    extra = (f"; matrix {r['matrix_time']:.2g} s + build {r['build']:.2g} s + solve "
             f"{r['solve_time']:.2g} s" if "build" in r else f"; {r['pairs']:,} pairs")
    if "build" in r and ours_wall:
        extra += f"; speed-up of ours ×{r['wall'] / ours_wall[0]:.0f} (wall)"
        if r.get("cpu") and ours_wall[1]:
            extra += f", ×{r['cpu'] / ours_wall[1]:.0f} (CPU)"
    cpu = f"{r['cpu']:.3g} s" if r.get("cpu") is not None else "—"
    return (f"| {n:,} | {minutes:g} | {method} | {r['covered']:,.0f} ({100 * r['covered'] / total:.2f} %)"
            f" | {bound:,.0f} | {100 * gap:.2f} % | {r['wall']:.3g} s | {cpu}"
            f" | {r['peak_mb']:.0f} MB"
            f" | {status}{extra}{same} |")


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+")
    p.add_argument("--minutes", type=float, nargs="+")
    p.add_argument("--methods", nargs="+", default=["ours", "spopt-cbc", "spopt-highs"],
                   choices=["ours", "spopt-cbc", "spopt-highs"])
    p.add_argument("--spopt-time-limit", type=float, default=60.0)
    p.add_argument("--repeat", type=int, default=5,
                   help="workers per method up to 800 communes; the median wall time is shown")
    p.add_argument("--quick", action="store_true", help="60 and 300 communes, T = 10, 10 s")
    p.add_argument("--json", help="also write the raw results to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return []
    if args.quick:
        args.sizes, args.minutes = args.sizes or [60, 300], args.minutes or [10]
        args.spopt_time_limit = 10.0
        args.repeat = 1
    args.sizes = args.sizes or [60, 500, 2000, 5000, 35000]
    args.minutes = args.minutes or [10, 20]
    print("| communes | T (min) | method | covered population | best proven bound | gap | "
          "wall time | CPU time | peak memory | status |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for n in args.sizes:
        for minutes in args.minutes:
            results = {m: run_one(m, n, minutes, args) for m in args.methods}
            bound = min([r["bound"] for r in results.values() if r.get("bound")] or [math.inf])
            if bound == math.inf:
                bound = None
            ours_hash = results.get("ours", {}).get("hash")
            for m, r in results.items():
                ours = results.get("ours", {})
                ours_wall = (ours["wall"], ours.get("cpu")) if "wall" in ours else None
                print(fmt_row(n, minutes, m, r, bound, ours_hash, ours_wall), flush=True)
                rows.append({"n": n, "minutes": minutes, "method": m, "bound": bound, **r})
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
