"""Smoke run of bench/bench_invoice_documents.py: the quick mode runs end to end on SQLite
and prints every figure."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = [
    r"^dataset: 60 invoices issued in [\d.]+ s",
    r"^render one invoice document: first \d+ ms .* n=2 p50=\d+ ms p95=\d+ ms max=\d+ ms",
    r"^queue after a month-end run of 60 invoices: about [\d.]+ min with 1 worker process",
    r"^FEC of the year: \d+ lines, \d+ KiB in [\d.]+ s",
    r"^invoices CSV of the year: 63 lines",
    r"^payments CSV of the year: 30 lines",
    r"^peak RSS \d+ MiB",
]


def test_quick_documents_benchmark_prints_every_figure(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG")}
    env["MAILLAGE_VAR_DIR"] = str(tmp_path)  # never the development database
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_invoice_documents.py"), "--db", "sqlite",
         "--quick"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for pattern in EXPECTED:
        assert re.search(pattern, proc.stdout, re.MULTILINE), (pattern, proc.stdout)
