"""Expected schemas from a reference database (--expected-db) and from a DDL file (--expected-sql):
the same items as the equivalent spec on both engines, through audit, plan, apply and snapshot, and
a scratch database that is always dropped."""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from auditor.demo import EDITED_V3, MIGRATIONS_AS_DEPLOYED, build_incident_database, migrate, spec_path
from auditor.sources import split_statements
from conftest import PG_ADMIN_URL, LiveDb, _pg_admin_engine, run_cli

SPEC = str(spec_path())
# The migrations after someone edited v3's body: what a fresh database built today runs.
EDITED = {**MIGRATIONS_AS_DEPLOYED, 3: MIGRATIONS_AS_DEPLOYED[3] + EDITED_V3}
INCIDENT_ITEMS = [("missing_column", "analysis_jobs", "tickers_json"),
                  ("missing_index", "analysis_jobs", "idx_analysis_jobs_tickers_status")]


def run_migrations(url: str, migrations: dict[int, tuple[str, ...]]) -> int:
    """Run the incident's migration runner against ``url``; returns the version it records."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return migrate(conn, migrations)
    finally:
        engine.dispose()


def migrations_sql(migrations: dict[int, tuple[str, ...]], version: int) -> str:
    """The migrations as one DDL file, with the runner's version table filled."""
    lines = ["-- built from the migrations", "CREATE TABLE schema_version (version INTEGER NOT NULL);", ""]
    lines += [f"{statement};" for v in sorted(migrations) for statement in migrations[v]]
    return "\n".join(lines + [f"INSERT INTO schema_version (version) VALUES ({version});", ""])


def scratch_databases() -> set[str]:
    """The scratch databases left on the test server."""
    return {row[0] for row in LiveDb(PG_ADMIN_URL, "postgresql").query(
        "SELECT datname FROM pg_database WHERE datname ~ '^schema_auditor_scratch_'")}


@pytest.fixture
def reference(db: LiveDb, tmp_path: Path) -> Iterator[LiveDb]:
    """A second, empty database of the same engine as ``db`` (dropped afterwards)."""
    if db.dialect == "sqlite":
        yield LiveDb(f"sqlite:///{tmp_path / 'reference.db'}", "sqlite")
        return
    name = f"auditor_ref_{uuid.uuid4().hex[:12]}"
    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield LiveDb(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), "postgresql")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def dev_options(db: LiveDb) -> list[str]:
    """--dev-url for a Postgres target's scratch database; SQLite needs none."""
    return ["--dev-url", PG_ADMIN_URL] if db.dialect == "postgresql" else []


def items(result) -> list[tuple[str, str, str]]:  # noqa: ANN001 - a conftest.CliResult
    report = json.loads(result.out)
    return [(i["kind"], i["table"], i["name"]) for d in report["databases"] for i in d["drift"]]


# ---------------------------------------------------------------------------------------------


def test_expected_db_and_sql_give_the_same_items_as_the_spec(db: LiveDb, reference: LiveDb, tmp_path: Path) -> None:
    build_incident_database(db.url)
    run_migrations(reference.url, EDITED)
    ddl = tmp_path / "schema.sql"
    ddl.write_text(migrations_sql(EDITED, 3))
    before = scratch_databases() if db.dialect == "postgresql" else set()
    by_source = {
        "spec": run_cli("audit", "--db", db.url, "--spec", SPEC, "--format", "json"),
        "db": run_cli("audit", "--db", db.url, "--expected-db", reference.url, "--format", "json"),
        "sql": run_cli("audit", "--db", db.url, "--expected-sql", str(ddl), *dev_options(db), "--format", "json"),
    }
    for source, result in by_source.items():
        assert result.code == 1, f"{source}: {result.err}"
        assert items(result) == INCIDENT_ITEMS, source
    assert json.loads(by_source["sql"].out)["databases"][0]["spec"] == str(ddl)
    if db.dialect == "postgresql":
        assert scratch_databases() == before, "the scratch database is dropped"


