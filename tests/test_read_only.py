"""Audits never write: SQLite files keep their bytes and mtime, Postgres audits work with a role
that owns nothing and may write nothing; and passwords can come from a secret file."""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from auditor.demo import build_incident_database, spec_path
from conftest import PG_ADMIN_URL, run_cli

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
