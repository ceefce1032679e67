"""The tickers_json incident, end to end through the CLI, on SQLite and on the real Postgres."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


from auditor.demo import build_incident_database, spec_path
from conftest import LiveDb, run_cli, run_psql

SPEC = str(spec_path())


def _incident(db: LiveDb) -> LiveDb:
    build_incident_database(db.url)
    return db


def test_audit_reports_exactly_the_two_missing_objects(db: LiveDb) -> None:
    _incident(db)
    result = run_cli("audit", "--db", db.url, "--spec", SPEC, "--format", "json")
    assert result.code == 1, result.err
    report = json.loads(result.out)
    items = [(i["kind"], i["table"], i["name"]) for i in report["databases"][0]["drift"]]
    assert items == [
        ("missing_column", "analysis_jobs", "tickers_json"),
        ("missing_index", "analysis_jobs", "idx_analysis_jobs_tickers_status"),
    ]
    assert report["clean"] is False
    assert report["databases"][0]["dialect"] == db.dialect
    assert report["databases"][0]["counts"] == {"missing_column": 1, "missing_index": 1}


def test_plan_apply_heal_and_keep_every_row(db: LiveDb) -> None:
    _incident(db)
    plan = run_cli("plan", "--db", db.url, "--spec", SPEC)
    assert plan.code == 1
    assert "ADD COLUMN" in plan.out and "tickers_json" in plan.out
    # Postgres builds the new index on a table with rows CONCURRENTLY, so no write waits for it:
    # by default, with no flag.
    concurrently = "CONCURRENTLY " if db.dialect == "postgresql" else ""
    assert f"CREATE INDEX {concurrently}IF NOT EXISTS idx_analysis_jobs_tickers_status" in plan.out
    applied = run_cli("apply", "--db", db.url, "--spec", SPEC)
    assert applied.code == 0, applied.out + applied.err
    assert "verified: clean" in applied.out

    assert run_cli("audit", "--db", db.url, "--spec", SPEC).code == 0
    again = run_cli("plan", "--db", db.url, "--spec", SPEC)
    assert again.code == 0
    assert not [line for line in again.out.splitlines() if line and not line.startswith("--")]
    assert db.query("SELECT id, status FROM analysis_jobs ORDER BY id") == [
        (1, "done"), (2, "running"), (3, "pending")]
    # The application's failing statement works now.
    db.execute("INSERT INTO analysis_jobs (id, user_id, status, tickers_json) VALUES (4, 2, 'pending', '[\"AAPL\"]')")


def test_audit_apply_flag_is_the_remediation_run(db: LiveDb) -> None:
    _incident(db)
    assert run_cli("audit", "--db", db.url, "--spec", SPEC, "--apply", "--yes").code == 0
    assert run_cli("audit", "--db", db.url, "--spec", SPEC).code == 0


def test_printed_postgres_script_runs_twice_with_psql(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    script = tmp_path / "plan.sql"
    script.write_text(run_cli("plan", "--db", pg_url, "--spec", SPEC).out)
    for _ in range(2):
        done = run_psql(pg_url, script)
        assert done.returncode == 0, done.stderr
    assert run_cli("audit", "--db", pg_url, "--spec", SPEC).code == 0


def test_python_m_and_console_script_are_the_same_cli(tmp_path: Path) -> None:
    db_file = tmp_path / "jobs.db"
    build_incident_database(f"sqlite:///{db_file}")
    script = Path(sys.executable).with_name("schema-auditor")
    commands = [[sys.executable, "-m", "auditor"]] + ([[str(script)]] if script.exists() else [])
    assert len(commands) == 2, "the console script is installed next to the interpreter"
    for command in commands:
        done = subprocess.run([*command, "audit", "--db", str(db_file), "--spec", SPEC],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, done.stderr
        assert "missing_column" in done.stdout and "tickers_json" in done.stdout
        # Both end with an immediate exit (no interpreter teardown): what they wrote is all there.
        prom = tmp_path / "audit.prom"
        done = subprocess.run([*command, "audit", "--db", str(db_file), "--spec", SPEC, "--format", "json",
                               "--metrics-textfile", str(prom)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and json.loads(done.stdout)["clean"] is False, done.stderr
        assert "schema_auditor_last_success_timestamp_seconds" in prom.read_text()


def test_demo_replays_the_incident_and_ends_clean(tmp_path: Path) -> None:
    result = run_cli("demo", "--dir", str(tmp_path))
    assert result.code == 0, result.out + result.err
    assert result.out.count("(exit code 1)") == 2 and result.out.count("(exit code 0)") == 2
    assert "analysis_jobs rows before apply: 3, after: 3" in result.out
