"""Safe defaults that heal: with no flag, apply heals the incident on both engines. On Postgres
an index on a table that holds rows is built CONCURRENTLY (writes go on during the build; an
INVALID leftover of a failed build is dropped at once), one on an empty table in the transaction
without a hazard; --no-concurrent-indexes keeps one transaction and carries the lock hazard. The
apply settings can be set per database in the config."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from auditor.demo import build_incident_database, spec_path
from conftest import LiveDb, run_cli, run_psql

SPEC = str(spec_path())
REPO = Path(__file__).resolve().parent.parent
JOBS = ["CREATE TABLE jobs (id integer PRIMARY KEY, score integer)"]
JOBS_SPEC = """\
tables:
  jobs:
    columns:
      id: {type: integer, primary_key: true}
      score: integer
    indexes:
      %s
"""


def statements(url: str, spec: str, *args: str) -> list[dict]:
    result = run_cli("plan", "--db", url, "--spec", spec, "--format", "json", *args)
    assert result.code in (0, 1), result.out + result.err
    return json.loads(result.out)["databases"][0]["statements"]


def audit_items(url: str, spec: str) -> list[tuple[str, str, str]]:
    result = run_cli("audit", "--db", url, "--spec", spec, "--format", "json")
    return [(d["kind"], d["table"], d["name"]) for d in json.loads(result.out)["databases"][0]["drift"]]


def test_the_incident_heals_with_no_flag_and_the_printed_script_runs_twice(db: LiveDb, tmp_path: Path) -> None:
    build_incident_database(db.url)
    audited = run_cli("audit", "--db", db.url, "--spec", SPEC)
    assert audited.code == 1
    plan = run_cli("plan", "--db", db.url, "--spec", SPEC).out
    applied = run_cli("apply", "--db", db.url, "--spec", SPEC)
    assert applied.code == 0, applied.out + applied.err
    assert "verified: clean" in applied.out
    assert run_cli("audit", "--db", db.url, "--spec", SPEC).code == 0
    assert db.query("SELECT id, status FROM analysis_jobs ORDER BY id") == [(1, "done"), (2, "running"), (3, "pending")]
    if db.dialect == "postgresql":
        assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_analysis_jobs_tickers_status" in plan
        assert "CONCURRENTLY, since the table holds rows" in plan
        db.execute("ALTER TABLE analysis_jobs DROP COLUMN tickers_json")  # the incident again, for psql
        script = tmp_path / "plan.sql"
        script.write_text(plan)
        for _ in range(2):
            done = run_psql(db.url, script)
            assert done.returncode == 0, done.stderr
        assert run_cli("audit", "--db", db.url, "--spec", SPEC).code == 0


def test_an_index_on_an_empty_table_is_built_in_the_transaction_without_a_hazard(pg_url: str, tmp_path: Path) -> None:
    LiveDb(pg_url, "postgresql").execute(*JOBS)
    spec = tmp_path / "spec.yaml"
    spec.write_text(JOBS_SPEC % "idx_jobs_score: {columns: [score], unique: true}")
    (statement,) = statements(pg_url, str(spec))
    assert "CONCURRENTLY" not in statement["sql"] and statement["hazards"] == []
    assert not statement.get("own_transaction")
    assert run_cli("apply", "--db", pg_url, "--spec", str(spec)).code == 0
    assert audit_items(pg_url, str(spec)) == []


def test_no_concurrent_indexes_keeps_one_transaction_and_carries_the_lock(pg_url: str, tmp_path: Path) -> None:
    LiveDb(pg_url, "postgresql").execute(*JOBS, "INSERT INTO jobs VALUES (1, 10)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(JOBS_SPEC % "idx_jobs_score: {columns: [score]}")
    (concurrent,) = statements(pg_url, str(spec))
    assert concurrent["own_transaction"] and concurrent["hazards"] == ["INDEX_BUILD"]
    (plain,) = statements(pg_url, str(spec), "--no-concurrent-indexes")
    assert "CONCURRENTLY" not in plain["sql"] and plain["hazards"] == ["ACQUIRES_SHARE_LOCK", "INDEX_BUILD"]
    withheld = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--no-concurrent-indexes")
    assert withheld.code == 1 and "ACQUIRES_SHARE_LOCK" in withheld.out
    assert audit_items(pg_url, str(spec)) == [("missing_index", "jobs", "idx_jobs_score")]
    allowed = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--no-concurrent-indexes",
                      "--allow-hazards", "ACQUIRES_SHARE_LOCK")
    assert allowed.code == 0, allowed.out + allowed.err


def test_a_table_that_cannot_be_read_in_time_is_taken_to_hold_rows(pg_url: str, tmp_path: Path) -> None:
    """Whether an empty table is empty is asked with a 2 s lock timeout: one locked ACCESS
    EXCLUSIVE meanwhile gets the safe plan (CONCURRENTLY), not a wait."""
    LiveDb(pg_url, "postgresql").execute(*JOBS)
    spec = tmp_path / "spec.yaml"
    spec.write_text(JOBS_SPEC % "idx_jobs_score: {columns: [score]}")
    holder = _connect(pg_url)
    holder.execute("BEGIN")
    holder.execute("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
    try:
        (statement,) = statements(pg_url, str(spec))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "CONCURRENTLY" in statement["sql"]
    (statement,) = statements(pg_url, str(spec))
    assert "CONCURRENTLY" not in statement["sql"], "unlocked, the table is seen to be empty"


def test_a_failed_concurrent_build_leaves_no_invalid_index(pg_url: str, tmp_path: Path) -> None:
    """The predicate divides by a score of 0: the build fails on the rows (the schema-only proof
    passes), and the INVALID index Postgres leaves is dropped at once, said in the error."""
    db = LiveDb(pg_url, "postgresql")
    db.execute(*JOBS, "INSERT INTO jobs VALUES (1, 10), (2, 0)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(JOBS_SPEC % 'idx_jobs_high: {columns: [id], where: "100 / score > 1"}')
    failed = run_cli("apply", "--db", pg_url, "--spec", str(spec))
    assert failed.code == 2
    assert "division by zero" in failed.err and "the INVALID index public.idx_jobs_high the failed build left " \
                                                  "was dropped" in failed.err, failed.err
    assert db.query("SELECT count(*) FROM pg_class WHERE relname = 'idx_jobs_high'") == [(0,)]
    assert audit_items(pg_url, str(spec)) == [("missing_index", "jobs", "idx_jobs_high")]
    db.execute("UPDATE jobs SET score = 1 WHERE id = 2")
    assert run_cli("apply", "--db", pg_url, "--spec", str(spec)).code == 0
    assert audit_items(pg_url, str(spec)) == []


def _connect(url: str) -> psycopg.Connection:
    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database, autocommit=True)


def test_a_million_rows_keep_taking_writes_during_the_build(pg_url: str) -> None:
    """The incident at 1,000,000 rows. A transaction holding an old snapshot makes the concurrent
    build wait (as any long report query would) while it is under way; meanwhile a second session
    inserts with a 1 s lock timeout, which a plain CREATE INDEX's SHARE lock would make fail."""
    db = LiveDb(pg_url, "postgresql")
    build_incident_database(db.url)
    db.execute("INSERT INTO analysis_jobs (id, user_id, status) SELECT g, 1 + g %% 2, 'done' "
               "FROM generate_series(4, 1000000) AS g")
    reader, writer = _connect(pg_url), _connect(pg_url)
    reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    reader.execute("SELECT count(*) FROM users")  # takes the snapshot the build must wait out
    apply = subprocess.Popen([sys.executable, "-m", "auditor", "apply", "--db", pg_url, "--spec", SPEC, "--yes",
                              "--lock-timeout", "60s"], cwd=REPO, env=dict(os.environ),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        phase = None
        deadline = time.monotonic() + 60
        while phase is None or not phase.startswith("waiting for old snapshots"):
            assert apply.poll() is None and time.monotonic() < deadline, apply.communicate()
            row = writer.execute("SELECT phase FROM pg_stat_progress_create_index "
                                 "WHERE relid = 'analysis_jobs'::regclass").fetchone()
            phase = row[0] if row else None
            time.sleep(0.05)
        writer.execute("SET lock_timeout = '1s'")
        writer.execute("INSERT INTO analysis_jobs (id, user_id, status, tickers_json) "
                       "VALUES (1000001, 1, 'pending', '[\"AAPL\"]')")  # not blocked by the build
        assert apply.poll() is None, "the build was still under way during the write"
        reader.execute("COMMIT")
        out, err = apply.communicate(timeout=120)
    finally:
        if apply.poll() is None:
            apply.kill()
            apply.communicate()
        reader.close()
        writer.close()
    assert apply.returncode == 0, out + err
    assert "CREATE INDEX CONCURRENTLY" in out and "verified: clean" in out
    assert db.query("SELECT count(*) FROM analysis_jobs") == [(1000001,)]
    assert db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                    "'idx_analysis_jobs_tickers_status'::regclass") == [(True,)]


