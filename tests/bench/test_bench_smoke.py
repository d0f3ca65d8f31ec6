"""Smoke run of bench/bench_bookings.py: the quick mode runs end to end on SQLite and prints
every figure the foundation issue asks for."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = [
    r"^dataset: 2 sites x 15 resources, .* [\d,]+ bookings",
    r"^free_slots\(site, day\)\s+n=\d+\s+p50=\s*[\d.]+ ms\s+p95=\s*[\d.]+ ms\s+max=\s*[\d.]+ ms",
    r"^free_desks\(network, day\)\s+n=\d+\s+p50=\s*[\d.]+ ms\s+p95=\s*[\d.]+ ms\s+max=\s*[\d.]+ ms",
    r"^service throughput, 16 clients: 80 booked, 0 refused in [\d.]+ s -> [\d.]+ bookings/s",
    r"^contention, 16 clients on one half-day with (\d+) free seats: \1 booked, \d+ refused, "
    r"\1 rows written OK",
    r"^one booking: book_resource mean=[\d.]+ ms .* bare INSERT mean=[\d.]+ ms",
    r"^ratio book_resource / bare INSERT: [\d.]+x mean",
    r"^queries per booking through the service: \d+",
    r"^peak memory: free_slots \d+ KiB, free_desks \d+ KiB .* peak RSS \d+ MiB",
]


def test_quick_benchmark_prints_every_figure(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG")}
    env["MAILLAGE_VAR_DIR"] = str(tmp_path)  # never the development database
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_bookings.py"), "--db", "sqlite", "--quick"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for pattern in EXPECTED:
        assert re.search(pattern, proc.stdout, re.MULTILINE), (pattern, proc.stdout)
    assert (tmp_path / "bench" / "bench-quick.sqlite3").exists()
