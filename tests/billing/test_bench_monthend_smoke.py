"""The month-end benchmark still runs end to end in quick mode (SQLite), so the figures of
docs/benchmarks.md stay reproducible; its own checks (gapless numbers, ledger, second run
invoicing nothing) decide its exit status."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_monthend_quick_mode(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "TASKS_URL")}
    env["MAILLAGE_VAR_DIR"] = str(tmp_path)  # never the development database
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_monthend.py"), "--db", "sqlite", "--quick",
         "--workers", "2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        check=False)
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    out = run.stdout
    assert re.search(r"^dataset \(sqlite, .*\): 200 members, monthly \d+, mid_month \d+", out,
                     re.MULTILINE), out
    assert re.search(r"^month-end run, 2 worker\(s\): \d+ invoices, [\d.]+ EUR excl\. VAT, "
                     r"0 errors in [\d.]+ s \(CPU [\d.]+ s\)", out, re.MULTILINE), out
    assert re.search(r"^checks: numbering gapless True \((\d+) numbers\), ledger \1 entries, "
                     r"0 problems; second run 0 invoices", out, re.MULTILINE), out
    assert (tmp_path / "bench" / "bench-monthend.sqlite3").exists()
