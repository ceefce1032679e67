"""The golden plans (tests/golden/plan_*.sql) are real SQL on the real engines.

test_plan_golden.py pins their text; here they run. The live database is built two ways: by
``apply --spec live.yaml`` onto an empty database (the tool's own DDL), and from hand-written
natural DDL equivalent to live.yaml (so that the script is not only tested against what the tool
itself creates). Each is checked to audit clean against live.yaml first, then the golden script runs
the way a person would run it (Postgres: ``psql -v ON_ERROR_STOP=1 -f``, twice, since it says it is
idempotent; SQLite: ``sqlite3.executescript``), and the result must audit clean (``--strict``)
against desired.yaml, with nothing left to plan. ``apply --spec desired.yaml`` must do the same.
The golden files themselves are not changed here.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from conftest import LiveDb, require_command, run_cli, run_psql

GOLDEN = Path(__file__).parent / "golden"

# live.yaml as a developer would write it by hand
LIVE_DDL = {
    "postgresql": """
        CREATE TABLE users (id integer PRIMARY KEY, email text, status varchar(20) NOT NULL DEFAULT 'new',
                            score numeric(10,2), legacy_flag boolean);
        CREATE INDEX ux_users_email ON users (email);
        CREATE INDEX idx_users_old ON users (status);
        CREATE TABLE analysis_jobs (id bigint, user_id integer NOT NULL);
        CREATE TABLE old_table (id integer);
    """,
    "sqlite": """
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, status VARCHAR(20) NOT NULL DEFAULT 'new',
                            score NUMERIC(10,2), legacy_flag BOOLEAN);
        CREATE INDEX ux_users_email ON users (email);
        CREATE INDEX idx_users_old ON users (status);
        CREATE TABLE analysis_jobs (id BIGINT, user_id INTEGER NOT NULL);
        CREATE TABLE old_table (id INTEGER);
    """,
}


def _run(url: str, sql_path: Path, tmp_path: Path) -> str | None:
    """Run a script with the engine's own client; None when it ran, else the error."""
    if url.startswith("sqlite"):
        try:
            with sqlite3.connect(make_url(url).database or "") as conn:
                conn.executescript(sql_path.read_text())
        except sqlite3.Error as exc:
            return f"sqlite3: {exc}"
        return None
    done = run_psql(url, sql_path)
    return None if done.returncode == 0 else done.stderr.strip()


def _live(engine: str, how: str, new_db, tmp_path: Path) -> str:
    url = new_db(engine)
    if how == "apply":
        built = run_cli("apply", "--db", url, "--spec", str(GOLDEN / "live.yaml"))
        assert built.code == 0, f"apply live.yaml: {built.err or built.out}"
    else:
        ddl = tmp_path / "live.sql"
        ddl.write_text(LIVE_DDL[engine])
        assert _run(url, ddl, tmp_path) is None
    audit = run_cli("audit", "--db", url, "--spec", str(GOLDEN / "live.yaml"), "--strict")
    assert audit.code == 0, f"the live database is not live.yaml: {audit.out}"
    return url


def _assert_desired(url: str) -> None:
    audit = run_cli("audit", "--db", url, "--spec", str(GOLDEN / "desired.yaml"), "--strict")
    assert audit.code == 0, f"audit --strict vs desired.yaml exit {audit.code}:\n{audit.out}{audit.err}"
    plan = run_cli("plan", "--db", url, "--spec", str(GOLDEN / "desired.yaml"), "--strict")
    assert plan.code == 0, f"still planned after the heal:\n{plan.out}"


@pytest.mark.parametrize("how", ["apply", "natural_ddl"])
@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_golden_plan_script_runs_on_the_real_engine(engine: str, how: str, new_db, tmp_path: Path) -> None:
    if engine == "postgresql":
        require_command("psql")
    url = _live(engine, how, new_db, tmp_path)
    script = GOLDEN / f"plan_{engine}.sql"
    for attempt in (1, 2) if engine == "postgresql" else (1,):
        error = _run(url, script, tmp_path)
        assert error is None, f"{script.name}, run {attempt}: {error}"
    _assert_desired(url)


@pytest.mark.parametrize("how", ["apply", "natural_ddl"])
@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_golden_drift_healed_by_apply(engine: str, how: str, new_db, tmp_path: Path) -> None:
    url = _live(engine, how, new_db, tmp_path)
    applied = run_cli("apply", "--db", url, "--spec", str(GOLDEN / "desired.yaml"), "--allow-hazards", "all",
                      "--allow-destructive", "--strict")
    assert applied.code == 0, f"apply desired.yaml exit {applied.code}:\n{applied.out}{applied.err}"
    _assert_desired(url)


def test_golden_postgres_plan_equals_what_plan_prints_for_the_live_database(new_db, tmp_path: Path) -> None:
    """The golden plan comes from two spec files; a live database built from live.yaml plans the same SQL."""
    url = _live("postgresql", "apply", new_db, tmp_path)
    # The golden plan takes every table to hold rows, and builds its indexes in the transaction.
    LiveDb(url, "postgresql").execute("INSERT INTO users VALUES (1, 'a@example.com', 'new', 1, false)",
                                      "INSERT INTO analysis_jobs VALUES (1, 1)", "INSERT INTO old_table VALUES (1)")
    printed = run_cli("plan", "--db", url, "--spec", str(GOLDEN / "desired.yaml"), "--no-concurrent-indexes").out
    # what only a live database adds: its name and the pre-check counts
    body = "\n".join(line for line in printed.splitlines() if not line.startswith(("-- database:", "-- precheck:")))
    assert body.strip() == (GOLDEN / "plan_postgresql.sql").read_text().strip()
