"""SQLAlchemy models as the expected schema (--expected-models MODULE:ATTR, expected_models: in the
config): a database built by ``metadata.create_all`` audits clean on both engines, each single
mutation of it is exactly its one drift item and ``apply`` heals it, snapshot writes a spec that
audits clean, and a bad name is one line with exit code 2. ``alembic check`` runs side by side on
the same databases (test_alembic_check_side_by_side)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from conftest import PG_ADMIN_URL, LiveDb, run_cli
from test_sources import scratch_databases
from models_app import Base

ROOT = Path(__file__).resolve().parent.parent
MODELS = "tests.models_app:Base"  # imported from the current folder, the repository's root


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI imports the models from the current folder, as ``python -m`` would."""
    monkeypatch.chdir(ROOT)


def create_all(url: str) -> None:
    """The models' tables, created by SQLAlchemy as an application would."""
    engine = create_engine(url)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


def models_options(db: LiveDb, models: str = MODELS) -> list[str]:
    """--expected-models, with the --dev-url a Postgres target's scratch database needs."""
    return ["--expected-models", models, *(["--dev-url", PG_ADMIN_URL] if db.dialect == "postgresql" else [])]


def drift(db: LiveDb, *args: str) -> list[tuple[str, str, str | None]]:
    """The (kind, table, name) of every drift item ``audit --expected-models`` reports."""
    result = run_cli("audit", "--db", db.url, *models_options(db), "--format", "json", *args)
    assert result.code in (0, 1), result.out + result.err
    return [(d["kind"], d["table"], d["name"]) for d in json.loads(result.out)["databases"][0]["drift"]]


@dataclass(frozen=True)
class Mutation:
    """One change to a database built by ``create_all``, and the one drift item it is."""

    name: str
    item: tuple[str, str, str]
    postgres: str
    # SQLite: a statement, or (table, regular expression in its CREATE TABLE, replacement) for the
    # changes SQLite makes by rebuilding the table.
    sqlite: str | tuple[str, str, str]

    def run(self, db: LiveDb) -> None:
        """Make the change on ``db``."""
        if db.dialect == "postgresql":
            db.execute(self.postgres)
        elif isinstance(self.sqlite, str):
            db.execute(self.sqlite)
        else:
            sqlite_rebuild(db, *self.sqlite)


def sqlite_rebuild(db: LiveDb, table: str, pattern: str, replacement: str) -> None:
    """Rebuild a SQLite table with its CREATE TABLE edited, its indexes recreated (SQLite's own
    recipe: new table, copy, drop, rename)."""
    rows = db.query(f"SELECT type, sql FROM sqlite_master WHERE tbl_name = '{table}' AND sql IS NOT NULL")
    create = next(sql for kind, sql in rows if kind == "table")
    edited, count = re.subn(pattern, replacement, create)
    assert count == 1, (pattern, create)
    db.execute(edited.replace(f"CREATE TABLE {table} ", f"CREATE TABLE {table}_new ", 1),
               f"INSERT INTO {table}_new SELECT * FROM {table}", f"DROP TABLE {table}",
               f"ALTER TABLE {table}_new RENAME TO {table}", *(sql for kind, sql in rows if kind == "index"))


def constraint_dropped(name: str, kind: str, table: str, constraint: str, sqlite_ddl: str) -> Mutation:
    """Drop a named constraint (SQLite: rebuild the table without it, ``sqlite_ddl`` as a pattern)."""
    return Mutation(name, (kind, table, constraint), f"ALTER TABLE {table} DROP CONSTRAINT {constraint}",
                    (table, rf",\s*CONSTRAINT {constraint} {sqlite_ddl}", ""))


