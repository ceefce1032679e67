"""Grants and owners on the real Postgres server, compared only when asked (``privileges: true``):
natural DDL and a hand-written spec audit clean; snapshot --privileges round trips and rebuilds
the same GRANT, REVOKE and OWNER lines of pg_dump; each mutation is one drift item that apply
heals; the config's roles map the spec's role names; off by default; bad entries are one line."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from conftest import LiveDb, audit_drift, plan_is_empty, plan_runs_twice, run_cli, mutation_is_healed

ALL_HAZARDS = ("--allow-hazards", "all", "--allow-destructive")
ROLES = ("auditor_app", "auditor_ro", "auditor_admin", "auditor_app_prod")
# Roles live in the cluster, not the database: made once, whichever test comes first.
MAKE_ROLES = [f"DO $$ BEGIN CREATE ROLE {role}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
              for role in ROLES]

DATABASE = [
    *MAKE_ROLES,
    "CREATE SCHEMA app",
    "CREATE TABLE app.jobs (id serial PRIMARY KEY, status text, tickers_json text)",
    "CREATE VIEW app.open_jobs AS SELECT id FROM app.jobs WHERE status = 'open'",
    "CREATE FUNCTION app.add(a int, b double precision) RETURNS double precision LANGUAGE sql AS 'SELECT a + b'",
    "ALTER SCHEMA app OWNER TO auditor_admin",
    "ALTER TABLE app.jobs OWNER TO auditor_admin",
    "ALTER VIEW app.open_jobs OWNER TO auditor_admin",
    "ALTER FUNCTION app.add(int, double precision) OWNER TO auditor_admin",
    "GRANT USAGE ON SCHEMA app TO auditor_ro, auditor_app",
    "GRANT SELECT ON ALL TABLES IN SCHEMA app TO auditor_ro",
    "GRANT SELECT, INSERT, UPDATE (status) ON app.jobs TO auditor_app",
    "GRANT USAGE ON SEQUENCE app.jobs_id_seq TO auditor_app",
    "REVOKE EXECUTE ON FUNCTION app.add(int, double precision) FROM PUBLIC",
    "GRANT EXECUTE ON FUNCTION app.add(int, float8) TO auditor_app WITH GRANT OPTION",
]
# The same, written by hand the way a person would: ALL ... IN SCHEMA, other spellings of types.
SPEC = """\
schemas: [public, app]
functions:
  - CREATE FUNCTION app.add(a integer, b float8) RETURNS float8 LANGUAGE sql AS 'SELECT a + b'
views:
  app.open_jobs: SELECT id FROM app.jobs WHERE status = 'open'
tables:
  app.jobs:
    columns:
      id: {type: serial, primary_key: true}
      status: text
      tickers_json: text
owner: auditor_admin
owners:
  schema app: auditor_admin
grants:
  - GRANT USAGE ON SCHEMA app TO auditor_ro, auditor_app
  - GRANT SELECT ON ALL TABLES IN SCHEMA app TO auditor_ro
  - grant select, insert, update (status) on table app.jobs to auditor_app
  - GRANT USAGE ON SEQUENCE app.jobs_id_seq TO auditor_app
  - REVOKE ALL ON FUNCTION app.add(integer, double precision) FROM public
  - GRANT EXECUTE ON FUNCTION app.add(int4, float8) TO auditor_app WITH GRANT OPTION
"""


def audit(url: str, spec: Path, *extra: str) -> tuple[int, list[tuple[str, str, str | None]], list[str]]:
    return audit_drift(url, spec, *extra)


def acl_lines(url: str) -> list[str]:
    """pg_dump's GRANT, REVOKE and OWNER TO lines: who owns and may do what."""
    u = make_url(url)
    done = subprocess.run(["pg_dump", "--schema-only", "-h", u.host or "", "-p", str(u.port or 5432),
                           "-U", u.username or "postgres", u.database or ""],
                          capture_output=True, text=True, timeout=120, check=True)
    return sorted(line for line in done.stdout.splitlines()
                  if re.match(r"(GRANT|REVOKE) |ALTER .* OWNER TO ", line))


@pytest.fixture
def acl_db(pg_url: str, tmp_path: Path) -> tuple[LiveDb, Path]:
    """The database above and its snapshot --privileges."""
    db = LiveDb(pg_url, "postgresql")
    db.execute(*DATABASE)
    result = run_cli("snapshot", "--db", pg_url, "--schema", "public", "--schema", "app", "--privileges")
    assert result.code == 0, result.err
    spec = tmp_path / "spec.yaml"
    spec.write_text(result.out)
    return db, spec


