"""Nothing silently skipped: every audit counts the live objects of the kinds it does not compare,
per kind, and says so in text, markdown, JSON and metrics; ``--strict-coverage`` fails on them.

Real engines only: a fresh Postgres database (superuser, for event triggers, subscriptions and
base types) or SQLite file per case.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from auditor.dialects import POSTGRESQL, SQLITE
from auditor.dialects.unaudited import unaudited_kinds
from conftest import LiveDb, run_cli

TABLE_SPEC = """\
tables:
  items:
    columns:
      id: {type: integer, primary_key: true}
      note: text
"""
TABLE = "CREATE TABLE items (id integer PRIMARY KEY, note text)"
# A function for triggers and event triggers to call (counted itself, as one function).
TRIGGER_FUNCTION = "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$"
EVENT_FUNCTION = "CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$"
DUMMY_SERVER = ("CREATE FOREIGN DATA WRAPPER dummy", "CREATE SERVER remote FOREIGN DATA WRAPPER dummy")

# One object of a kind (with what it needs), and the counts it gives, beyond the spec's table.
POSTGRES_CASES = [
    ("aggregate", ["CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int)"], {"aggregate": 1}),
    # Triggers on tables are compared; those on views (INSTEAD OF) are counted.
    ("view_trigger", [TRIGGER_FUNCTION, "CREATE VIEW item_view AS SELECT * FROM items",
                      "CREATE TRIGGER item_view_add INSTEAD OF INSERT ON item_view FOR EACH ROW EXECUTE FUNCTION touch()"],
     {"view_trigger": 1}),
    ("rule", ["CREATE RULE items_keep AS ON DELETE TO items DO INSTEAD NOTHING"], {"rule": 1}),
    ("base_type", ["CREATE TYPE myint", "CREATE FUNCTION myint_in(cstring) RETURNS myint AS 'int4in' LANGUAGE internal",
                   "CREATE FUNCTION myint_out(myint) RETURNS cstring AS 'int4out' LANGUAGE internal",
                   "CREATE TYPE myint (input = myint_in, output = myint_out, internallength = 4, passedbyvalue)"],
     {"base_type": 1}),
    ("foreign_table", [*DUMMY_SERVER, "CREATE FOREIGN TABLE remote_items (id int) SERVER remote"],
     {"foreign_table": 1, "foreign_server": 1, "foreign_data_wrapper": 1}),
    ("collation", ["CREATE COLLATION natural_sort (provider = icu, locale = 'und-u-kn')"], {"collation": 1}),
    ("operator", ["CREATE FUNCTION near(int, int) RETURNS bool LANGUAGE sql AS 'SELECT abs($1 - $2) < 2'",
                  "CREATE OPERATOR ~~~ (leftarg = int, rightarg = int, function = near)"],
     {"operator": 1}),
    ("text_search_config", ["CREATE TEXT SEARCH CONFIGURATION plain (COPY = english)"], {"text_search_config": 1}),
    ("text_search_dictionary", ["CREATE TEXT SEARCH DICTIONARY plain_dict (TEMPLATE = simple)"],
     {"text_search_dictionary": 1}),
    ("statistics", ["CREATE STATISTICS items_stats ON id, note FROM items"], {"statistics": 1}),
    ("cast", ["CREATE TYPE pair AS (a int, b text)", "CREATE CAST (pair AS text) WITH INOUT"],
     {"cast": 1}),
    ("publication", ["CREATE PUBLICATION items_pub FOR TABLE items"], {"publication": 1}),
    ("subscription", ["CREATE SUBSCRIPTION items_sub CONNECTION 'dbname=nowhere' PUBLICATION items_pub "
                      "WITH (connect = false, slot_name = NONE)"], {"subscription": 1}),
    ("event_trigger", [EVENT_FUNCTION, "CREATE EVENT TRIGGER ddl_watch ON ddl_command_start EXECUTE FUNCTION on_ddl()"],
     {"event_trigger": 1}),
    ("column_storage", ["ALTER TABLE items ALTER COLUMN note SET STORAGE PLAIN"], {"column_storage": 1}),
    ("unlogged_table", ["CREATE UNLOGGED TABLE scratch (id int)"], {"unlogged_table": 1}),
    # A schema the audit does not read; what is inside it is not counted on its own.
    ("unmanaged_schema", ["CREATE SCHEMA archive", "CREATE FUNCTION archive.old() RETURNS int LANGUAGE sql "
                          "AS 'SELECT 1'", "CREATE TABLE archive.old_items (id int)"], {"unmanaged_schema": 1}),
    # An extension's objects (types, functions, operators, casts) are its own business.
    ("extension objects", ["CREATE EXTENSION IF NOT EXISTS citext", "CREATE EXTENSION IF NOT EXISTS pg_trgm"], {}),
    # What the audit compares is not counted: a view (its _RETURN rule), a materialized view, an
    # index, a sequence, an enum, a foreign key's internal triggers, a function and a procedure, a
    # domain, a composite type, an exclusion constraint and a range type (its constructor functions
    # and multirange type go with it).
    ("compared kinds", ["CREATE VIEW item_notes AS SELECT note FROM items",
                        "CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'",
                        "CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'",
                        "CREATE MATERIALIZED VIEW item_count AS SELECT count(*) AS n FROM items",
                        "CREATE UNIQUE INDEX item_count_n ON item_count (n)",
                        "CREATE INDEX items_note ON items (note)", "COMMENT ON INDEX items_note IS 'search'",
                        "CREATE SEQUENCE tickets",
                        "CREATE SEQUENCE item_numbers OWNED BY items.id",
                        "CREATE TABLE counters (id serial PRIMARY KEY, n bigserial)",
                        "CREATE TYPE mood AS ENUM ('ok')", "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
                        "CREATE TYPE pair AS (a int, b text)", "CREATE TYPE floatrange AS RANGE (subtype = float8)",
                        "ALTER TABLE items ADD CONSTRAINT items_one EXCLUDE USING btree (id WITH =)",
                        "CREATE TABLE tags (id int PRIMARY KEY, item_id int REFERENCES items (id))"], {}),
]


def _autocommit(url: str, *statements: str) -> None:
    """Run statements one by one outside a transaction (CREATE SUBSCRIPTION refuses one)."""
    LiveDb(url, "postgresql").execute(*statements, autocommit=True)


def _drop_subscriptions(url: str) -> None:
    """A database with a subscription cannot be dropped: drop them first (their slot is NONE)."""
    names = LiveDb(url, "postgresql").query(
        "SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database "
        "WHERE datname = current_database())")
    _autocommit(url, *(f'DROP SUBSCRIPTION "{name}"' for (name,) in names))


def _audit_json(url: str, spec: str, *extra: str) -> dict[str, object]:
    result = run_cli("audit", "--db", url, "--spec", spec, "--format", "json", *extra)
    assert result.code in (0, 1), result.err
    return json.loads(result.out)["databases"][0]


@pytest.mark.parametrize("kind, statements, expected", POSTGRES_CASES, ids=[c[0] for c in POSTGRES_CASES])
def test_postgres_counts_each_kind_it_does_not_compare(pg_url: str, write_spec, kind: str, statements: list[str],
                                                       expected: dict[str, int]) -> None:
    _autocommit(pg_url, TABLE, *statements)
    try:
        entry = _audit_json(pg_url, write_spec(TABLE_SPEC))
    finally:
        _drop_subscriptions(pg_url)
    assert entry["not_audited"] == expected
    assert not [i for i in entry["drift"] if i["severity"] == "error"], entry["drift"]


# A database with one of several kinds, an unmanaged schema and extension-owned objects, that
# otherwise matches its spec exactly.
MIXED = [
    TABLE, "CREATE VIEW item_notes AS SELECT note FROM items",
    "CREATE RULE items_keep AS ON DELETE TO items DO INSTEAD NOTHING",
    "CREATE PUBLICATION items_pub FOR TABLE items",
    EVENT_FUNCTION, "CREATE EVENT TRIGGER ddl_watch ON ddl_command_start EXECUTE FUNCTION on_ddl()",
    *DUMMY_SERVER, "CREATE FOREIGN TABLE remote_items (id int) SERVER remote",
    TRIGGER_FUNCTION,
    "CREATE TRIGGER item_notes_add INSTEAD OF INSERT ON item_notes FOR EACH ROW EXECUTE FUNCTION touch()",
    "CREATE SCHEMA archive", "CREATE TABLE archive.old_items (id int)",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
]
MIXED_SPEC = TABLE_SPEC + f"""\
views:
  item_notes: "select note from items"
