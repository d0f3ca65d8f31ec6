"""The directory benchmark still runs end to end in quick mode, so docs/benchmarks.md's figures
stay reproducible; run without the census file, which it must not need."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_directory_quick_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MAILLAGE_VAR_DIR"] = str(tmp_path)
    args = [sys.executable, str(ROOT / "bench" / "bench_directory.py"), "--quick",
            "--searches", "5", "--places", "120", "--census", str(tmp_path / "nothing.csv")]
    run = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "120 bookable places in 20 networks" in out, out
    assert "1512 synthetic census places" in out, out
    for name in ("page", "page + visio", "page + open now", "api", "api 30 min"):
        assert re.search(rf"{re.escape(name)} +5 searches: p50=[\d.]+ ms p95=[\d.]+ ms", out), out
