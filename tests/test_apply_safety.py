"""Safe apply (issue 5), end to end on real SQLite files and Postgres databases, no mocks.

The acceptance criteria, each as a test a user would recognise:

* ``kill -9`` in the middle of an apply leaves the database as it was (or fully migrated), never
  half-way: the apply runs as a real process that is killed while its transaction is open and at
  least one statement of it has run;
* two applies on one database never interleave: the second waits or fails with a clear message,
  and the end state is correct;
* a table locked by another session makes apply fail within ``--lock-timeout``, naming the lock
  and its holder, with nothing changed;
* every apply, failed or not, leaves one JSON line in the apply log, and never the password.

Every scenario starts from the same three tables and a spec that wants one new column on ``a``,
one on ``c`` and an index on ``big``; apply runs the ADD COLUMNs first, then the index.
Slowness is made on purpose and deterministically: on Postgres another session holds a lock the
apply needs, on SQLite ``big`` has enough rows for CREATE INDEX to take a while. Every wait has a
deadline.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest
from conftest import CliResult, LiveDb, run_cli
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
APP_NAME = "schema-auditor apply"  # the application_name apply sets on Postgres
T = TypeVar("T")

SPEC = """\
version: 1
tables:
  a:
    columns:
      id: {type: integer, primary_key: true}
      note: text
  big:
    columns:
      id: {type: integer, primary_key: true}
      val: integer
    indexes:
      idx_big_val: {columns: [val]}
  c:
    columns:
      id: {type: integer, primary_key: true}
      extra: text
"""
DDL = (
    "CREATE TABLE a (id INTEGER PRIMARY KEY)",
    "CREATE TABLE big (id INTEGER PRIMARY KEY, val INTEGER)",
    "CREATE TABLE c (id INTEGER PRIMARY KEY)",
    "INSERT INTO a (id) VALUES (1), (2)",
    "INSERT INTO c (id) VALUES (1), (2), (3)",
)
# SQLite: enough rows that CREATE INDEX runs for about a second (filled in ~1.5 s).
SQLITE_BIG_ROWS = 2_000_000
PG_BIG_ROWS = 1_000
FILL_BIG = ("INSERT INTO big (id, val) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < {rows}) SELECT i, abs(i * 7919 - 1000003 * (i / 1000)) FROM n")  # no %: psycopg reads it as a placeholder
ROW_COUNTS = "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM big), (SELECT count(*) FROM c)"
DRIFT = [("missing_column", "a", "note"), ("missing_column", "c", "extra"), ("missing_index", "big", "idx_big_val")]
PLAN = [("add_columns", "a"), ("add_columns", "c"), ("create_indexes", "big")]
# A plain CREATE INDEX on Postgres, in the one transaction these tests watch (by default, an
# index on a table with rows is built CONCURRENTLY, after the transaction).
ALLOW_INDEX = ("--no-concurrent-indexes", "--allow-hazards", "ACQUIRES_SHARE_LOCK")


# ---------------------------------------------------------------------------------------------
# Helpers


def setup_db(db: LiveDb, write_spec: Callable[[str], str]) -> str:
    """Build the three tables, check the plan's order, and return the spec's path."""
    rows = SQLITE_BIG_ROWS if db.dialect == "sqlite" else PG_BIG_ROWS
    db.execute(*DDL, FILL_BIG.format(rows=rows))
    spec = write_spec(SPEC)
    plan = run_cli("plan", "--db", db.url, "--spec", spec, "--format", "json")
    statements = json.loads(plan.out)["databases"][0]["statements"]
    assert [(s["phase"], s["fixes"]["table"]) for s in statements] == PLAN, plan.out
    assert drift(db.url, spec) == DRIFT
    return spec


def drift(url: str, spec: str) -> list[tuple[str, str, str]]:
    """What ``audit`` reports: (kind, table, name), sorted."""
    result = run_cli("audit", "--db", url, "--spec", spec, "--format", "json")
    assert result.code in (0, 1), result.err
    return sorted((d["kind"], d["table"], d["name"]) for d in json.loads(result.out)["databases"][0]["drift"])


def snapshot(db: LiveDb) -> list[tuple[object, ...]]:
    """The whole schema as the catalog has it, and the row counts."""
    if db.dialect == "sqlite":
        schema = db.query("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    else:
        schema = db.query("SELECT table_name, column_name, data_type FROM information_schema.columns "
                          "WHERE table_schema = 'public' ORDER BY 1, 2")
        schema += db.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
    return schema + db.query(ROW_COUNTS)


def apply(url: str, spec: str, *flags: str) -> CliResult:
    """``apply --yes`` in-process."""
    return run_cli("apply", "--db", url, "--spec", spec, "--yes", *flags)


def assert_unchanged_then_apply(db: LiveDb, spec: str, before: list[tuple[object, ...]]) -> None:
    """Nothing changed since ``before``; then a normal apply fixes everything."""
    assert snapshot(db) == before
    assert drift(db.url, spec) == DRIFT
    result = apply(db.url, spec, *ALLOW_INDEX)
    assert result.code == 0, result.err
    assert drift(db.url, spec) == []
    assert db.query(ROW_COUNTS) == before[-1:]


def wait_until(check: Callable[[], T], what: str, timeout: float = 30.0,
               proc: subprocess.Popen[str] | None = None) -> T:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds, or at once
    if ``proc`` (the apply being watched) has exited."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"apply exited ({proc.returncode}) while waiting for {what}: {err or out}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def finish(proc: subprocess.Popen[str], timeout: float = 30.0) -> CliResult:
    """Wait (bounded) for an apply process to exit."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"apply still running after {timeout:g} s: {err or out}")
    return CliResult(proc.returncode, out, err)


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``apply --yes`` as a process of its own (one that can be killed); any still running
    at the end of the test are killed."""
    started: list[subprocess.Popen[str]] = []

    def start(url: str, spec: str, *flags: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-m", "auditor", "apply", "--db", url, "--spec", spec, "--yes",
                                 *flags], cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def kill_9(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the apply, and check it was still running: it did not get to finish on its own."""
    os.kill(proc.pid, signal.SIGKILL)
    finish(proc, timeout=10)
    assert proc.returncode == -signal.SIGKILL


