"""Triggers on the real engines (Postgres and SQLite): natural DDL and a hand-written spec audit
clean; spelling never counts, a string literal always does; snapshot round trips and rebuilds the
same structure; each mutation is one drift item that apply heals; a SQLite rebuild keeps the
spec's triggers working; bad spec entries are one line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import LiveDb, audit_drift, plan_is_empty, plan_runs_twice, run_cli, mutation_is_healed
from test_snapshot import pg_dump_covered

ALL_HAZARDS = ("--allow-hazards", "all", "--allow-destructive")

PG_TABLES = ["CREATE TABLE jobs (id int PRIMARY KEY, state varchar(20), owner text, updated_at timestamptz)",
             "CREATE TABLE owners (name text PRIMARY KEY)"]
PG_FUNCTIONS = [
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$",
    "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
]
PG_SPEC = """\
functions:
  - CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$
  - CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$
tables:
  owners:
    columns: {name: {type: text, primary_key: true}}
  jobs:
    columns: {id: {type: integer, primary_key: true}, state: varchar(20), owner: text, updated_at: timestamptz}
"""


def pg_spec(triggers: dict[str, str]) -> str:
    """The Postgres spec with these triggers (name: statement) on jobs."""
    return PG_SPEC + "    triggers:\n" + "".join(f"      {name}: {json.dumps(sql)}\n" for name, sql in triggers.items())


audit = audit_drift


# ---------------------------------------------------------------------------------------------
# Natural DDL and a hand-written spec in natural spelling audit clean

PG_NATURAL = [
    # (id, the DDL a migration ran, the spec's statement)
    ("before_row", "CREATE TRIGGER t BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION touch()",
     "create trigger t before update on jobs for each row execute procedure touch()"),
    ("events_update_of_when_args",
     "CREATE TRIGGER t AFTER INSERT OR UPDATE OF state, owner ON jobs FOR EACH ROW WHEN (NEW.state <> 'done') "
     "EXECUTE FUNCTION audit('jobs', 1)",
     "CREATE TRIGGER t AFTER UPDATE OF owner, state OR INSERT ON public.jobs\n  FOR EACH ROW\n"
     "  WHEN (NEW.state <> 'done')\n  EXECUTE FUNCTION public.audit('jobs', '1')"),
    ("statement_level", "CREATE TRIGGER t AFTER DELETE ON jobs EXECUTE FUNCTION audit()",
     "CREATE TRIGGER t AFTER DELETE ON jobs FOR EACH STATEMENT EXECUTE FUNCTION audit()"),
    ("truncate", "CREATE TRIGGER t BEFORE TRUNCATE ON jobs FOR EACH STATEMENT EXECUTE FUNCTION audit()",
     "CREATE TRIGGER t BEFORE TRUNCATE ON jobs EXECUTE PROCEDURE audit()"),
    ("transition_tables", "CREATE TRIGGER t AFTER UPDATE ON jobs REFERENCING OLD TABLE AS before NEW TABLE AS after "
                          "FOR EACH STATEMENT EXECUTE FUNCTION audit()",
     "CREATE TRIGGER t AFTER UPDATE ON jobs REFERENCING NEW TABLE AS after OLD TABLE AS before EXECUTE FUNCTION audit()"),
    ("constraint_trigger", "CREATE CONSTRAINT TRIGGER t AFTER INSERT ON jobs FROM owners DEFERRABLE INITIALLY DEFERRED "
                           "FOR EACH ROW EXECUTE FUNCTION audit()",
     "CREATE CONSTRAINT TRIGGER t AFTER INSERT ON jobs FROM public.owners DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
     "EXECUTE FUNCTION audit()"),
    ("when_cast", "CREATE TRIGGER t BEFORE UPDATE ON jobs FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) "
                  "EXECUTE FUNCTION touch()",
     "CREATE TRIGGER t BEFORE UPDATE ON jobs FOR EACH ROW WHEN (old.* IS DISTINCT FROM new.*) EXECUTE FUNCTION touch()"),
]


@pytest.mark.parametrize("ddl, statement", [pytest.param(d, s, id=i) for i, d, s in PG_NATURAL])
def test_postgres_natural_ddl_and_a_hand_written_spec_audit_clean(pg_url: str, tmp_path: Path, ddl: str,
                                                                  statement: str) -> None:
    LiveDb(pg_url, "postgresql").execute(*PG_TABLES, *PG_FUNCTIONS, ddl)
    spec = tmp_path / "spec.yaml"
    spec.write_text(pg_spec({"t": statement}))
    assert audit(pg_url, spec)[:2] == (0, [])


SQLITE_TABLES = ["CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT, n INT, updated TEXT)",
                 "CREATE TABLE log (msg TEXT)"]
SQLITE_SPEC = """\
tables:
  log:
    columns: {msg: text}
  jobs:
    columns: {id: {type: integer, primary_key: true}, state: text, n: int, updated: text}