MUTATIONS = [
    Mutation("drop a column", ("missing_column", "accounts", "bio"),
             "ALTER TABLE accounts DROP COLUMN bio", "ALTER TABLE accounts DROP COLUMN bio"),
    Mutation("drop the partial index", ("missing_index", "accounts", "ix_accounts_active_email"),
             "DROP INDEX ix_accounts_active_email", "DROP INDEX ix_accounts_active_email"),
    constraint_dropped("drop the composite unique constraint", "missing_unique", "accounts",
                       "uq_accounts_tenant_email", r"UNIQUE \(tenant, email\)"),
    Mutation("change a server default", ("default_mismatch", "accounts", "tenant"),
             "ALTER TABLE accounts ALTER COLUMN tenant SET DEFAULT 'other'",
             ("accounts", r"DEFAULT 'main'", "DEFAULT 'other'")),
    Mutation("change a column type", ("type_mismatch", "orders", "note"),
             "ALTER TABLE orders ALTER COLUMN note TYPE varchar(100)",
             ("orders", r"note VARCHAR\(200\)", "note VARCHAR(100)")),
    constraint_dropped("drop the foreign key", "missing_foreign_key", "orders", "fk_orders_account",
                       r"FOREIGN KEY[^\n]*CASCADE"),
    constraint_dropped("drop the check constraint", "missing_check", "accounts", "ck_accounts_visits",
                       r"CHECK \(visits >= 0\)"),
    Mutation("drop the expression index", ("missing_index", "orders", "ix_orders_lower_note"),
             "DROP INDEX ix_orders_lower_note", "DROP INDEX ix_orders_lower_note"),
]


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("attribute", ["Base", "metadata", "make_metadata"])
def test_a_database_built_by_create_all_audits_clean(db: LiveDb, attribute: str) -> None:
    create_all(db.url)
    result = run_cli("audit", "--db", db.url, *models_options(db, f"tests.models_app:{attribute}"))
    assert result.code == 0, result.out + result.err
    assert "clean" in result.out
    assert drift(db, "--strict") == []


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_each_mutation_is_its_one_drift_item_and_apply_heals_it(db: LiveDb, mutation: Mutation) -> None:
    create_all(db.url)
    mutation.run(db)
    assert drift(db) == [mutation.item]
    healed = run_cli("apply", "--db", db.url, *models_options(db), "--yes", "--allow-hazards", "all")
    assert healed.code == 0, healed.out + healed.err
    assert drift(db, "--strict") == []


def test_models_map_enums_identity_serial_and_comments_on_postgres(pg_url: str, tmp_path: Path) -> None:
    spec = tmp_path / "models.yaml"
    done = run_cli("snapshot", "--expected-models", MODELS, "--dev-url", PG_ADMIN_URL, "-o", str(spec))
    assert done.code == 0, done.err
    text = spec.read_text()
    for line in ("account_status: [active, suspended, closed]", "comment: one row per customer account",
                 "id: {type: serial, primary_key: true}", "id: {type: bigint, primary_key: true, identity: by default}",
                 "bio: {type: text, comment: free text the customer wrote}", "profile: jsonb", "external_id: uuid",
                 "created_at: {type: timestamptz, nullable: false, default: now()}", "where: active"):
        assert line in text, text
    # Python-side default= and onupdate= are not schema defaults.
    assert "      note: varchar(200)\n      updated_at: timestamptz\n" in text, text


def test_snapshot_of_the_models_writes_a_spec_that_audits_clean(db: LiveDb, tmp_path: Path) -> None:
    spec = tmp_path / "models.yaml"
    done = run_cli("snapshot", *models_options(db), "-o", str(spec))
    assert done.code == 0, done.err
    text = spec.read_text()
    assert "ix_accounts_active_email" in text and "ux_orders_account_note:\n        columns: [account_id, note]\n" \
        "        unique: true\n" in text, text
    variant = "jsonb" if db.dialect == "postgresql" else "json"
    assert f"      profile: {variant}\n" in text, "with_variant picks the engine's type"
    create_all(db.url)
    result = run_cli("audit", "--db", db.url, "--spec", str(spec), "--strict")
    assert result.code == 0, result.out + result.err


