"""The library API from plain Python programs (no CLI), on both engines: check reads, ensure heals
what needs no hazard flag and raises SchemaDriftError for the rest; several processes calling
ensure at once heal once."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

import auditor
from auditor.demo import build_incident_database, spec_path
from conftest import LiveDb

REPO = Path(__file__).resolve().parent.parent
SPEC = spec_path()
INCIDENT = [("missing_column", "analysis_jobs", "tickers_json"),
            ("missing_index", "analysis_jobs", "idx_analysis_jobs_tickers_status")]
# The README's start-up example, as an application would run it: the incident's fix, generalized.
PROGRAM = """\
import sys
import auditor
from sqlalchemy import create_engine, text

engine = create_engine(sys.argv[1])
report = auditor.ensure(engine, sys.argv[2])     # heals what is safe, raises SchemaDriftError if not
with engine.begin() as conn:                     # the application's own work, which failed before
    conn.execute(text("INSERT INTO analysis_jobs (id, user_id, status, tickers_json) "
                      "VALUES (4, 2, 'pending', '[\\"AAPL\\"]')"))
print(len(report.healed), report.clean)
"""


def items(report: auditor.Report) -> list[tuple[str, str, str | None]]:
    return [(d.kind, d.table, d.name) for d in report.drift]


def run_program(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "app.py"
    program.write_text(source)
    return subprocess.run([sys.executable, str(program), *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_a_plain_program_heals_the_incident_at_start_up(db: LiveDb, tmp_path: Path) -> None:
    build_incident_database(db.url)
    done = run_program(tmp_path, PROGRAM, db.url, str(SPEC))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2 True\n"
    assert auditor.check(db.url, SPEC).clean
    assert db.query("SELECT count(*) FROM analysis_jobs") == [(4,)]


def test_check_takes_a_url_a_path_an_engine_a_connection_and_a_loaded_spec(db: LiveDb, tmp_path: Path) -> None:
    build_incident_database(db.url)
    engine = create_engine(db.url)
    databases: list[object] = [db.url, engine]
    if db.dialect == "sqlite":
        databases.append(Path(engine.url.database))
    with engine.connect() as conn:
        for database in (*databases, conn):
            for spec in (SPEC, str(SPEC), auditor.load_spec(SPEC)):
                report = auditor.check(database, spec)
                assert (report.clean, items(report)) == (False, INCIDENT), (database, spec)
                assert [d.severity for d in report.drift] == ["error", "error"]
                assert "tickers_json" in report.drift[0].message
    engine.dispose()
    assert auditor.check(db.url, SPEC).version is None


def test_ensure_heal_none_only_checks(db: LiveDb) -> None:
    build_incident_database(db.url)
    with pytest.raises(auditor.SchemaDriftError) as raised:
        auditor.ensure(db.url, SPEC, heal="none")
    assert "missing_column analysis_jobs.tickers_json" in str(raised.value)
    assert items(raised.value.report) == INCIDENT
    assert items(auditor.check(db.url, SPEC)) == INCIDENT, "nothing was changed"


def test_ensure_never_drops_or_rewrites(db: LiveDb, tmp_path: Path) -> None:
    """What needs a hazard flag stays (and is raised); what is additive is healed; extras stay."""
    build_incident_database(db.url)
    db.execute("ALTER TABLE users ADD COLUMN nickname text")  # extra: a warning, kept
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.read_text().replace("payload: text", "payload: integer"))  # a type change
    with pytest.raises(auditor.SchemaDriftError) as raised:
        auditor.ensure(db.url, spec)
    assert items(raised.value.report) == [("extra_column", "users", "nickname"),
                                          ("type_mismatch", "job_results", "payload")]
    assert "type_mismatch job_results.payload" in str(raised.value)
    assert raised.value.report.healed and not raised.value.report.clean
    assert auditor.ensure(db.url, SPEC).clean  # the extra column is a warning: clean, and still there
    assert db.query("SELECT count(*) FROM users") == [(2,)]


def test_bad_input_raises_one_of_ours(tmp_path: Path, sqlite_url: str) -> None:
    with pytest.raises(auditor.SpecError):
        auditor.check(sqlite_url, tmp_path / "missing.yaml")
    with pytest.raises(auditor.ConfigError):
        auditor.check(create_engine("sqlite://"), SPEC)
    with pytest.raises(auditor.ConfigError):
        auditor.ensure(sqlite_url, SPEC, heal="everything")  # type: ignore[arg-type]
    with pytest.raises(auditor.AuditorError, match="does not exist"):
        auditor.check(tmp_path / "absent.db", SPEC)
    assert not (tmp_path / "absent.db").exists()


STARTER = """\
import sys, time
import auditor
db, spec, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
report = auditor.ensure(db, spec)
print(len(report.healed), report.clean)
"""


def test_processes_starting_at_once_heal_once(db: LiveDb, tmp_path: Path) -> None:
    """Three application processes call ensure at the same moment: one heals, the others wait for
    it and find nothing left to do; all three start."""
    build_incident_database(db.url)
    program = tmp_path / "starter.py"
    program.write_text(STARTER)
    start = str(time.time() + 2)
    procs = [subprocess.Popen([sys.executable, str(program), db.url, str(SPEC), start], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)}) for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert sorted(out for out, _ in outputs) == ["0 True\n", "0 True\n", "2 True\n"], outputs
    assert auditor.check(db.url, SPEC).clean


def test_the_readmes_start_up_example_runs_as_printed(db: LiveDb, tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## At application start-up"):]
    example = section[section.index("```python\n") + 10:].split("```")[0]
    program = tmp_path / "start.py"
    program.write_text(example.replace("postgresql+psycopg://app@db/app", db.url))
    build_incident_database(db.url)
    run = [sys.executable, str(program)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    healed = subprocess.run(run, cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert (healed.returncode, healed.stdout) == (0, "schema ok (2 statement(s) healed)\n"), healed.stderr
    db.execute("ALTER TABLE job_results DROP COLUMN payload",
               "ALTER TABLE job_results ADD COLUMN payload integer")  # a type change: not for start-up
    refused = subprocess.run(run, cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert refused.returncode == 1 and "refusing to start: " in refused.stderr
    assert "type_mismatch job_results.payload" in refused.stderr and "Traceback" not in refused.stderr