"""
SQLITE_LIVE = ("CREATE TRIGGER jobs_log AFTER UPDATE OF state, n ON jobs FOR EACH ROW WHEN NEW.state <> 'x' "
               "BEGIN INSERT INTO log VALUES ('changed: ' || NEW.state); UPDATE jobs SET updated = 'now' "
               "WHERE id = NEW.id; END")
SQLITE_SPELLINGS = [
    # (id, the spec's statement, the drift it gives against SQLITE_LIVE)
    ("same", SQLITE_LIVE, []),
    ("layout_case_comments", "create trigger if not exists JOBS_LOG after update of n, state on Jobs\n"
                             "when new.state <> 'x'\nbegin\n  -- remember\n  insert into LOG values ('changed: ' || "
                             "new.state);\n  update jobs set updated = 'now' where id = new.id;\nend;", []),
    ("temp_and_brackets", "CREATE TRIGGER [jobs_log] AFTER UPDATE OF `state`, n ON \"jobs\" WHEN NEW.state <> 'x' "
                          "BEGIN INSERT INTO log VALUES ('changed: ' || NEW.state); UPDATE jobs SET updated = 'now' "
                          "WHERE id = NEW.id; END", []),
    # A double-quoted word naming no column of the table is the string SQLite reads it as (DROP
    # COLUMN rewrites "" there as ''); one naming a column is the column, never a string.
    ("double_quoted_string", SQLITE_LIVE.replace("'now'", '"now"'), []),
    ("double_quoted_column", SQLITE_LIVE.replace("WHERE id =", 'WHERE "id" ='), []),
    ("string_is_not_the_column", SQLITE_LIVE.replace("WHERE id =", "WHERE 'id' ="), [("trigger_mismatch", "jobs", "jobs_log")]),
    ("literal_in_body", SQLITE_LIVE.replace("'changed: '", "'Changed: '"), [("trigger_mismatch", "jobs", "jobs_log")]),
    ("literal_space", SQLITE_LIVE.replace("'changed: '", "'changed:  '"), [("trigger_mismatch", "jobs", "jobs_log")]),
    ("literal_in_when", SQLITE_LIVE.replace("<> 'x'", "<> 'X'"), [("trigger_mismatch", "jobs", "jobs_log")]),
    ("timing", SQLITE_LIVE.replace("AFTER", "BEFORE"), [("trigger_mismatch", "jobs", "jobs_log")]),
    ("update_of", SQLITE_LIVE.replace("OF state, n", "OF state"), [("trigger_mismatch", "jobs", "jobs_log")]),
]


@pytest.mark.parametrize("statement, drift", [pytest.param(s, d, id=i) for i, s, d in SQLITE_SPELLINGS])
def test_sqlite_spelling_never_counts_and_literals_always_do(sqlite_url: str, tmp_path: Path, statement: str,
                                                             drift: list[tuple[str, str, str]]) -> None:
    LiveDb(sqlite_url, "sqlite").execute(*SQLITE_TABLES, SQLITE_LIVE)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SQLITE_SPEC + "    triggers:\n      jobs_log: " + json.dumps(statement) + "\n")
    assert audit(sqlite_url, spec)[1] == drift


PG_LIVE = ("CREATE TRIGGER t AFTER INSERT OR UPDATE OF state ON jobs FOR EACH ROW WHEN (NEW.state <> 'done') "
           "EXECUTE FUNCTION audit('jobs')")
PG_SPELLINGS = [
    ("same", PG_LIVE, []),
    ("case_and_layout", "create trigger T after update of STATE or insert on JOBS for each row\n"
                        "when (new.STATE <> 'done') execute procedure AUDIT('jobs')", []),
    ("literal_in_when", PG_LIVE.replace("'done'", "'Done'"), [("trigger_mismatch", "jobs", "t")]),
    ("argument", PG_LIVE.replace("'jobs'", "'Jobs'"), [("trigger_mismatch", "jobs", "t")]),
    ("event", PG_LIVE.replace("INSERT OR ", ""), [("trigger_mismatch", "jobs", "t")]),
    ("level", PG_LIVE.replace("FOR EACH ROW WHEN (NEW.state <> 'done')", "FOR EACH STATEMENT"),
     [("trigger_mismatch", "jobs", "t")]),
    ("function", PG_LIVE.replace("audit('jobs')", "touch()"), [("trigger_mismatch", "jobs", "t")]),
]


@pytest.mark.parametrize("statement, drift", [pytest.param(s, d, id=i) for i, s, d in PG_SPELLINGS])
def test_postgres_spelling_never_counts_and_literals_always_do(pg_url: str, tmp_path: Path, statement: str,
                                                               drift: list[tuple[str, str, str]]) -> None:
    LiveDb(pg_url, "postgresql").execute(*PG_TABLES, *PG_FUNCTIONS, PG_LIVE)
    spec = tmp_path / "spec.yaml"
    spec.write_text(pg_spec({"t": statement}))
    assert audit(pg_url, spec)[1] == drift


# ---------------------------------------------------------------------------------------------
# Snapshot round trip and rebuild, and mutations: one item each, healed

PG_DATABASE = [
    *PG_TABLES, *PG_FUNCTIONS,
    "CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION touch()",
    "CREATE TRIGGER jobs_audit AFTER INSERT OR UPDATE OF state ON jobs FOR EACH ROW WHEN (NEW.state <> 'x') "
    "EXECUTE FUNCTION audit('jobs', 1)",
    "CREATE TRIGGER jobs_bulk AFTER DELETE ON jobs REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION audit()",
    "CREATE CONSTRAINT TRIGGER jobs_check AFTER INSERT ON jobs FROM owners DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
    "EXECUTE FUNCTION audit()",
    "CREATE TRIGGER owners_quiet AFTER INSERT ON owners FOR EACH ROW EXECUTE FUNCTION audit()",
    "ALTER TABLE owners DISABLE TRIGGER owners_quiet",
    "CREATE TABLE events (at date, note text) PARTITION BY RANGE (at)",
    "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TRIGGER events_audit AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION audit()",
]


@pytest.fixture
def pg_db(pg_url: str, tmp_path: Path) -> tuple[LiveDb, Path]:
    db = LiveDb(pg_url, "postgresql")
    db.execute(*PG_DATABASE)
    result = run_cli("snapshot", "--db", pg_url)
    assert result.code == 0, result.err
    spec = tmp_path / "spec.yaml"
    spec.write_text(result.out)
    return db, spec


def test_postgres_snapshot_audits_clean_and_rebuilds_the_same_pg_dump(pg_db: tuple[LiveDb, Path], new_db) -> None:
    db, spec = pg_db
    doc = yaml.safe_load(spec.read_text())
    assert doc["tables"]["owners"]["triggers"]["owners_quiet"]["enabled"] == "disabled"
    assert "triggers" not in doc["tables"]["events_2024"], "a partition's clone is its parent's trigger"
    assert audit(db.url, spec)[:2] == (0, [])
    assert plan_is_empty(db.url, spec)
    empty = new_db("postgresql")
    applied = run_cli("apply", "--db", empty, "--spec", str(spec), "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert audit(empty, spec)[:2] == (0, [])
    assert plan_is_empty(empty, spec)
    dump = pg_dump_covered(db.url)
    assert pg_dump_covered(empty) == dump
    assert sum("CREATE TRIGGER" in block or "CREATE CONSTRAINT TRIGGER" in block for block in dump) == 6


PG_MUTATIONS = [
    # (id, SQL, the one drift item)
    ("dropped", "DROP TRIGGER jobs_touch ON jobs", ("missing_trigger", "jobs", "jobs_touch")),
    ("disabled", "ALTER TABLE jobs DISABLE TRIGGER jobs_audit", ("trigger_enabled_mismatch", "jobs", "jobs_audit")),
    ("replica", "ALTER TABLE jobs ENABLE REPLICA TRIGGER jobs_touch", ("trigger_enabled_mismatch", "jobs", "jobs_touch")),
    ("enabled_again", "ALTER TABLE owners ENABLE TRIGGER owners_quiet",
     ("trigger_enabled_mismatch", "owners", "owners_quiet")),
    ("when_changed", "CREATE OR REPLACE TRIGGER jobs_audit AFTER INSERT OR UPDATE OF state ON jobs FOR EACH ROW "
                     "WHEN (NEW.state <> 'y') EXECUTE FUNCTION audit('jobs', 1)", ("trigger_mismatch", "jobs", "jobs_audit")),
    ("constraint_not_deferred", ("DROP TRIGGER jobs_check ON jobs", "CREATE CONSTRAINT TRIGGER jobs_check AFTER INSERT "
                                 "ON jobs FROM owners FOR EACH ROW EXECUTE FUNCTION audit()"),
     ("trigger_mismatch", "jobs", "jobs_check")),
    ("extra", "CREATE TRIGGER stray AFTER UPDATE ON owners FOR EACH ROW EXECUTE FUNCTION audit()",
     ("extra_trigger", "owners", "stray")),
    ("partitioned_dropped", "DROP TRIGGER events_audit ON events", ("missing_trigger", "events", "events_audit")),
]


@pytest.mark.parametrize("sql, item", [pytest.param(sql, item, id=name) for name, sql, item in PG_MUTATIONS])
def test_postgres_one_mutation_is_one_item_and_apply_heals_it(pg_db: tuple[LiveDb, Path], sql: str | tuple[str, ...],
                                                              item: tuple[str, str, str]) -> None:
    db, spec = pg_db
    mutation_is_healed(db, spec, sql, item, audit)


def test_the_printed_plan_runs_twice_by_hand(pg_db: tuple[LiveDb, Path], tmp_path: Path) -> None:
    """Every statement is idempotent: psql -f plan.sql twice, then the database is the spec's."""
    db, spec = pg_db
    chosen = ("dropped", "disabled", "enabled_again", "when_changed", "constraint_not_deferred", "partitioned_dropped")
    for name, sql, _ in PG_MUTATIONS:
        if name in chosen:
            db.execute(*((sql,) if isinstance(sql, str) else sql))
    script = plan_runs_twice(db.url, spec, tmp_path / "plan.sql")
    assert "CREATE OR REPLACE TRIGGER jobs_audit" in script and "DROP TRIGGER IF EXISTS jobs_check" in script, \
        "a constraint trigger cannot be replaced in place"
    assert audit(db.url, spec)[:2] == (0, [])


