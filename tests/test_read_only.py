"""Audits never write: SQLite files keep their bytes and mtime, Postgres audits work with a role
that owns nothing and may write nothing; and passwords can come from a secret file."""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from auditor.demo import build_incident_database, spec_path
from conftest import PG_ADMIN_URL, LiveDb, run_cli

SPEC = str(spec_path())


def test_sqlite_audit_plan_and_snapshot_leave_the_file_untouched(tmp_path: Path) -> None:
    db = tmp_path / "prod.db"
    build_incident_database(f"sqlite:///{db}")
    os.utime(db, (1_600_000_000, 1_600_000_000))
    before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir()))
    assert run_cli("audit", "--db", str(db), "--spec", SPEC).code == 1
    assert run_cli("plan", "--db", str(db), "--spec", SPEC).code == 1
    assert run_cli("snapshot", "--db", str(db), "-o", str(tmp_path.parent / f"{uuid.uuid4().hex}.yaml")).code == 0
    assert (db.read_bytes(), db.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir())) == before


def test_postgres_audit_with_a_role_that_owns_nothing_and_may_not_write(pg_url: str) -> None:
    build_incident_database(pg_url)
    role = f"auditor_ro_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
        result = run_cli("audit", "--db", url, "--spec", SPEC, "--format", "json")
        assert result.code == 1, result.err
        kinds = [d["kind"] for d in json.loads(result.out)["databases"][0]["drift"]]
        assert kinds == ["missing_column", "missing_index"]
        # The same role cannot apply: it may not write, and the failure changes nothing.
        applied = run_cli("apply", "--db", url, "--spec", SPEC, "--yes")
        assert applied.code == 2 and "rolled back" in applied.err
        assert run_cli("audit", "--db", pg_url, "--spec", SPEC).code == 1
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


def test_password_file_fills_the_url_and_is_never_printed(tmp_path: Path) -> None:
    secret = tmp_path / "db-password"
    secret.write_text("pf-6d1e0c-secret\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"spec: {SPEC}\ndatabases:\n  prod:\n"
                      "    url: postgresql://auditor@127.0.0.1:1/app\n    password_file: db-password\n")
    from auditor.config import load_config

    assert make_url(load_config(config).targets["prod"].url).password == "pf-6d1e0c-secret"
    result = run_cli("audit", "--config", str(config), "--format", "json")
    assert result.code == 2 and "pf-6d1e0c-secret" not in result.out + result.err
    config.write_text(config.read_text().replace("db-password", "missing-file"))
    result = run_cli("audit", "--config", str(config))
    assert result.code == 2 and f"{config}:5:" in result.err and "cannot read password_file" in result.err


# Version queries that try to write: each runs in the audit's read-only session, as one statement.
POSTGRES_ESCAPES = [
    "COMMIT; INSERT INTO victims VALUES (1); SELECT max(version) FROM schema_version",
    "SELECT max(version) FROM schema_version; INSERT INTO victims VALUES (2)",
    "SET TRANSACTION READ WRITE",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; INSERT INTO victims VALUES (3)",
    "COMMIT; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; COMMIT; INSERT INTO victims VALUES (9)",
    "COMMIT; SET default_transaction_read_only = off; COMMIT; INSERT INTO victims VALUES (10)",
    "RESET default_transaction_read_only; INSERT INTO victims VALUES (4)",
    "BEGIN READ WRITE; INSERT INTO victims VALUES (5); COMMIT",
    "WITH w AS (INSERT INTO victims VALUES (6) RETURNING id) SELECT max(version) FROM schema_version, w",
    "SELECT write_victim()",
    "DO $$ BEGIN INSERT INTO victims VALUES (8); END $$",
    "CREATE TABLE planted (id int)",
    "SELECT nextval('victim_seq')",
]


def test_a_version_query_cannot_write_on_postgres(pg_url: str) -> None:
    db = LiveDb(pg_url, "postgresql")
    build_incident_database(pg_url)
    db.execute("CREATE TABLE victims (id int)", "CREATE SEQUENCE victim_seq",
               "CREATE FUNCTION write_victim() RETURNS int LANGUAGE sql AS 'INSERT INTO victims VALUES (7) RETURNING 3'")
    for query in POSTGRES_ESCAPES:
        result = run_cli("audit", "--db", pg_url, "--spec", SPEC, "--version-query", query, "--format", "json")
        assert result.code == 2, (query, result.out, result.err)
        version = json.loads(result.out)["databases"][0]["version"]
        assert version["status"] == "version_unknown", (query, version)
    assert db.query("SELECT count(*) FROM victims") == [(0,)]
    assert db.query("SELECT last_value, is_called FROM victim_seq") == [(1, False)]
    assert db.query("SELECT count(*) FROM pg_class WHERE relname = 'planted'") == [(0,)]
    ok = run_cli("audit", "--db", pg_url, "--spec", SPEC, "--version-query",
                 "SELECT max(version) FROM schema_version WHERE 'a%' LIKE 'a%'", "--format", "json")
    assert json.loads(ok.out)["databases"][0]["version"]["recorded"] == "3", ok.out  # a plain query still reads


def test_the_urls_own_options_are_kept_and_cannot_turn_read_only_off(pg_url: str) -> None:
    """``?options=-c search_path=... -c default_transaction_read_only=off``: the audit keeps the
    search_path (it was silently dropped) and stays read-only (the audit's settings come last)."""
    db = LiveDb(pg_url, "postgresql")
    build_incident_database(pg_url)
    db.execute("CREATE SCHEMA other", "CREATE TABLE other.victims (id int)")
    options = quote("-c search_path=other,public -c default_transaction_read_only=off")
    url = f"{pg_url}?options={options}"
    settings = "SELECT current_setting('search_path') || '/' || current_setting('default_transaction_read_only')"
    result = run_cli("audit", "--db", url, "--spec", SPEC, "--version-query", settings, "--format", "json")
    assert json.loads(result.out)["databases"][0]["version"]["recorded"] == "other,public/on", result.out
    write = run_cli("audit", "--db", url, "--spec", SPEC, "--version-query",
                    "WITH w AS (INSERT INTO victims VALUES (1) RETURNING id) SELECT count(*) FROM w", "--format", "json")
    assert json.loads(write.out)["databases"][0]["version"]["status"] == "version_unknown", write.out
    assert db.query("SELECT count(*) FROM other.victims") == [(0,)]


SQLITE_ESCAPES = [
    "COMMIT; INSERT INTO victims VALUES (1)",
    "SELECT max(version) FROM schema_version; INSERT INTO victims VALUES (2)",
    "INSERT INTO victims VALUES (3) RETURNING id",
    "ATTACH DATABASE '{planted}' AS planted",
    "CREATE TABLE planted (id int)",
    "UPDATE schema_version SET version = 9",
]


def test_a_version_query_cannot_write_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "prod.db"
    build_incident_database(f"sqlite:///{path}")
    LiveDb(f"sqlite:///{path}", "sqlite").execute("CREATE TABLE victims (id int)")
    before = path.read_bytes()
    for query in SQLITE_ESCAPES:
        query = query.format(planted=tmp_path / "planted.db")
        result = run_cli("audit", "--db", str(path), "--spec", SPEC, "--version-query", query, "--format", "json")
        version = json.loads(result.out)["databases"][0]["version"]
        assert version["status"] == "version_unknown", (query, version)
    # A pragma that would change the file reads its value instead (the connection is mode=ro).
    run_cli("audit", "--db", str(path), "--spec", SPEC, "--version-query", "PRAGMA journal_mode = WAL")
    assert path.read_bytes() == before
    assert not (tmp_path / "planted.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prod.db"]
