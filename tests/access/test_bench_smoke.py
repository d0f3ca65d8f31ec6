"""The door-access benchmark still runs end to end (quick mode: a small SQLite network, the
real gunicorn server, signed requests), so docs/benchmarks.md's figures stay reproducible."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_access_quick_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MAILLAGE_VAR_DIR"] = str(tmp_path)
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_access.py"), "--quick",
                          "--db", "sqlite"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "500 members with a badge, 5 controllers on 10 sites (sqlite)" in out
    assert re.search(r"4 clients: 200 in [\d.]+ s -> \d+ decisions/s \(\d+ allowed, \d+ refused, "
                     r"0 errors\)", out), out
    assert re.search(r"p50=[\d.]+ ms p95=[\d.]+ ms", out), out
    assert "allow-list for 500 members: 525 entries" in out