def test_the_config_key_expected_models(db: LiveDb, tmp_path: Path) -> None:
    create_all(db.url)
    MUTATIONS[0].run(db)
    dev_url = f', dev_url: "{PG_ADMIN_URL}"' if db.dialect == "postgresql" else ""
    config = tmp_path / "config.yaml"
    config.write_text(f'databases:\n  app: {{url: "{db.url}", expected_models: "{MODELS}"{dev_url}}}\n')
    result = run_cli("audit", "--config", str(config), "--format", "json")
    assert result.code == 1, result.out + result.err
    assert [(d["kind"], d["table"], d["name"]) for d in json.loads(result.out)["databases"][0]["drift"]] == \
        [MUTATIONS[0].item]
    assert json.loads(result.out)["databases"][0]["spec"] == MODELS
    if db.dialect == "postgresql":  # --dev-url on the command line serves a config's expected_models too
        config.write_text(config.read_text().replace(dev_url, ""))
        assert run_cli("audit", "--config", str(config)).code == 2
        assert run_cli("audit", "--config", str(config), "--dev-url", PG_ADMIN_URL).code == 1
    both = config.read_text().replace("expected_models:", "spec: x.yaml, expected_models:")
    config.write_text(both)
    refused = run_cli("audit", "--config", str(config))
    assert refused.code == 2 and "give one of spec, expected_db, expected_sql, expected_models" in refused.err


def models_module(folder: Path, name: str, tables: str) -> str:
    """A models module ``name`` in ``folder`` (importable: on sys.path for this test), SQLAlchemy's
    names imported and ``metadata = MetaData()`` before ``tables``; returns its ``MODULE:metadata``."""
    (folder / f"{name}.py").write_text("from sqlalchemy import *  # noqa: F403\n"
                                       "from sqlalchemy.dialects.postgresql import ARRAY\n"
                                       f"metadata = MetaData()\n{tables}")
    return f"{name}:metadata"


def audit_postgres_models(pg_url: str, models: str, *args: str):  # noqa: ANN201 - a conftest.CliResult
    """``audit --expected-models`` on Postgres, checking that its scratch database is dropped."""
    before = scratch_databases()
    result = run_cli("audit", "--db", pg_url, "--expected-models", models, "--dev-url", PG_ADMIN_URL, *args)
    assert scratch_databases() == before, "the scratch database is dropped"
    return result