def test_plan_and_apply_against_a_reference_database_heal_the_target(db: LiveDb, reference: LiveDb) -> None:
    build_incident_database(db.url)
    run_migrations(reference.url, EDITED)
    plan = run_cli("plan", "--db", db.url, "--expected-db", reference.url)
    assert plan.code == 1 and "tickers_json" in plan.out
    applied = run_cli("apply", "--db", db.url, "--expected-db", reference.url, "--concurrent-indexes")
    assert applied.code == 0, applied.out + applied.err
    assert "verified: clean" in applied.out
    assert run_cli("audit", "--db", db.url, "--expected-db", reference.url).code == 0
    assert reference.query("SELECT version FROM schema_version") == [(1,), (2,), (3,)], "the reference is only read"


def test_a_sql_error_names_its_line_exits_2_and_leaves_no_scratch_database(db: LiveDb, tmp_path: Path) -> None:
    ddl = tmp_path / "broken.sql"
    ddl.write_text("CREATE TABLE users (id integer PRIMARY KEY);\n\n-- the next one is wrong\n"
                   "CREATE TABLE jobs (id integer PRIMARY KEY,\n  user_id integer REFERENCES users (id));\n"
                   "CREATE INDEX idx_jobs_user ON jobs (owner_id);\n")
    before = scratch_databases() if db.dialect == "postgresql" else set()
    result = run_cli("audit", "--db", db.url, "--expected-sql", str(ddl), *dev_options(db))
    assert result.code == 2
    assert result.err.startswith(f"{ddl}:6: ") and "owner_id" in result.err, result.err
    assert "(fix the SQL file and run again)" in result.err and "Traceback" not in result.err
    if db.dialect == "postgresql":
        assert scratch_databases() == before


def test_postgres_expected_sql_needs_a_dev_url(pg_url: str, tmp_path: Path) -> None:
    ddl = tmp_path / "schema.sql"
    ddl.write_text("CREATE TABLE jobs (id integer PRIMARY KEY);\n")
    result = run_cli("audit", "--db", pg_url, "--expected-sql", str(ddl))
    assert result.code == 2
    assert f"--expected-sql {ddl} on PostgreSQL needs --dev-url URL" in result.err


def test_a_missing_sql_file_and_spec_next_to_a_source_are_refused(sqlite_url: str, tmp_path: Path) -> None:
    missing = run_cli("audit", "--db", sqlite_url, "--expected-sql", str(tmp_path / "nope.sql"))
    assert missing.code == 2 and "nope.sql: cannot read the SQL file" in missing.err
    both = run_cli("audit", "--db", sqlite_url, "--spec", SPEC, "--expected-db", sqlite_url)
    assert both.code == 2 and "--spec and --expected-db both name the expected schema" in both.err


def test_snapshot_from_a_ddl_file_writes_the_spec_the_migrations_produce(db: LiveDb, tmp_path: Path) -> None:
    ddl = tmp_path / "schema.sql"
    ddl.write_text(migrations_sql(EDITED, 3))
    spec = tmp_path / "committed.yaml"
    done = run_cli("snapshot", "--expected-sql", str(ddl), *dev_options(db), "--version-table", "schema_version",
                   "-o", str(spec))
    assert done.code == 0, done.err
    assert "\nversion: 3\n" in spec.read_text()
    run_migrations(db.url, EDITED)
    fresh = run_cli("audit", "--db", db.url, "--spec", str(spec), "--version-table", "schema_version",
                    "--format", "json")
    assert fresh.code == 0, fresh.out + fresh.err
    assert json.loads(fresh.out)["databases"][0]["version"]["status"] == "match"


def test_snapshot_of_a_reference_database_equals_snapshot_of_the_database(reference: LiveDb, tmp_path: Path) -> None:
    run_migrations(reference.url, EDITED)
    by_db = run_cli("snapshot", "--db", reference.url).out
    by_source = run_cli("snapshot", "--expected-db", reference.url).out
    assert by_db.splitlines()[1:] == by_source.splitlines()[1:]