CONFIG = """\
apply: {{lock_timeout: 1s, apply_log: top.log}}
databases:
  prod:
    url: '{url}'
    spec: {spec}
    apply: {{concurrent_indexes: false, allow_hazards: [ACQUIRES_SHARE_LOCK], apply_log: {log}}}
"""


def test_apply_settings_per_database_in_the_config(pg_url: str, tmp_path: Path) -> None:
    """concurrent_indexes and allow_hazards from the database's apply: block, lock_timeout from
    the top one, apply_log from the database's (over the top's); the command line wins over both."""
    db = LiveDb(pg_url, "postgresql")
    db.execute(*JOBS, "INSERT INTO jobs VALUES (1, 10)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(JOBS_SPEC % "idx_jobs_score: {columns: [score]}")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(url=pg_url, spec=spec, log=tmp_path / "prod.log"))
    (plain,) = [s for s in json.loads(run_cli("plan", "--config", str(config), "--format", "json").out)
                ["databases"][0]["statements"]]
    assert "CONCURRENTLY" not in plain["sql"], "the config's concurrent_indexes: false"
    (concurrent,) = json.loads(run_cli("plan", "--config", str(config), "--format", "json",
                                       "--concurrent-indexes").out)["databases"][0]["statements"]
    assert "CONCURRENTLY" in concurrent["sql"], "the command line over the config"
    holder = _connect(pg_url)
    holder.execute("BEGIN")
    holder.execute("UPDATE jobs SET score = score")  # a writer: CREATE INDEX waits for it
    started = time.monotonic()
    blocked = run_cli("apply", "--config", str(config), "--yes")
    holder.execute("ROLLBACK")
    holder.close()
    assert blocked.code == 2 and "after 1 s" in blocked.err, blocked.err  # the top apply: block's lock_timeout
    assert time.monotonic() - started < 20
    applied = run_cli("apply", "--config", str(config), "--yes")
    assert applied.code == 0, applied.out + applied.err  # allow_hazards let the locked build run
    assert (tmp_path / "prod.log").exists() and not (tmp_path / "top.log").exists()
    assert "idx_jobs_score" in (tmp_path / "prod.log").read_text()


@pytest.mark.parametrize("block, error", [
    ("{lock_timeout: soon}", "config.yaml:1:23: config apply lock_timeout: 'soon' is not a duration"),
    ("{allow_hazards: [LOUD_NOISES]}", "config apply allow_hazards: unknown hazard LOUD_NOISES"),
    ("{concurrent_indexs: true}", "config.yaml:1:9: config apply: unknown key 'concurrent_indexs'"),
    ("{concurrent_indexes: maybe}", "config apply concurrent_indexes must be true or false"),
])
def test_a_bad_apply_setting_is_one_line(tmp_path: Path, block: str, error: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"apply: {block}\ndatabases:\n  prod: {{url: 'sqlite:///{tmp_path / 'x.db'}', spec: s.yaml}}\n")
    result = run_cli("apply", "--config", str(config), "--yes")
    assert result.code == 2 and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1 and error in result.err, result.err
    assert not (tmp_path / "x.db").exists()


def test_the_readmes_incident_transcript_is_what_apply_prints(pg_url: str) -> None:
    """The README's incident example, true as printed (but the database's URL)."""
    readme = (REPO / "README.md").read_text()
    command = "$ schema-auditor apply --db postgresql://auditor@db/app --spec schema/analysis_jobs.yaml\n"
    printed = readme[readme.index(command) + len(command):].split("```")[0]
    db = LiveDb(pg_url, "postgresql")
    build_incident_database(db.url)
    applied = run_cli("apply", "--db", pg_url, "--spec", "schema/analysis_jobs.yaml")
    assert applied.code == 0
    assert applied.out.replace(pg_url, "postgresql://auditor@db/app") == printed


def test_every_apply_setting_reads_from_the_config(tmp_path: Path) -> None:
    from auditor.config import load_config
    from auditor.target import ApplySettings

    config = tmp_path / "config.yaml"
    config.write_text("apply: {lock_timeout: 5s, lock_wait: 2m, allow_destructive: true}\n"
                      "databases:\n  prod:\n    url: 'sqlite:///x.db'\n    apply:\n      lock_timeout: 3s\n"
                      "      statement_timeout: 10m\n      concurrent_indexes: false\n"
                      "      allow_hazards: [ACQUIRES_SHARE_LOCK, TABLE_REWRITE]\n      apply_log: logs/prod.log\n")
    assert load_config(config).targets["prod"].apply == ApplySettings(
        concurrent_indexes=False, lock_timeout=3.0, statement_timeout=600.0, lock_wait=120.0,
        allow_hazards=("ACQUIRES_SHARE_LOCK", "TABLE_REWRITE"), allow_destructive=True,
        apply_log=str(tmp_path / "logs/prod.log"))