def test_postgres_messages_say_what_differs(pg_db: tuple[LiveDb, Path]) -> None:
    db, spec = pg_db
    db.execute("ALTER TABLE jobs DISABLE TRIGGER jobs_touch",
               "CREATE OR REPLACE TRIGGER jobs_audit AFTER INSERT ON jobs FOR EACH ROW WHEN (NEW.state <> 'x') "
               "EXECUTE FUNCTION audit('jobs', 1)")
    assert sorted(audit(db.url, spec)[2]) == [
        "trigger jobs_audit on jobs differs from the spec: events INSERT, spec says INSERT, UPDATE; "
        "UPDATE OF columns none, spec says state",
        "trigger jobs_touch on jobs is disabled, spec says enabled"]


def test_a_dropped_extra_trigger_needs_allow_destructive(pg_db: tuple[LiveDb, Path]) -> None:
    db, spec = pg_db
    db.execute("CREATE TRIGGER stray AFTER UPDATE ON owners FOR EACH ROW EXECUTE FUNCTION audit()")
    plan = run_cli("plan", "--db", db.url, "--spec", str(spec)).out
    assert "DROP TRIGGER IF EXISTS stray ON public.owners" in plan and "BACKWARD_INCOMPATIBLE" in plan


SQLITE_DATABASE = [*SQLITE_TABLES, SQLITE_LIVE,
                   "CREATE TRIGGER log_guard BEFORE DELETE ON log BEGIN SELECT RAISE(ABORT, 'log is append-only'); END"]