def test_config_takes_expected_db_and_expected_sql(tmp_path: Path) -> None:
    build_incident_database(f"sqlite:///{tmp_path / 'prod.db'}")
    run_migrations(f"sqlite:///{tmp_path / 'fresh.db'}", EDITED)
    (tmp_path / "schema.sql").write_text(migrations_sql(EDITED, 3))
    config = tmp_path / "config.yaml"
    config.write_text("""\
version_table: schema_version
databases:
  against_db: {url: "sqlite:///prod.db", expected_db: "sqlite:///fresh.db"}
  against_sql: {url: "sqlite:///prod.db", expected_sql: schema.sql}
""")
    result = run_cli("audit", "--config", str(config), "--format", "json")
    assert result.code == 1, result.err
    report = json.loads(result.out)["databases"]
    assert [d["version"]["status"] for d in report] == ["silent_drift", "silent_drift"]
    assert items(result) == INCIDENT_ITEMS * 2


def test_cross_engine_sqlite_reference_for_a_postgres_target(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    reference = f"sqlite:///{tmp_path / 'fresh.db'}"
    run_migrations(reference, EDITED)
    result = run_cli("audit", "--db", pg_url, "--expected-db", reference, "--format", "json")
    assert items(result) == INCIDENT_ITEMS, result.out + result.err


@pytest.mark.parametrize("ddl, statements", [
    ("CREATE TABLE a (x int);\nCREATE TABLE b (y int);", [(1, "CREATE TABLE a (x int)"), (2, "CREATE TABLE b (y int)")]),
    ("-- a; comment\n\n  CREATE TABLE a (x text DEFAULT ';');", [(3, "CREATE TABLE a (x text DEFAULT ';')")]),
    ("/* one;\ntwo */ SELECT 1;", [(2, "SELECT 1")]),
    ('CREATE TABLE "a;b" (x int);', [(1, 'CREATE TABLE "a;b" (x int)')]),
    ("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nSELECT 2",
     [(1, "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql"), (2, "SELECT 2")]),
    ("DO $$ BEGIN PERFORM 1; END $$;", [(1, "DO $$ BEGIN PERFORM 1; END $$")]),
    ("\\restrict abc\nSET x = 1;\n\\connect db\n", [(2, "SET x = 1")]),   # pg_dump's psql meta-commands
    ("SELECT 'it''s; fine';;", [(1, "SELECT 'it''s; fine'")]),
])
def test_split_statements(ddl: str, statements: list[tuple[int, str]]) -> None:
    assert split_statements(ddl) == statements


def test_a_reference_password_is_never_printed(sqlite_url: str, tmp_path: Path) -> None:
    reference = "postgresql://auditor:s3cr3t-Pa55@127.0.0.1:1/reference"
    for args in (("--expected-db", reference), ("--expected-sql", str(tmp_path / "x.sql"), "--dev-url", reference)):
        (tmp_path / "x.sql").write_text("CREATE TABLE a (id integer);\n")
        result = run_cli("audit", "--db", reference.replace("reference", "app"), *args, "--format", "json")
        assert result.code == 2
        assert "s3cr3t" not in result.out + result.err and "auditor:***@127.0.0.1:1" in result.out + result.err


def test_config_expected_sql_on_postgres_uses_its_dev_url(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    (tmp_path / "schema.sql").write_text(migrations_sql(EDITED, 3))
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
databases:
  prod: {{url: "{pg_url}", expected_sql: schema.sql, dev_url: "{PG_ADMIN_URL}", version_table: schema_version}}
""")
    before = scratch_databases()
    result = run_cli("audit", "--config", str(config), "--format", "json")
    assert result.code == 1, result.err
    assert json.loads(result.out)["databases"][0]["version"]["status"] == "silent_drift"
    assert items(result) == INCIDENT_ITEMS
    assert scratch_databases() == before