def test_natural_ddl_and_a_hand_written_spec_audit_clean(pg_url: str, tmp_path: Path) -> None:
    LiveDb(pg_url, "postgresql").execute(*DATABASE)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    assert audit(pg_url, spec)[:2] == (0, [])


def test_snapshot_audits_clean_and_rebuilds_the_same_grants_and_owners(acl_db: tuple[LiveDb, Path], new_db) -> None:
    db, spec = acl_db
    doc = yaml.safe_load(spec.read_text())
    assert doc["privileges"] is True and doc["owner"] == "auditor_admin"
    assert "REVOKE EXECUTE ON FUNCTION app.add(integer, double precision) FROM PUBLIC" in doc["grants"]
    assert audit(db.url, spec)[:2] == (0, [])
    empty = new_db("postgresql")
    applied = run_cli("apply", "--db", empty, "--spec", str(spec), "--yes", *ALL_HAZARDS)
    assert applied.code == 0, applied.out + applied.err
    assert audit(empty, spec)[:2] == (0, [])
    assert plan_is_empty(empty, spec)
    lines = acl_lines(db.url)
    assert acl_lines(empty) == lines
    assert "GRANT SELECT,INSERT ON TABLE app.jobs TO auditor_app;" in lines
    assert "GRANT UPDATE(status) ON TABLE app.jobs TO auditor_app;" in lines


MUTATIONS = [
    # (id, SQL, the one drift item)
    ("revoked", "REVOKE INSERT ON app.jobs FROM auditor_app", ("missing_grant", "app.jobs", "INSERT to auditor_app")),
    ("column_revoked", "REVOKE UPDATE (status) ON app.jobs FROM auditor_app",
     ("missing_grant", "app.jobs", "UPDATE (status) to auditor_app")),
    ("schema_usage", "REVOKE USAGE ON SCHEMA app FROM auditor_ro", ("missing_grant", "app", "USAGE to auditor_ro")),
    ("sequence", "REVOKE USAGE ON SEQUENCE app.jobs_id_seq FROM auditor_app",
     ("missing_grant", "app.jobs_id_seq", "USAGE to auditor_app")),
    ("granted_by_hand", "GRANT DELETE ON app.jobs TO auditor_ro", ("extra_grant", "app.jobs", "DELETE to auditor_ro")),
    ("column_granted", "GRANT UPDATE (tickers_json) ON app.jobs TO auditor_app",
     ("extra_grant", "app.jobs", "UPDATE (tickers_json) to auditor_app")),
    ("grant_option", "GRANT SELECT ON app.open_jobs TO auditor_ro WITH GRANT OPTION",
     ("extra_grant", "app.open_jobs", "SELECT to auditor_ro")),
    ("option_lost", "REVOKE GRANT OPTION FOR EXECUTE ON FUNCTION app.add(int, float8) FROM auditor_app",
     ("missing_grant", "app.add(integer, double)", "EXECUTE to auditor_app")),
    ("public_execute", "GRANT EXECUTE ON FUNCTION app.add(int, float8) TO PUBLIC",
     ("extra_grant", "app.add(integer, double)", "EXECUTE to PUBLIC")),
    ("owner_changed", "ALTER TABLE app.jobs OWNER TO auditor_app", ("owner_mismatch", "app.jobs", "owner")),
    ("schema_owner", "ALTER SCHEMA app OWNER TO auditor_ro", ("owner_mismatch", "app", "owner")),
]


@pytest.mark.parametrize("sql, item", [pytest.param(sql, item, id=name) for name, sql, item in MUTATIONS])
def test_one_mutation_is_one_item_and_apply_heals_it(acl_db: tuple[LiveDb, Path], sql: str,
                                                     item: tuple[str, str, str]) -> None:
    db, spec = acl_db
    mutation_is_healed(db, spec, sql, item, audit)


def test_revoking_and_changing_owners_needs_a_flag(acl_db: tuple[LiveDb, Path]) -> None:
    """A REVOKE can break an application that uses the grant, and ALTER TABLE ... OWNER TO takes
    an ACCESS EXCLUSIVE lock: apply withholds both without the flags; a missing grant needs none."""
    db, spec = acl_db
    db.execute("GRANT DELETE ON app.jobs TO auditor_ro", "ALTER TABLE app.jobs OWNER TO auditor_app",
               "REVOKE INSERT ON app.jobs FROM auditor_app")
    plan = run_cli("plan", "--db", db.url, "--spec", str(spec)).out
    assert "BACKWARD_INCOMPATIBLE" in plan and "ACQUIRES_ACCESS_EXCLUSIVE_LOCK" in plan
    withheld = run_cli("apply", "--db", db.url, "--spec", str(spec), "--yes")
    assert withheld.code == 1
    assert sorted(audit(db.url, spec)[1]) == [("extra_grant", "app.jobs", "DELETE to auditor_ro"),
                                              ("owner_mismatch", "app.jobs", "owner")]