@contextmanager
def pg_lock(url: str, table: str, mode: str) -> Iterator[tuple[int, Callable[[], None]]]:
    """Another session holds ``mode`` on ``table`` in an open transaction: (its pid, release)."""
    engine = create_engine(url)
    conn = engine.connect()
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            conn.rollback()
            conn.close()
            engine.dispose()

    try:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        conn.exec_driver_sql(f"LOCK TABLE {table} IN {mode} MODE")
        yield int(pid), release
    finally:
        release()


def apply_backends(url: str) -> list[tuple[object, ...]]:
    """(pid, wait_event_type, query) of every apply connected to the database, oldest first."""
    return LiveDb(url, "postgresql").query(
        "SELECT pid, wait_event_type, query FROM pg_stat_activity WHERE datname = current_database() "
        f"AND application_name = '{APP_NAME}' ORDER BY backend_start")


def wait_for_blocked_index(url: str, proc: subprocess.Popen[str]) -> int:
    """Wait until the apply's CREATE INDEX waits for a lock, inside its transaction; its backend pid."""
    def blocked() -> int | None:
        return next((int(pid) for pid, wait, query in apply_backends(url)
                     if wait == "Lock" and str(query).startswith("CREATE INDEX")), None)

    return wait_until(blocked, "the apply's CREATE INDEX to wait for its lock", proc=proc)