def test_postgres_models_in_their_own_schema_audit_clean(pg_url: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``create_all`` makes no schema: the scratch database gets the ones the tables and enums are in."""
    monkeypatch.syspath_prepend(str(tmp_path))
    models = models_module(tmp_path, "billing_models", "Table('invoices', metadata, Column('id', Integer, "
                           "primary_key=True), Column('state', Enum('open', 'paid', name='invoice_state', "
                           "schema='ledger')), schema='billing')\n")
    LiveDb(pg_url, "postgresql").execute("CREATE SCHEMA billing", "CREATE SCHEMA ledger")
    import billing_models

    engine = create_engine(pg_url)
    billing_models.metadata.create_all(engine)
    engine.dispose()
    result = audit_postgres_models(pg_url, models, "--strict", "--format", "json")
    assert result.code == 0, result.out + result.err
    assert json.loads(result.out)["databases"][0]["drift"] == []


def test_models_give_no_version_to_cross_check(sqlite_url: str) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    create_all(db.url)
    db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
               "INSERT INTO alembic_version VALUES ('3f2a9c1d')")
    result = run_cli("audit", "--db", db.url, "--expected-models", MODELS, "--version-table", "alembic_version",
                     "--format", "json")
    assert result.code == 2, result.out + result.err
    report = json.loads(result.out)["databases"][0]
    assert report["version"]["status"] == "version_unknown" and report["drift"] == []


def test_models_postgres_refuses_are_one_line_and_leave_no_scratch_database(pg_url: str, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    models = models_module(tmp_path, "bad_default_models", "Table('jobs', metadata, Column('id', Integer, "
                           "primary_key=True), Column('n', Integer, server_default=text('no_such_function()')))\n")
    result = audit_postgres_models(pg_url, models)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert result.err.startswith(f"--expected-models {models}: function no_such_function() does not exist"), result.err


def test_postgres_models_need_a_dev_url(pg_url: str) -> None:
    result = run_cli("audit", "--db", pg_url, "--expected-models", MODELS)
    assert result.code == 2
    assert result.err == f"--expected-models {MODELS} on PostgreSQL needs --dev-url URL (name a Postgres server " \
                         "where a scratch database may be created and dropped)\n"


@pytest.mark.parametrize("models, message", [
    ("nosuch.module:x", "--expected-models nosuch.module:x: no module named 'nosuch'"),
    ("tests.models_app:nothing", "--expected-models tests.models_app:nothing: tests.models_app has no attribute "
                                 "'nothing'"),
    ("tests.models_app:some_int", "--expected-models tests.models_app:some_int is of type int, not a MetaData or a "
                                  "declarative base"),
    ("tests.models_app", "--expected-models tests.models_app is not MODULE:ATTRIBUTE"),
    ("tests.models_app:wrong_callable", "--expected-models tests.models_app:wrong_callable returned a value of type "
                                       "int, not a MetaData"),
])
@pytest.mark.parametrize("command", ["audit", "plan", "apply", "snapshot"])
def test_a_bad_models_name_is_one_line_and_exit_2(sqlite_url: str, command: str, models: str, message: str) -> None:
    db_args = ["--db", sqlite_url] if command != "snapshot" else []
    result = run_cli(command, *db_args, "--expected-models", models)
    assert result.code == 2, result.out + result.err
    assert result.err.startswith(message) and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err


def test_models_the_engine_refuses_are_one_line(sqlite_url: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    models_module(tmp_path, "pg_only_models",
                  "Table('events', metadata, Column('id', Integer, primary_key=True), Column('tags', ARRAY(Integer)))\n"
                  "schemas = MetaData()\nTable('events', schemas, Column('id', Integer, primary_key=True), "
                  "schema='audit')\nempty = MetaData()\n")
    results = {name: run_cli("audit", "--db", sqlite_url, "--expected-models", f"pg_only_models:{name}")
               for name in ("metadata", "schemas", "empty")}
    for name, result in results.items():
        assert result.code == 2 and result.err.count("\n") == 1, result.err
        assert result.err.startswith(f"--expected-models pg_only_models:{name}: "), result.err
    assert "ARRAY" in results["metadata"].err and "(fix the models and run again)" in results["metadata"].err
    assert results["schemas"].err.startswith("--expected-models pg_only_models:schemas: unknown database audit (")
    assert "the MetaData holds no tables" in results["empty"].err


def test_the_console_script_imports_the_models_from_the_current_folder(sqlite_url: str, tmp_path: Path) -> None:
    """``schema-auditor`` (a console script, which puts only its own folder on sys.path) finds a
    models module in the folder it runs in, as ``python -m`` and Alembic's env.py would."""
    models = models_module(tmp_path, "shop_models", "Table('items', metadata, Column('id', Integer))\n")
    script = Path(sys.executable).parent / "schema-auditor"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(script), "audit", "--db", sqlite_url, "--expected-models", models],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "table items is missing" in result.stdout, result.stdout


# ---------------------------------------------------------------------------------------------
# `alembic check` side by side: a real Alembic environment (`alembic init`, target_metadata = the
# models' metadata, sqlalchemy.url = the database), on the same databases as schema-auditor: the
# unchanged one and each mutation. Alembic as `alembic init` sets it up, and with
# compare_server_default=True. The test prints both results; with Alembic 1.20.1 and SQLAlchemy 2.1
# they were (schema-auditor: exactly the mutation's one item every time, nothing when unchanged):
#
#   alembic check                      sqlite (default | server defaults)   postgresql (default | server defaults)
#   unchanged database                 clean | modify_default orders.id     clean | clean
#   drop a column                      add_column  | add_column             add_column | add_column
#   drop the partial index             add_index   | add_index              add_index  | add_index
#   drop the composite unique          add_constraint | add_constraint      add_constraint | add_constraint
#   change a server default            MISSED | modify_default              MISSED | modify_default
#   change a column type               modify_type | modify_type            modify_type | modify_type
#   drop the foreign key               add_fk | add_fk                      add_fk | add_fk
#   drop the check constraint          MISSED | MISSED                      MISSED | MISSED
#   drop the expression index          MISSED | MISSED (cannot reflect)     add_index | add_index
ALEMBIC_MISSES = {
    ("sqlite", False): {"change a server default", "drop the check constraint", "drop the expression index"},
    ("sqlite", True): {"drop the check constraint", "drop the expression index"},
    ("postgresql", False): {"change a server default", "drop the check constraint"},
    ("postgresql", True): {"drop the check constraint"},
}
# Where Alembic reports changes on the unchanged database (with compare_server_default=True it
# compares SQLite's identity column orders.id with Identity() and finds them different).
ALEMBIC_FALSE_CHANGES = {("sqlite", True): "[[('modify_default', None, 'orders', 'id', "}


