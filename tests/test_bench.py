"""The benchmark script keeps running: a tiny run (20 tables, one repetition, no Alembic or migra)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PG_ADMIN_URL

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_bench_runs_and_measures_both_engines(tmp_path: Path, pg_available: bool) -> None:
    if not pg_available:
        pytest.skip("Postgres is not reachable")
    output = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(BENCH), "--tables", "20", "--quick", "--no-compare", "--fleet", "4",
                           "--pg", PG_ADMIN_URL, "--output", str(output)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(output.read_text())
    medians = results["sizes"]["20"]["medians"]
    for engine in ("postgresql", "sqlite"):
        assert medians[f"{engine}.ours_drift_items"] == 4  # 2 tables of 20 drifted, 2 items each
        for measure in ("ours_process_cold", "ours_process_warm", "ours_audit", "floor"):
            assert medians[f"{engine}.{measure}"] > 0
    assert results["sizes"]["20"]["notes"] == []
    assert results["fleet"]["jobs_1"] > 0 and results["fleet"]["jobs_4"] > 0
    assert "| ours, whole process, cold spec (s) |" in done.stdout