def test_the_printed_plan_runs_twice_by_hand(acl_db: tuple[LiveDb, Path], tmp_path: Path) -> None:
    """Every GRANT, REVOKE and OWNER TO is idempotent: psql -f plan.sql twice, then it is the spec's."""
    db, spec = acl_db
    for _, sql, _ in MUTATIONS:
        db.execute(sql)
    plan_runs_twice(db.url, spec, tmp_path / "plan.sql")
    assert audit(db.url, spec)[:2] == (0, [])


def test_messages_say_what_differs(acl_db: tuple[LiveDb, Path]) -> None:
    db, spec = acl_db
    db.execute("REVOKE UPDATE (status) ON app.jobs FROM auditor_app", "ALTER VIEW app.open_jobs OWNER TO auditor_ro",
               "GRANT SELECT ON app.jobs TO auditor_ro WITH GRANT OPTION")
    assert sorted(audit(db.url, spec)[2]) == [
        "auditor_app lacks UPDATE on column status of table app.jobs, which the spec grants",
        "auditor_ro holds SELECT on table app.jobs WITH GRANT OPTION, which the spec does not give",
        "view app.open_jobs is owned by auditor_ro; the spec says auditor_admin"]


def test_off_by_default_and_when_the_config_says_so(pg_url: str, tmp_path: Path) -> None:
    """A spec without grants compares none, whatever the database holds; privileges: false in the
    config (or --no-privileges) turns a spec's grants off; --privileges turns the defaults on."""
    db = LiveDb(pg_url, "postgresql")
    db.execute(*DATABASE)
    plain = tmp_path / "plain.yaml"
    plain.write_text(run_cli("snapshot", "--db", pg_url, "--schema", "public", "--schema", "app").out)
    assert "grants" not in yaml.safe_load(plain.read_text())
    assert audit(pg_url, plain)[:2] == (0, [])
    db.execute("GRANT DELETE ON app.jobs TO auditor_ro")
    assert audit(pg_url, plain)[:2] == (0, [])
    on = audit(pg_url, plain, "--privileges")[1]
    assert ("extra_grant", "app.jobs", "DELETE to auditor_ro") in on and len(on) > 1, "the defaults: no grants"
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    assert audit(pg_url, spec)[1] == [("extra_grant", "app.jobs", "DELETE to auditor_ro")]
    assert audit(pg_url, spec, "--no-privileges")[:2] == (0, [])
    config = tmp_path / "config.yaml"
    config.write_text(f"privileges: false\ndatabases:\n  prod: {{url: '{pg_url}', spec: {spec}}}\n")
    result = run_cli("audit", "--config", str(config))
    assert result.code == 0, result.out + result.err


def test_the_configs_roles_map_the_specs_names(pg_url: str, tmp_path: Path) -> None:
    """One spec, every environment: roles: {auditor_app: auditor_app_prod} in the config (or
    --role) reads the spec's auditor_app as this database's auditor_app_prod, in the audit and the plan."""
    db = LiveDb(pg_url, "postgresql")
    db.execute(*MAKE_ROLES, "CREATE TABLE jobs (id int PRIMARY KEY, status text)",
               "GRANT SELECT, UPDATE (status) ON jobs TO auditor_app_prod")
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  jobs:\n    columns: {id: {type: int, primary_key: true}, status: text}\n"
                    "grants:\n  - GRANT SELECT, UPDATE (status) ON jobs TO auditor_app\n")
    assert sorted(audit(pg_url, spec)[1]) == [
        ("extra_grant", "jobs", "SELECT to auditor_app_prod"), ("extra_grant", "jobs", "UPDATE (status) to auditor_app_prod"),
        ("missing_grant", "jobs", "SELECT to auditor_app"), ("missing_grant", "jobs", "UPDATE (status) to auditor_app")]
    assert audit(pg_url, spec, "--role", "auditor_app=auditor_app_prod")[:2] == (0, [])
    config = tmp_path / "config.yaml"
    config.write_text(f"roles: {{auditor_app: auditor_app_prod}}\ndatabases:\n  prod: {{url: '{pg_url}', spec: {spec}}}\n")
    assert run_cli("audit", "--config", str(config)).code == 0
    db.execute("REVOKE SELECT ON jobs FROM auditor_app_prod")
    plan = run_cli("plan", "--config", str(config)).out
    assert "GRANT SELECT ON TABLE public.jobs TO auditor_app_prod" in plan and " auditor_app;" not in plan
    assert run_cli("apply", "--config", str(config), "--yes").code == 0
    assert run_cli("audit", "--config", str(config)).code == 0