functions:
  - {EVENT_FUNCTION}
  - {TRIGGER_FUNCTION}
"""
MIXED_COUNTS = {"view_trigger": 1, "rule": 1, "foreign_table": 1, "publication": 1, "event_trigger": 1,
                "foreign_data_wrapper": 1, "foreign_server": 1, "unmanaged_schema": 1}
MIXED_LINE = ("not audited: 1 event_trigger, 1 foreign_data_wrapper, 1 foreign_server, "
              "1 foreign_table, 1 publication, 1 rule, 1 unmanaged_schema, 1 view_trigger")


def test_postgres_reports_what_it_did_not_compare_everywhere(pg_url: str, write_spec, tmp_path: Path) -> None:
    _autocommit(pg_url, *MIXED)
    spec = write_spec(MIXED_SPEC)
    text = run_cli("audit", "--db", pg_url, "--spec", spec)
    assert text.code == 0, text.out + text.err
    assert text.out.splitlines()[0].endswith(": clean")
    assert text.out.splitlines()[1] == f"  {MIXED_LINE}"

    entry = _audit_json(pg_url, spec)
    assert entry["drift"] == [] and entry["not_audited"] == MIXED_COUNTS

    markdown = run_cli("audit", "--db", pg_url, "--spec", spec, "--format", "markdown")
    assert markdown.code == 0 and MIXED_LINE in markdown.out.splitlines()

    prom = tmp_path / "audit.prom"
    assert run_cli("audit", "--db", pg_url, "--spec", spec, "--metrics-textfile", str(prom)).code == 0
    gauges = _unaudited_gauges(prom.read_text())
    assert set(gauges) == set(unaudited_kinds(POSTGRESQL)), "every kind is exported, 0 when absent"
    assert {kind: count for kind, count in gauges.items() if count} == MIXED_COUNTS

    strict = run_cli("audit", "--db", pg_url, "--spec", spec, "--strict-coverage")
    assert strict.code == 1
    assert strict.err.splitlines() == [f"{pg_url}: fails --strict-coverage: {MIXED_LINE}"]
    assert json.loads(run_cli("audit", "--db", pg_url, "--spec", spec, "--strict-coverage",
                              "--format", "json").out)["clean"] is False


def test_postgres_managed_schema_is_not_unmanaged(pg_url: str, write_spec) -> None:
    _autocommit(pg_url, TABLE, "CREATE SCHEMA archive", "CREATE TABLE archive.old_items (id int)",
                "CREATE AGGREGATE archive.total(int) (sfunc = int4pl, stype = int)")
    spec = write_spec(TABLE_SPEC + "  archive.old_items:\n    columns: {id: integer}\n")
    entry = _audit_json(pg_url, spec)
    assert entry["not_audited"] == {"aggregate": 1}, "its schema is read: its aggregate is counted, not the schema"


def _unaudited_gauges(exposition: str) -> dict[str, float]:
    return {s.labels["kind"]: s.value for family in text_string_to_metric_families(exposition)
            for s in family.samples if s.name == "schema_auditor_unaudited_objects"}


SQLITE_SPEC = """\
tables:
  docs_meta:
    columns:
      id: {type: integer, primary_key: true}
      title: text
