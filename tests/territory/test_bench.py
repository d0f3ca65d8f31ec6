"""Quick mode of the planner benchmark (bench/bench_territory.py): it runs and the figures agree."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_territory  # noqa: E402


def test_quick_benchmark_same_matrix_and_proven_optimal(capsys):
    methods = ["ours"]
    if importlib.util.find_spec("spopt") and importlib.util.find_spec("pulp"):
        methods.append("spopt-highs")  # benchmark-only dependency (requirements-bench.txt)
    rows = bench_territory.main(["--quick", "--sizes", "60", "--methods", *methods])
    out = capsys.readouterr().out
    assert "| 60 | 10 | ours |" in out
    ours = rows[0]
    assert ours["status"] == "optimal"
    assert ours["covered"] == 32_557
    assert abs(ours["bound"] - 32_557) < 1e-6
    assert ours["chosen"] == 3
    for row in rows[1:]:
        assert row["hash"] == ours["hash"]  # spopt saw exactly the same covered pairs
        assert row["covered"] <= ours["bound"]
    assert "DIFFERENT MATRIX" not in out


def test_territory_is_reproducible_at_french_density():
    lat, lon, pop = bench_territory.territory(500)
    lat2, _, pop2 = bench_territory.territory(500)
    assert (lat == lat2).all() and (pop == pop2).all()
    assert pop.min() >= 1 and (pop % 1 == 0).all()
    assert bench_territory.places_to_open(60) == 3
    assert bench_territory.places_to_open(35_000) == 350
