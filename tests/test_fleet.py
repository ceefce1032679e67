"""Fleets: many databases audited concurrently; one unreachable never stops the others; shards."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from auditor.audit import AuditResult
from auditor.target import Target
from auditor.demo import build_incident_database, spec_path
from auditor.fleet import audit_fleet, select_shard, shard_of
from conftest import PG_ADMIN_URL, LiveDb, run_cli

SPEC = str(spec_path())
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def extra_pg_databases(pg_available: bool):
    """Make more fresh Postgres databases on demand; all dropped afterwards."""
    if not pg_available:
        pytest.skip("Postgres is not reachable")
    names: list[str] = []
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def make() -> str:
        name = f"auditor_fleet_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        names.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_a_fleet_of_55_with_two_unreachable(tmp_path: Path, extra_pg_databases) -> None:
    lines = [f"spec: {SPEC}", "databases:"]
    for i in range(50):  # even ones drift (the incident), odd ones were healed
        url = f"sqlite:///{tmp_path / f'lite{i:02}.db'}"
        build_incident_database(url)
        if i % 2:
            LiveDb(url, "sqlite").execute(
                "ALTER TABLE analysis_jobs ADD COLUMN tickers_json TEXT",
                "CREATE INDEX idx_analysis_jobs_tickers_status ON analysis_jobs (tickers_json, status)")
        lines.append(f"  lite{i:02}: {{url: '{url}'}}")
    for i in range(3):
        url = extra_pg_databases()
        build_incident_database(url)
        lines.append(f"  pg{i}: {{url: '{url}'}}")
    lines.append("  pg_refused: {url: 'postgresql://postgres@127.0.0.1:1/nothing'}")
    lines.append(f"  pg_missing_db: {{url: '{make_url(PG_ADMIN_URL).set(database='no_such_db_here')}'}}")
    (tmp_path / "fleet.yaml").write_text("\n".join(lines) + "\n")

    started = time.monotonic()
    result = run_cli("audit", "--config", str(tmp_path / "fleet.yaml"), "--jobs", "4", "--format", "json")
    assert time.monotonic() - started < 60
    assert result.code == 2
    report = {d["database"]: d for d in json.loads(result.out)["databases"]}
    assert len(report) == 55
    for i in range(50):
        assert len(report[f"lite{i:02}"]["drift"]) == (0 if i % 2 else 2)
    assert all(len(report[f"pg{i}"]["drift"]) == 2 for i in range(3))
    assert "error" in report["pg_refused"] and "error" in report["pg_missing_db"]
    assert sorted(line.split(":")[0] for line in result.err.splitlines()) == ["pg_missing_db", "pg_refused"]


def test_shards_split_a_fleet_disjointly_and_the_same_way_every_time() -> None:
    targets = [Target(f"db{i}", f"sqlite:///db{i}.db") for i in range(200)]
    shards = [select_shard(targets, (k, 4)) for k in range(1, 5)]
    assert sorted(t.name for shard in shards for t in shard) == sorted(t.name for t in targets)
    assert all(20 < len(shard) < 80 for shard in shards)  # roughly even
    assert [t.name for t in select_shard(targets, (2, 4))] == [t.name for t in shards[1]]
    assert shard_of("db7", 4) == shard_of("db7", 4)


def test_shard_flag_audits_only_its_share(tmp_path: Path) -> None:
    lines = [f"spec: {SPEC}", "databases:"]
    for i in range(6):
        build_incident_database(f"sqlite:///{tmp_path / f'd{i}.db'}")
        lines.append(f"  d{i}: {{url: 'sqlite:///d{i}.db'}}")
    (tmp_path / "c.yaml").write_text("\n".join(lines) + "\n")
    seen = []
    for k in (1, 2):
        out = run_cli("audit", "--config", str(tmp_path / "c.yaml"), "--shard", f"{k}/2", "--format", "json").out
        seen += [d["database"] for d in json.loads(out)["databases"]]
    assert sorted(seen) == [f"d{i}" for i in range(6)]
    assert run_cli("audit", "--config", str(tmp_path / "c.yaml"), "--shard", "3/2").code == 2


def test_a_hung_audit_becomes_an_error_and_the_rest_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    def audit(target: Target, ignore: tuple[str, ...] = ()) -> AuditResult:
        time.sleep(5 if target.name == "slow" else 0.01)
        return AuditResult(target)

    monkeypatch.setattr("auditor.fleet.audit_target", audit)
    targets = [Target(name, f"sqlite:///{name}.db") for name in ("a", "slow", "b", "c")]
    started = time.monotonic()
    results = audit_fleet(targets, jobs=2, timeout=0.5)
    assert time.monotonic() - started < 3
    assert [r.target.name for r in results] == ["a", "slow", "b", "c"]
    assert [bool(r.error) for r in results] == [False, True, False, False]
    assert "did not finish within 0.5 s" in (results[1].error or "")


def test_markdown_report_for_pull_requests(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    build_incident_database(f"sqlite:///{db}")
    out = run_cli("audit", "--db", str(db), "--spec", SPEC, "--format", "markdown").out
    assert out.startswith("## schema-auditor: 1 database(s), 1 with drift, 0 failed\n")
    assert f"| {db} | sqlite | drift | 2 | 0 |" in out
    assert "| error | `missing_column` | analysis_jobs | tickers_json |" in out


def _children(pid: int) -> list[int]:
    return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]


@pytest.mark.parametrize("delay", [0.1, 0.3, 0.5, 0.7])
def test_ctrl_c_on_a_fleet_in_worker_processes_ends_it_in_one_line(tmp_path: Path, delay: float) -> None:
    """Ctrl-C reaches the whole process group: workers printed KeyboardInterrupt tracebacks (most
    runs) and the run could hang for good; now the parent says one line, exits 2 and ends its
    workers. Interrupted ``delay`` seconds into the workers' audits."""
    template = tmp_path / "template.db"
    conn = sqlite3.connect(template)
    conn.executescript("".join(f"CREATE TABLE t{i} (id integer PRIMARY KEY, a text, b int);" for i in range(200)))
    conn.close()
    lines = [f"spec: {SPEC}", "databases:"]
    for i in range(200):  # some seconds of audits on a quiet machine: the interrupt lands mid-run
        shutil.copyfile(template, tmp_path / f"db{i}.db")
        lines.append(f"  db{i}: {{url: 'sqlite:///{tmp_path / f'db{i}.db'}'}}")
    (tmp_path / "fleet.yaml").write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "auditor", "audit", "--config", str(tmp_path / "fleet.yaml"),
                             "--jobs", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=REPO, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = _children(proc.pid)
    time.sleep(delay)
    assert all(_ignores_sigint(w) for w in workers), "a worker would take the Ctrl-C meant for the run"
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
    out, err = proc.communicate(timeout=30)
    assert len(workers) == 4 and out == "", "interrupted while the workers audited, before any report"
    assert (proc.returncode, err) == (2, "interrupted\n")
    deadline = time.monotonic() + 10
    while [w for w in workers if _alive(w)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)], "no worker outlives the run"


def _ignores_sigint(pid: int) -> bool:
    """Whether the process ignores SIGINT (its SigIgn mask in /proc)."""
    mask = next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("SigIgn:"))
    return bool(int(mask, 16) & (1 << (signal.SIGINT - 1)))


def _alive(pid: int) -> bool:
    """True for a process that exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