def test_sqlite_has_no_grants(sqlite_url: str, tmp_path: Path) -> None:
    """One spec serves both engines: grants and owners are not compared where there are none."""
    LiveDb(sqlite_url, "sqlite").execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT)")
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  jobs:\n    columns: {id: {type: integer, primary_key: true}, status: text}\n"
                    "owner: app\ngrants:\n  - GRANT SELECT ON jobs TO app\n")
    assert audit(sqlite_url, spec)[:2] == (0, [])


BAD = [
    # (id, the grants: entries, the line:column and words of the one error)
    ("unknown_table", "  - GRANT SELECT ON jobz TO app\n", "5:5: grants entry 'GRANT SELECT ON jobz TO app': names table "
                                                           "public.jobz, which the spec does not have"),
    ("bad_privilege", "  - GRANT EXECUTE ON jobs TO app\n", "5:5: grants entry 'GRANT EXECUTE ON jobs TO app': EXECUTE "
                                                            "is not a privilege of a table (DELETE, INSERT,"),
    ("unknown_column", "  - GRANT UPDATE (stat) ON jobs TO app\n", "names column stat, which table public.jobs does not"),
    ("current_user", "  - GRANT SELECT ON jobs TO CURRENT_USER\n", "5:5: grants entry 'GRANT SELECT ON jobs TO "
                                                                   "CURRENT_USER': CURRENT_USER names a different role"),
    ("syntax", "  - GRANT SELECT ON jobs app\n", "5:26: grants entry 'GRANT SELECT ON jobs app': syntax error at or near"),
    ("not_a_grant", "  - CREATE TABLE x (id int)\n", "5:5: grants entry 'CREATE TABLE x (id int)': is a Create statement"),
    ("flow_list_comma", "  [GRANT SELECT, UPDATE ON jobs TO app]\n", "5:3: grants: in a [...] list a comma ends the entry"),
    ("bad_owner_key", None, "5:3: owners: 'jobs' must start with what it is (table, view,"),
]


@pytest.mark.parametrize("entries, error", [pytest.param(e, m, id=i) for i, e, m in BAD])
def test_a_bad_entry_is_one_clear_line(tmp_path: Path, entries: str | None, error: str) -> None:
    spec = tmp_path / "spec.yaml"
    body = "grants:\n" + entries if entries else "owners:\n  jobs: app\n"
    spec.write_text("tables:\n  jobs:\n    columns: {id: integer, status: text}\n" + body)
    result = run_cli("audit", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--spec", str(spec))
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if "spec.yaml:" in line]
    assert len(lines) == 1 and error in lines[0], result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "x.db").exists() or (tmp_path / "x.db").stat().st_size == 0


def test_a_reference_database_gives_its_grants(acl_db: tuple[LiveDb, Path], new_db) -> None:
    """--expected-db with --privileges: the reference's grants and owners are the expected ones."""
    db, _ = acl_db
    other = new_db("postgresql")
    LiveDb(other, "postgresql").execute(*DATABASE, "GRANT DELETE ON app.jobs TO auditor_ro")
    result = run_cli("audit", "--db", other, "--expected-db", db.url,
                     "--privileges", "--format", "json")
    drift = json.loads(result.out)["databases"][0]["drift"]
    assert [(d["kind"], d["name"]) for d in drift] == [("extra_grant", "DELETE to auditor_ro")], result.out + result.err
    assert run_cli("audit", "--db", other, "--expected-db", db.url).code == 0


def test_tenant_databases_refuse_grants(pg_url: str, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  jobs:\n    columns: {id: integer}\ngrants:\n  - GRANT SELECT ON jobs TO auditor_ro\n")
    result = run_cli("audit", "--db", pg_url, "--spec", str(spec), "--tenant-schemas", "tenant_*")
    assert result.code == 2 and "grants and owners are not compared per tenant" in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