views:
  docs_titles: select title from docs_meta
"""
SQLITE_OBJECTS = [
    "CREATE TABLE docs_meta (id INTEGER PRIMARY KEY, title TEXT)",
    # A trigger on a table is compared; one on a view is counted.
    "CREATE VIEW docs_titles AS SELECT title FROM docs_meta",
    "CREATE TRIGGER docs_titles_add INSTEAD OF INSERT ON docs_titles BEGIN SELECT 1; END",
    # Its shadow tables (docs_data, docs_idx, docs_content, docs_docsize, docs_config) are its own.
    "CREATE VIRTUAL TABLE docs USING fts5(title, body)",
]


def test_sqlite_counts_view_triggers_and_virtual_tables_not_their_shadows(sqlite_url: str, write_spec,
                                                                      tmp_path: Path) -> None:
    LiveDb(sqlite_url, "sqlite").execute(*SQLITE_OBJECTS)
    shadows = {name for (name,) in LiveDb(sqlite_url, "sqlite").query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'docs\\_%' ESCAPE '\\'")}
    assert shadows == {"docs_data", "docs_idx", "docs_content", "docs_docsize", "docs_config", "docs_meta"}
    spec = write_spec(SQLITE_SPEC)
    entry = _audit_json(sqlite_url, spec)
    assert entry["drift"] == [], "shadow tables are not extra tables"
    assert entry["not_audited"] == {"view_trigger": 1, "virtual_table": 1}

    text = run_cli("audit", "--db", sqlite_url, "--spec", spec)
    assert text.code == 0 and "  not audited: 1 view_trigger, 1 virtual_table" in text.out.splitlines()
    prom = tmp_path / "audit.prom"
    run_cli("audit", "--db", sqlite_url, "--spec", spec, "--metrics-textfile", str(prom))
    assert _unaudited_gauges(prom.read_text()) == {"view_trigger": 1.0, "virtual_table": 1.0}
    assert set(unaudited_kinds(SQLITE)) == {"view_trigger", "virtual_table"}
    strict = run_cli("audit", "--db", sqlite_url, "--spec", spec, "--strict-coverage")
    assert strict.code == 1 and strict.err.endswith(": fails --strict-coverage: not audited: 1 view_trigger, "
                                                    "1 virtual_table\n")
    healed = run_cli("audit", "--db", sqlite_url, "--spec", spec, "--strict-coverage", "--apply", "--yes")
    assert healed.code == 1 and "fails --strict-coverage" in healed.err, "the remediation run says it too"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_nothing_uncompared_says_nothing(engine: str, request: pytest.FixtureRequest, write_spec,
                                         tmp_path: Path) -> None:
    url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url")
    LiveDb(url, engine).execute(TABLE)
    spec = write_spec(TABLE_SPEC)
    text = run_cli("audit", "--db", url, "--spec", spec, "--strict-coverage")
    assert text.code == 0 and "not audited" not in text.out and text.err == ""
    assert _audit_json(url, spec)["not_audited"] == {}
    markdown = run_cli("audit", "--db", url, "--spec", spec, "--format", "markdown").out
    assert "not audited" not in markdown and "###" not in markdown
    prom = tmp_path / "audit.prom"
    run_cli("audit", "--db", url, "--spec", spec, "--metrics-textfile", str(prom))
    gauges = _unaudited_gauges(prom.read_text())
    assert gauges and set(gauges.values()) == {0.0}, "the series exist, at 0, so alerts can rely on them"


# Real schemas nobody here wrote (tests/corpus/), audited against their own snapshot: clean, and
# what they hold that is not compared counted as many times as their schema.sql creates it (CREATE
# TRIGGER, POLICY, TYPE ... AS, VIRTUAL TABLE); calibre's FTS5 shadows are no extra tables.
CORPUS_COUNTS = {
    # Their 15, 7 and 39 triggers, graphile's 12 policies and procrastinate's composite type are
    # compared (and match).
    "graphile_starter_postgres": {},
    "procrastinate_postgres": {},
    "calibre_sqlite": {"virtual_table": 2},
}


@pytest.mark.parametrize("folder", sorted(CORPUS_COUNTS))
def test_real_schemas_say_what_they_hold_beyond_the_model(folder: str, request: pytest.FixtureRequest,
                                                          tmp_path: Path) -> None:
    from test_corpus import _database

    db, schemas = _database(folder, request)
    spec = tmp_path / "spec.yaml"
    assert run_cli("snapshot", "--db", db.url, *schemas, "-o", str(spec)).code == 0
    entry = _audit_json(db.url, str(spec))
    assert entry["drift"] == [] and entry["not_audited"] == CORPUS_COUNTS[folder]


def test_a_snapshot_says_what_it_leaves_out(pg_url: str, sqlite_url: str, tmp_path: Path) -> None:
    """A database rebuilt from a snapshot lacks what the model has no place for (pagila's aggregate,
    which its view calls): the snapshot's header and stderr say which, per kind; nothing when none."""
    _autocommit(pg_url, TABLE, "CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int)",
                "CREATE RULE items_keep AS ON DELETE TO items DO INSTEAD NOTHING")
    spec = tmp_path / "spec.yaml"
    snap = run_cli("snapshot", "--db", pg_url, "-o", str(spec))
    assert snap.code == 0 and snap.err.endswith(": not in the snapshot (not modelled): 1 aggregate, 1 rule\n"), snap.err
    assert "# Not in it (schema-auditor does not model them): 1 aggregate, 1 rule.\n" in spec.read_text()
    LiveDb(sqlite_url, "sqlite").execute("CREATE TABLE items (id integer PRIMARY KEY)")
    clean = run_cli("snapshot", "--db", sqlite_url)
    assert clean.code == 0 and clean.err == "" and "Not in it" not in clean.out