def _sqlite_triggers(url: str) -> list[tuple[object, ...]]:
    return LiveDb(url, "sqlite").query("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY 1")


@pytest.fixture
def sqlite_db(sqlite_url: str, tmp_path: Path) -> tuple[LiveDb, Path]:
    db = LiveDb(sqlite_url, "sqlite")
    db.execute(*SQLITE_DATABASE)
    result = run_cli("snapshot", "--db", sqlite_url)
    assert result.code == 0, result.err
    spec = tmp_path / "spec.yaml"
    spec.write_text(result.out)
    return db, spec


def test_sqlite_snapshot_audits_clean_and_rebuilds_the_same_triggers(sqlite_db: tuple[LiveDb, Path], new_db) -> None:
    db, spec = sqlite_db
    assert audit(db.url, spec)[:2] == (0, [])
    empty = new_db("sqlite")
    applied = run_cli("apply", "--db", empty, "--spec", str(spec), "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert audit(empty, spec)[:2] == (0, [])
    assert plan_is_empty(empty, spec)
    assert _sqlite_triggers(empty) == _sqlite_triggers(db.url), "made from the author's text, word for word"


SQLITE_MUTATIONS = [
    ("dropped", ["DROP TRIGGER jobs_log"], ("missing_trigger", "jobs", "jobs_log")),
    ("body_literal", ["DROP TRIGGER log_guard", "CREATE TRIGGER log_guard BEFORE DELETE ON log BEGIN "
                      "SELECT RAISE(ABORT, 'log is append only'); END"], ("trigger_mismatch", "log", "log_guard")),
    ("extra", ["CREATE TRIGGER stray AFTER INSERT ON log BEGIN SELECT 1; END"], ("extra_trigger", "log", "stray")),
]


@pytest.mark.parametrize("sql, item", [pytest.param(sql, item, id=name) for name, sql, item in SQLITE_MUTATIONS])
def test_sqlite_one_mutation_is_one_item_and_apply_heals_it(sqlite_db: tuple[LiveDb, Path], sql: list[str],
                                                            item: tuple[str, str, str]) -> None:
    db, spec = sqlite_db
    mutation_is_healed(db, spec, sql, item, audit)


@pytest.mark.parametrize("trigger_changed", [False, True], ids=["trigger_as_spec", "trigger_changed_too"])
def test_a_sqlite_rebuild_keeps_the_specs_triggers_working(sqlite_db: tuple[LiveDb, Path], trigger_changed: bool) -> None:
    """A column type change rebuilds jobs, which drops its triggers with the old table: the
    rebuild makes the spec's again (a changed one as the spec has it), and they fire."""
    db, spec = sqlite_db
    text = spec.read_text()
    changed = text.replace("n: integer", "n: text") if "n: integer" in text else text.replace("n: int", "n: text")
    assert changed != text
    spec.write_text(changed)
    drift = [("type_mismatch", "jobs", "n")]
    if trigger_changed:
        db.execute("DROP TRIGGER jobs_log", SQLITE_LIVE.replace("'changed: '", "'old: '"))
        drift.insert(0, ("trigger_mismatch", "jobs", "jobs_log"))
    assert sorted(audit(db.url, spec)[1]) == drift
    plan = run_cli("plan", "--db", db.url, "--spec", str(spec)).out
    assert "rebuild jobs" in plan and "CREATE TRIGGER IF NOT EXISTS jobs_log" in plan
    healed = run_cli("apply", "--db", db.url, "--spec", str(spec), "--yes", *ALL_HAZARDS)
    assert healed.code == 0, healed.out + healed.err
    assert audit(db.url, spec)[:2] == (0, [])
    db.execute("INSERT INTO jobs (id, state) VALUES (1, 'a')", "UPDATE jobs SET state = 'b'")
    assert db.query("SELECT msg FROM log") == [("changed: b",)]


# ---------------------------------------------------------------------------------------------
# Bad spec input: exit 2, one line at the entry's line and column

BAD = [
    # (id, the triggers: entries under jobs, the line:column and words of the one error)
    ("other_name", "      t: CREATE TRIGGER u BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION f()\n",
     "7:10: trigger t on jobs: the statement creates trigger u, not t"),
    ("other_table", "      t: CREATE TRIGGER t BEFORE UPDATE ON other FOR EACH ROW EXECUTE FUNCTION f()\n",
     "7:10: trigger t on jobs: the statement is on table other, not jobs"),
    ("syntax", "      t: CREATE TRIGGER t BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION f() FOO\n",
     "7:83: trigger t on jobs: syntax error at or near \"FOO\""),
    ("not_a_trigger", "      t: CREATE TABLE t (id int)\n", "7:10: trigger t on jobs: is not a CREATE TRIGGER statement"),
    ("bad_enabled", "      t: {definition: CREATE TRIGGER t AFTER INSERT ON jobs EXECUTE FUNCTION f(), enabled: off_}\n",
     "enabled must be one of: origin, disabled, replica, always"),
    ("unknown_key", "      t: {definiton: CREATE TRIGGER t AFTER INSERT ON jobs EXECUTE FUNCTION f()}\n",
     "unknown key 'definiton' (did you mean 'definition'?)"),
]


@pytest.mark.parametrize("entries, error", [pytest.param(e, m, id=i) for i, e, m in BAD])
def test_a_bad_entry_is_one_clear_line(tmp_path: Path, entries: str, error: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  jobs:\n    columns:\n      id: integer\n      state: text\n    triggers:\n" + entries)
    result = run_cli("audit", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--spec", str(spec))
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if "spec.yaml:" in line]
    assert len(lines) == 1 and error in lines[0], result.err


# ---------------------------------------------------------------------------------------------
# The version cross-check covers triggers: an edited one at the recorded version is silent drift

VERSIONED = ["CREATE TABLE schema_version (version integer)", "INSERT INTO schema_version VALUES (3)"]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_trigger_edited_at_the_recorded_version_is_silent_drift(engine: str, request: pytest.FixtureRequest,
                                                                 tmp_path: Path) -> None:
    url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url")
    db = LiveDb(url, engine)
    if engine == "sqlite":
        db.execute(*SQLITE_TABLES, *VERSIONED, SQLITE_LIVE.replace("'changed: '", "'edited: '"))
        spec_text = SQLITE_SPEC + "    triggers:\n      jobs_log: " + json.dumps(SQLITE_LIVE) + "\n"
    else:
        db.execute(*PG_TABLES, *PG_FUNCTIONS, *VERSIONED, PG_LIVE, "ALTER TABLE jobs DISABLE TRIGGER t")
        spec_text = pg_spec({"t": PG_LIVE})
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 3\nignore: [schema_version]\n" + spec_text)
    result = run_cli("audit", "--db", url, "--spec", str(spec), "--version-table", "schema_version")
    assert result.code == 1
    words = "differs from the spec" if engine == "sqlite" else "is disabled, spec says enabled"
    assert "CRITICAL silent_drift: recorded version 3 is the expected version, but the structure differs: trigger " \
           in result.out and words in result.out, result.out
    healed = run_cli("apply", "--db", url, "--spec", str(spec), "--yes", "--version-table", "schema_version")
    assert healed.code == 0, healed.out + healed.err
    assert db.query("SELECT version FROM schema_version") == [(3,)], "the version table is untouched"


# ---------------------------------------------------------------------------------------------
# Schema-per-tenant databases: each tenant's trigger runs that tenant's copy of the function

TENANT_SPEC = """\
functions:
  - CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$
tables:
  jobs:
    columns: {id: {type: integer, primary_key: true}, owner: text, updated_at: timestamptz}
    triggers:
      jobs_touch: CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION touch()
    row_security: true
    policies:
      mine: {using: owner = current_user}
"""


def _tenant(schema: str) -> list[str]:
    return [f"CREATE SCHEMA {schema}", f"CREATE TABLE {schema}.jobs (id int PRIMARY KEY, owner text, updated_at timestamptz)",
            f"CREATE FUNCTION {schema}.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); "
            "RETURN NEW; END $$",
            f"CREATE TRIGGER jobs_touch BEFORE UPDATE ON {schema}.jobs FOR EACH ROW EXECUTE FUNCTION {schema}.touch()",
            f"ALTER TABLE {schema}.jobs ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY mine ON {schema}.jobs USING (owner = current_user)"]


def test_tenant_triggers_and_policies_are_the_tenants_own(pg_url: str, tmp_path: Path) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute(*_tenant("tenant_a"), *_tenant("tenant_b"))
    spec = tmp_path / "spec.yaml"
    spec.write_text(TENANT_SPEC)
    args = ("--db", pg_url, "--spec", str(spec), "--tenant-schemas", "tenant_*")
    clean = run_cli("audit", *args)
    assert clean.code == 0, clean.out + clean.err
    db.execute("DROP TRIGGER jobs_touch ON tenant_b.jobs", "DROP POLICY mine ON tenant_b.jobs")
    drifted = run_cli("audit", *args, "--format", "json")
    entries = {d["database"].rsplit("/", 1)[-1]: d for d in json.loads(drifted.out)["databases"]}
    assert sorted(i["kind"] for i in entries["tenant_b"]["drift"]) == ["missing_policy", "missing_trigger"]
    assert entries["tenant_a"]["drift"] == []
    plan = run_cli("plan", *args).out
    assert "ON tenant_b.jobs FOR EACH ROW EXECUTE FUNCTION tenant_b.touch()" in plan
    healed = run_cli("apply", *args, "--yes")
    assert healed.code == 0, healed.out + healed.err
    assert run_cli("audit", *args).code == 0
    assert db.query("SELECT tgfoid::regproc::text FROM pg_trigger WHERE tgname = 'jobs_touch' ORDER BY tgrelid") == [
        ("tenant_a.touch",), ("tenant_b.touch",)]