def alembic_env(folder: Path, server_defaults: bool) -> Path:
    """``alembic init`` in ``folder``, with env.py's target_metadata the models' metadata (and
    compare_server_default when ``server_defaults``)."""
    done = subprocess.run([str(Path(sys.executable).parent / "alembic"), "init", "migrations"], cwd=folder,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    env = folder / "migrations" / "env.py"
    text = env.read_text().replace(
        "target_metadata = None", "from tests.models_app import Base\n\ntarget_metadata = Base.metadata", 1)
    if server_defaults:
        text = text.replace("connection=connection, target_metadata=target_metadata",
                            "connection=connection, target_metadata=target_metadata, compare_server_default=True", 1)
    env.write_text(text)
    ini = folder / "alembic.ini"
    ini.write_text(ini.read_text().replace("prepend_sys_path = .", f"prepend_sys_path = {ROOT}", 1))
    return ini


def alembic_check(ini: Path, url: str) -> str:
    """``alembic check`` on ``url``: "clean", or the operations it would add (its own words)."""
    line = f"sqlalchemy.url = {url.replace('%', '%%')}"
    text = re.sub(r"(?m)^sqlalchemy\.url = .*$", lambda _: line, ini.read_text())
    ini.write_text(text)
    done = subprocess.run([str(Path(sys.executable).parent / "alembic"), "-c", str(ini), "check"],
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    if "No new upgrade operations detected" in output:
        assert done.returncode == 0, output
        return "clean"
    found = re.search(r"New upgrade operations detected: (.*)", output)
    assert found and done.returncode != 0, output
    return re.sub(r" at 0x[0-9a-f]+", "", found.group(1))


@pytest.mark.parametrize("server_defaults", [False, True], ids=["alembic-defaults", "compare_server_default"])
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_alembic_check_side_by_side(engine: str, server_defaults: bool, new_db, tmp_path: Path) -> None:  # noqa: ANN001
    ini = alembic_env(tmp_path, server_defaults)
    rows: list[tuple[str, str, list[tuple[str, str, str | None]]]] = []
    for mutation in [None, *MUTATIONS]:
        db = LiveDb(new_db(engine), engine)
        create_all(db.url)
        if mutation is not None:
            mutation.run(db)
        alembic = alembic_check(ini, db.url)  # it creates alembic_version, which the models do not declare
        rows.append((mutation.name if mutation else "(unchanged)", alembic,
                     drift(db, "--ignore", "alembic_version", "--strict")))
        if mutation is None:
            assert drift(db, "--strict") == [("extra_table", "alembic_version", None)]
    print(f"\n{engine}, compare_server_default={server_defaults}:\n  {'database':<38} {'alembic check':<58} "
          "schema-auditor")
    for name, alembic, items in rows:
        print(f"  {name:<38} {alembic[:58]:<58} {items or 'clean'}")
    (_, unchanged_alembic, unchanged_auditor), *mutated = rows
    assert unchanged_auditor == [], "schema-auditor reports nothing on the unchanged database"
    false_change = ALEMBIC_FALSE_CHANGES.get((engine, server_defaults))
    assert (unchanged_alembic == "clean") if false_change is None else (false_change in unchanged_alembic)
    for (name, _, items), mutation in zip(mutated, MUTATIONS):
        assert items == [mutation.item], f"schema-auditor finds {name}"
    # A mutation Alembic misses: what it says is what it says on the unchanged database.
    missed = {name for name, alembic, _ in mutated if alembic == unchanged_alembic}
    assert missed == ALEMBIC_MISSES[engine, server_defaults], "Alembic's results changed: update the table and README"