def assert_added_column_to_a(url: str, pid: int) -> None:
    """The apply's ADD COLUMN on ``a`` has run, in its still open transaction: it holds a's lock."""
    held = LiveDb(url, "postgresql").query(
        f"SELECT mode FROM pg_locks WHERE pid = {pid} AND relation = 'public.a'::regclass AND granted")
    assert ("AccessExclusiveLock",) in held, "ADD COLUMN on a has not run inside the apply's transaction"
    assert LiveDb(url, "postgresql").query(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'a' AND column_name = 'note'") == [(0,)]


def assert_second_apply_refused(url: str, spec: str, spawn: Callable[..., subprocess.Popen[str]],
                                holder: int) -> None:
    """Another apply with ``--lock-wait 1s`` gives up within seconds, naming the running one (by
    the backend that holds its apply lock: one of the first apply's connections)."""
    first = {pid for (pid,) in LiveDb(url, "postgresql").query(
        f"SELECT pid FROM pg_stat_activity WHERE application_name = '{APP_NAME}'")}
    assert holder in first
    started = time.monotonic()
    second = finish(spawn(url, spec, "--lock-wait", "1s", *ALLOW_INDEX), timeout=10)
    assert time.monotonic() - started < 15
    assert second.code == 2, second.err
    assert "another schema-auditor apply is running" in second.err.splitlines()[0]
    assert any(f"pid {pid}," in second.err for pid in first), second.err


def apply_with_c_locked(url: str, spec: str) -> tuple[CliResult, float, int]:
    """Apply (lock timeout 1 s) while another session reads ``c`` in an open transaction: ADD
    COLUMN on ``a`` runs first, then ADD COLUMN on ``c`` waits for ACCESS EXCLUSIVE.
    (result, seconds it took, the holder's pid)."""
    with pg_lock(url, "c", "ACCESS SHARE") as (holder, _):
        started = time.monotonic()
        result = apply(url, spec, "--lock-timeout", "1s", *ALLOW_INDEX)
        return result, time.monotonic() - started, holder


# ---------------------------------------------------------------------------------------------
# kill -9 mid-apply: the database is as it was, never half-way


def test_kill_9_mid_apply_leaves_postgres_unchanged(pg_url, write_spec, spawn):
    db = LiveDb(pg_url, "postgresql")
    spec = setup_db(db, write_spec)
    before = snapshot(db)
    with pg_lock(pg_url, "big", "ROW EXCLUSIVE") as (_, release):  # an open INSERT blocks CREATE INDEX
        proc = spawn(pg_url, spec, "--lock-timeout", "60s", *ALLOW_INDEX)
        backend = wait_for_blocked_index(pg_url, proc)
        assert_added_column_to_a(pg_url, backend)
        kill_9(proc)
        release()
        # The server notices the dead client once the index is built and it reads the next command.
        wait_until(lambda: not apply_backends(pg_url), f"the killed apply's backend (pid {backend}) to end")
    assert_unchanged_then_apply(db, spec, before)


def test_kill_9_mid_apply_leaves_sqlite_unchanged(sqlite_url, write_spec, spawn):
    db = LiveDb(sqlite_url, "sqlite")
    spec = setup_db(db, write_spec)
    before = snapshot(db)
    journal = Path(make_url(sqlite_url).database + "-journal")
    assert not journal.exists()
    proc = spawn(sqlite_url, spec)
    # The journal appears with the first ADD COLUMN; CREATE INDEX over big then runs for a while,
    # and once its pages overflow the cache they go to the file (journaled first): the journal is
    # hot from then on, which is when the kill comes.
    kill_when_the_file_grows(sqlite_url, proc)
    assert journal.exists(), "a hot journal must be left behind by a transaction cut short"
    # A read-only audit cannot roll it back: it says so in one line, and leaves it (it writes nothing).
    audited = run_cli("audit", "--db", sqlite_url, "--spec", spec)
    assert audited.code == 2 and len(audited.err.strip().splitlines()) == 1, audited.err
    assert "is a hot journal: a write to the database was interrupted" in audited.err
    assert "run schema-auditor apply (it recovers the journal first)" in audited.err
    assert journal.exists() and journal.stat().st_size > 0
    assert db.query("PRAGMA integrity_check") == [("ok",)]  # a writable open rolls the hot journal back
    assert_unchanged_then_apply(db, spec, before)


def kill_when_the_file_grows(sqlite_url: str, proc: subprocess.Popen[str]) -> None:
    """SIGKILL the apply once it has written pages to the database file itself."""
    path = Path(make_url(sqlite_url).database)
    size = path.stat().st_size
    wait_until(lambda: path.stat().st_size > size, "the apply's first pages in the database file", proc=proc)
    kill_9(proc)


def test_apply_after_a_kill_9_on_sqlite_recovers_the_journal_first(sqlite_url, write_spec, spawn):
    """Nothing but schema-auditor opens the file after the kill: apply rolls the journal back,
    says so, then plans from the schema as it was and heals it."""
    db = LiveDb(sqlite_url, "sqlite")
    spec = setup_db(db, write_spec)
    journal = Path(make_url(sqlite_url).database + "-journal")
    kill_when_the_file_grows(sqlite_url, spawn(sqlite_url, spec))
    assert journal.exists()
    assert run_cli("audit", "--db", sqlite_url, "--spec", spec).code == 2, "the journal is hot"
    result = apply(sqlite_url, spec)
    assert result.code == 0, result.out + result.err
    assert "rolled back the hot journal an interrupted write left" in result.err
    assert not journal.exists() or journal.stat().st_size == 0
    assert drift(sqlite_url, spec) == []


# ---------------------------------------------------------------------------------------------
# Two applies at once: one waits or fails clearly, the end state is correct


def test_concurrent_applies_on_postgres_take_turns(pg_url, write_spec, spawn):
    db = LiveDb(pg_url, "postgresql")
    spec = setup_db(db, write_spec)
    # the columns now; the index is withheld (ACQUIRES_SHARE_LOCK)
    assert apply(pg_url, spec, "--no-concurrent-indexes").code == 1
    with pg_lock(pg_url, "big", "ROW EXCLUSIVE") as (_, release):
        first = spawn(pg_url, spec, "--lock-timeout", "60s", *ALLOW_INDEX)
        first_pid = wait_for_blocked_index(pg_url, first)  # it holds the apply lock, mid-transaction
        assert_second_apply_refused(pg_url, spec, spawn, first_pid)

        third = spawn(pg_url, spec, "--lock-wait", "60s", "--lock-timeout", "60s", *ALLOW_INDEX)
        wait_until(lambda: len(apply_backends(pg_url)) == 2, "the third apply to wait for the apply lock",
                   proc=third)
        assert first.poll() is None and third.poll() is None
        release()
        first_result = finish(first)
        assert first_result.code == 0, first_result.err
        third_result = finish(third)
    assert third_result.code == 0, third_result.err  # planned before the first one ran: nothing left
    assert drift(pg_url, spec) == []
    assert run_cli("audit", "--db", pg_url, "--spec", spec).code == 0


def test_second_apply_fails_fast_while_the_first_holds_table_locks(pg_url, write_spec, spawn):
    spec = setup_db(LiveDb(pg_url, "postgresql"), write_spec)
    with pg_lock(pg_url, "big", "ROW EXCLUSIVE"):
        first = spawn(pg_url, spec, "--lock-timeout", "60s", *ALLOW_INDEX)
        first_pid = wait_for_blocked_index(pg_url, first)
        assert_added_column_to_a(pg_url, first_pid)  # ACCESS EXCLUSIVE on a and c, until it commits
        assert_second_apply_refused(pg_url, spec, spawn, first_pid)


def test_apply_on_sqlite_fails_clearly_while_another_writer_holds_it(sqlite_url, write_spec):
    db = LiveDb(sqlite_url, "sqlite")
    spec = setup_db(db, write_spec)
    before = snapshot(db)
    writer = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        result = apply(sqlite_url, spec, "--lock-wait", "0.5s")
        assert time.monotonic() - started < 15
        assert result.code == 2, result.err
        assert "another writer holds the database" in result.err.splitlines()[0]
    finally:
        writer.rollback()
        writer.close()
    assert_unchanged_then_apply(db, spec, before)


# ---------------------------------------------------------------------------------------------
# A locked table: apply fails within lock_timeout, names the lock and its holder, changes nothing


def test_locked_table_fails_within_lock_timeout_and_names_the_holder(pg_url, write_spec):
    db = LiveDb(pg_url, "postgresql")
    spec = setup_db(db, write_spec)
    before = snapshot(db)
    result, seconds, holder = apply_with_c_locked(pg_url, spec)
    assert result.code == 2, result.err
    assert seconds < 15
    first_line = result.err.splitlines()[0]
    assert "ALTER TABLE public.c ADD COLUMN" in first_line
    assert "after 1 s" in first_line
    assert f"lock on public.c held by pid {holder} (" in first_line
    assert "holds AccessShareLock" in first_line
    # ADD COLUMN on a had run before the failure: it was rolled back with the rest.
    assert db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'a'") == [("id",)]
    assert_unchanged_then_apply(db, spec, before)


# ---------------------------------------------------------------------------------------------
# The apply log


def test_apply_log_has_one_line_per_apply_and_no_password(pg_url, write_spec, apply_log):
    url = make_url(pg_url).set(password="s3cretpw").render_as_string(hide_password=False)
    spec = setup_db(LiveDb(url, "postgresql"), write_spec)
    failed, _, _ = apply_with_c_locked(url, spec)
    assert failed.code == 2, failed.err
    applied = apply(url, spec, *ALLOW_INDEX)
    assert applied.code == 0, applied.err

    text = apply_log.read_text()
    assert "s3cretpw" not in text
    assert "s3cretpw" not in failed.err + applied.out + applied.err
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["outcome"] for r in records] == ["failed", "applied"]
    database = make_url(pg_url).database
    for record in records:
        assert {"time", "database", "url", "outcome", "seconds", "statements", "hazards"} <= record.keys()
        assert datetime.fromisoformat(record["time"]).tzinfo is not None
        assert record["url"].endswith(f"/{database}") and record["seconds"] >= 0
    assert records[0]["statements"] == [] and records[0]["hazards"] == []  # rolled back: nothing ran
    assert [(s["kind"], s["sql"].split()[0]) for s in records[1]["statements"]] == [
        ("missing_column", "ALTER"), ("missing_column", "ALTER"), ("missing_index", "CREATE")]
    assert records[1]["hazards"] == ["ACQUIRES_SHARE_LOCK", "INDEX_BUILD"]


def test_a_sqlite_apply_waits_for_the_apply_lock_before_it_plans(tmp_path: Path) -> None:
    """On SQLite the apply lock is a ``flock`` on a file in the temporary folder, taken before planning: while another
    process holds it, apply (and ``ensure``) neither plans nor writes, and gives up after
    ``--lock-wait`` with one line naming the lock; once it is free, apply heals."""
    from auditor.apply import apply_lock
    from auditor.demo import build_incident_database, spec_path
    from auditor.target import Target

    url = f"sqlite:///{tmp_path / 'app.db'}"
    build_incident_database(url)
    before = (tmp_path / "app.db").read_bytes()
    with apply_lock(Target("app", url), wait=1):
        held = run_cli("apply", "--db", url, "--spec", str(spec_path()), "--yes", "--lock-wait", "0.5s")
    assert held.code == 2 and len(held.err.splitlines()) == 1, held.err
    assert "another schema-auditor apply is running" in held.err and "schema-auditor-sqlite-" in held.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"], "nothing is written beside the database"
    assert (tmp_path / "app.db").read_bytes() == before
    assert run_cli("apply", "--db", url, "--spec", str(spec_path()), "--yes").code == 0
