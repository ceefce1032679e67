"""Hostile identifiers, end to end through the CLI on SQLite and Postgres.

Every kind of name the planner writes (schema, table, column, index, unique, check and foreign key
constraint, view, enum) is spelled with what breaks naive quoting: double quotes, single quotes,
semicolons, ``--``, spaces, unicode, reserved words (order, select, user, group), mixed case, and a
name that reads as SQL injection (``x"; DROP TABLE victims; --``). An innocent ``victims`` table,
also in the spec, holds rows throughout.

1. ``apply`` on an empty database creates everything; the audit is then clean and a second plan
   is empty.
2. A hostile column and a hostile index are dropped and a hostile-named column is added behind
   the tool's back: the audit reports exactly those three items, ``apply --allow-hazards all``
   heals them, and the audit is clean again.
3. After each step the catalog (``sqlite_master``; ``pg_namespace``, ``pg_class``,
   ``pg_constraint`` and the enums in ``pg_type``) holds exactly the spec's objects, with their
   exact names, and ``victims`` still holds all its rows: only intended objects changed.
4. The printed Postgres plans (from empty, and for the mutation) run twice with
   ``psql -v ON_ERROR_STOP=1 -f`` and leave the same catalog: quoting is checked by running the
   SQL, never by matching strings.

Hostile names that once hit product bugs have tests of their own at the end: a line break in a
name (the printed plan's comment lines), ``$$`` in a name (Postgres ``DO`` blocks), a column typed
with a mixed-case or hostile enum name, a serial column in a table whose names hold a single
quote, and a type change under a view that reads quoted names.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from auditor.spec import load_spec
from conftest import LiveDb, require_command, run_cli, run_psql

# ---------------------------------------------------------------------------------------------
# The names, as Python strings (what the database must end up holding, byte for byte)

SCHEMA = "Hostile 'Sch' \"ema\"; --"  # Postgres only: SQLite has one namespace and drops it
INJECTION = 'x"; DROP TABLE victims; --'  # a table (in SCHEMA) and a column of it
ORDER = "order"  # reserved word, as a table
CAFE = "café ☕ 'menu'"  # unicode, space, single quotes
VICTIMS = "victims"

ORDER_COLUMNS = ("select", "user", "group", "MixedCase", "café ☕", "it's", INJECTION, "semi;colon", "dash--dash")
INJECTION_COLUMNS = ("id", "order", "Café Crème", INJECTION)
CAFE_COLUMNS = ("user", "MixedCase")

UNIQUE = "uq 'it''s' \"q\"; --"
CHECK = 'ck "order"; DROP TABLE victims; --'
FOREIGN_KEY = "fk 'it''s' \"x\"; --"
ORDER_INDEXES = ('idx "select"; --', "ix café ☕", "MixedCase Idx", "idx dash--dash")
INJECTION_INDEX = 'idx "sch"; --'
VIEW = 'view "v"; --'
SCHEMA_VIEW = "v '☕' \"x\"; --"  # Postgres only: it reads a table in SCHEMA
ENUM = "mood '☕' \"x\"; --"  # in SCHEMA
ENUM_VALUES = ("happy", "it's", "semi;colon --", INJECTION)
MIXED_ENUM = "MixedCase"  # in public

# The mutation: a column and an index go, a column comes.
DROPPED_COLUMN = INJECTION  # of the INJECTION table
DROPPED_INDEX = INJECTION_INDEX  # on the INJECTION table
EXTRA_COLUMN = "Extra 'col' \"x\"; DROP TABLE victims; --"  # on CAFE

# ---------------------------------------------------------------------------------------------
# The spec, quoted by hand the way a person writes YAML: single-quoted scalars double their
# single quotes; SQL inside (the check, the predicate, the view) quotes identifiers with "".

SPEC = """\
version: 1
enums:
  'Hostile ''Sch'' "ema"; --.mood ''☕'' "x"; --': [happy, 'it''s', 'semi;colon --', 'x"; DROP TABLE victims; --']
  MixedCase: [a, b]
tables:
  order:
    comment: 'it''s "order"; --'
    columns:
      select: {type: integer, primary_key: true}
      user: {type: text, nullable: false, default: "'it''s; --'"}
      group: varchar(20)
      MixedCase: {type: integer, default: 0, comment: 'c''mt "x"; --'}
      café ☕: text
      it's: text
      'x"; DROP TABLE victims; --': text
      semi;colon: integer
      dash--dash: text
    unique: {'uq ''it''''s'' "q"; --': [user, group]}
    checks: {'ck "order"; DROP TABLE victims; --': '"MixedCase" >= 0'}
    indexes:
      'idx "select"; --': {columns: [café ☕]}
      ix café ☕: {columns: ['x"; DROP TABLE victims; --', group], where: '"group" IS NOT NULL'}
      MixedCase Idx: {columns: [it's], unique: true}
      idx dash--dash: {columns: [dash--dash, semi;colon]}
  'Hostile ''Sch'' "ema"; --.x"; DROP TABLE victims; --':
    columns:
      id: {type: integer, primary_key: true}
      order: integer
      Café Crème: text
      'x"; DROP TABLE victims; --': text
    indexes:
      'idx "sch"; --': {columns: [Café Crème]}
    foreign_keys:
      'fk ''it''''s'' "x"; --': {columns: [order], references: order(select), on_delete: cascade}
  'café ☕ ''menu''':
    columns:
      user: text
      MixedCase: integer
    primary_key: [user, MixedCase]
  victims:
    columns:
      id: {type: integer, primary_key: true}
      name: {type: text, nullable: false}
views:
  'view "v"; --': 'select "order"."select", "order"."user" from "order"'
"""

# A view in the hostile schema, reading the hostile table there: Postgres only.
PG_VIEWS = """\
  'Hostile ''Sch'' "ema"; --.v ''☕'' "x"; --': 'select t.id, t."Café Crème" from "Hostile ''Sch'' ""ema""; --"."x""; DROP TABLE victims; --" t'
"""


def spec_for(dialect: str) -> str:
    return SPEC + (PG_VIEWS if dialect == "postgresql" else "")


# ---------------------------------------------------------------------------------------------
# SQL the test writes itself, with its own quoting (never the product's)


def q(name: str) -> str:
    """A quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A string literal."""
    return "'" + text.replace("'", "''") + "'"


def table_sql(dialect: str, schema: str, name: str) -> str:
    return f"{q(schema)}.{q(name)}" if dialect == "postgresql" else q(name)


VICTIM_ROWS = [(1, "Robert'); DROP TABLE victims; --"), (2, INJECTION), (3, "café ☕"), (4, "plain")]


def insert_rows(db: LiveDb) -> None:
    """Rows in victims and in the hostile tables, hostile values included."""
    order = table_sql(db.dialect, "public", ORDER)
    injection = table_sql(db.dialect, SCHEMA, INJECTION)
    cafe = table_sql(db.dialect, "public", CAFE)
    db.execute(
        f"INSERT INTO {q(VICTIMS)} (id, name) VALUES " + ", ".join(f"({i}, {lit(n)})" for i, n in VICTIM_ROWS),
        f"INSERT INTO {order} ({', '.join(q(c) for c in ORDER_COLUMNS)}) VALUES"
        f" (1, {lit(INJECTION)}, 'g1', 1, {lit('☕')}, {lit(ORDER_COLUMNS[5])}, {lit('; --')}, 1, 'a'),"
        f" (2, 'bob', NULL, 2, NULL, NULL, NULL, NULL, NULL)",
        f"INSERT INTO {injection} ({', '.join(q(c) for c in INJECTION_COLUMNS)}) VALUES"
        f" (1, 1, {lit('crème')}, {lit('gone')}), (2, 2, NULL, NULL)",
        f"INSERT INTO {cafe} ({q('user')}, {q('MixedCase')}) VALUES ({lit(INJECTION)}, 7)",
    )


def data(db: LiveDb) -> dict[str, list[tuple[object, ...]]]:
    """The rows the mutation must not touch (the dropped column's values go with it)."""
    kept_injection_columns = [c for c in INJECTION_COLUMNS if c != DROPPED_COLUMN]
    queries = {
        VICTIMS: f"SELECT id, name FROM {q(VICTIMS)} ORDER BY id",
        ORDER: f"SELECT {', '.join(q(c) for c in ORDER_COLUMNS)} FROM {table_sql(db.dialect, 'public', ORDER)}"
               f" ORDER BY {q('select')}",
        INJECTION: f"SELECT {', '.join(q(c) for c in kept_injection_columns)}"
                   f" FROM {table_sql(db.dialect, SCHEMA, INJECTION)} ORDER BY id",
        CAFE: f"SELECT {q('user')}, {q('MixedCase')} FROM {table_sql(db.dialect, 'public', CAFE)}",
    }
    return {table: db.query(sql) for table, sql in queries.items()}


def mutate(db: LiveDb) -> None:
    """Drop a hostile column and a hostile index, add a hostile-named column."""
    index = f"{q(SCHEMA)}.{q(DROPPED_INDEX)}" if db.dialect == "postgresql" else q(DROPPED_INDEX)
    db.execute(
        f"ALTER TABLE {table_sql(db.dialect, SCHEMA, INJECTION)} DROP COLUMN {q(DROPPED_COLUMN)}",
        f"DROP INDEX {index}",
        f"ALTER TABLE {table_sql(db.dialect, 'public', CAFE)} ADD COLUMN {q(EXTRA_COLUMN)} text",
    )


def expected_items(dialect: str) -> set[tuple[object, ...]]:
    """(kind, schema, table, name) of the mutation's drift items."""
    schema, public = (SCHEMA, "public") if dialect == "postgresql" else (None, None)
    return {
        ("missing_column", schema, INJECTION, DROPPED_COLUMN),
        ("missing_index", schema, INJECTION, DROPPED_INDEX),
        ("extra_column", public, CAFE, EXTRA_COLUMN),
    }


# ---------------------------------------------------------------------------------------------
# The catalog: every object in the database, by its exact name


def catalog(db: LiveDb) -> set[tuple[object, ...]]:
    if db.dialect == "sqlite":
        return {("object", *row) for row in db.query("SELECT type, name, tbl_name FROM sqlite_master")}
    user = "nspname !~ '^pg_' AND nspname <> 'information_schema'"
    return (
        {("schema", name) for (name,) in db.query(f"SELECT nspname FROM pg_namespace WHERE {user}")}
        | {("relation", *row) for row in db.query(
            "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class AS c"
            f" JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE {user}")}
        | {("constraint", *row) for row in db.query(
            "SELECT n.nspname, t.relname, con.conname, con.contype::text FROM pg_constraint AS con"
            " JOIN pg_class AS t ON t.oid = con.conrelid JOIN pg_namespace AS n ON n.oid = t.relnamespace"
            f" WHERE {user}")}
        | {("enum", nsp, name, tuple(values)) for nsp, name, values in db.query(
            "SELECT n.nspname, ty.typname, ARRAY(SELECT e.enumlabel::text FROM pg_enum AS e"
            "  WHERE e.enumtypid = ty.oid ORDER BY e.enumsortorder)"
            " FROM pg_type AS ty JOIN pg_namespace AS n ON n.oid = ty.typnamespace"
            f" WHERE ty.typtype = 'e' AND {user}")}
    )


def expected_catalog(dialect: str) -> set[tuple[object, ...]]:
    """Exactly the spec's objects (and the keys' own indexes), nothing else."""
    if dialect == "sqlite":
        return {
            ("object", "table", ORDER, ORDER),
            ("object", "table", INJECTION, INJECTION),
            ("object", "table", CAFE, CAFE),
            ("object", "table", VICTIMS, VICTIMS),
            *(("object", "index", name, ORDER) for name in ORDER_INDEXES),
            ("object", "index", INJECTION_INDEX, INJECTION),
            # SQLite's own indexes behind the UNIQUE constraint and the composite text key
            ("object", "index", f"sqlite_autoindex_{ORDER}_1", ORDER),
            ("object", "index", f"sqlite_autoindex_{CAFE}_1", CAFE),
            ("object", "view", VIEW, VIEW),
        }
    return {
        ("schema", "public"),
        ("schema", SCHEMA),
        ("relation", "public", ORDER, "r"),
        ("relation", "public", CAFE, "r"),
        ("relation", "public", VICTIMS, "r"),
        ("relation", SCHEMA, INJECTION, "r"),
        ("relation", "public", f"{ORDER}_pkey", "i"),
        ("relation", "public", f"{CAFE}_pkey", "i"),
        ("relation", "public", f"{VICTIMS}_pkey", "i"),
        ("relation", SCHEMA, f"{INJECTION}_pkey", "i"),
        ("relation", "public", UNIQUE, "i"),
        *(("relation", "public", name, "i") for name in ORDER_INDEXES),
        ("relation", SCHEMA, INJECTION_INDEX, "i"),
        ("relation", "public", VIEW, "v"),
        ("relation", SCHEMA, SCHEMA_VIEW, "v"),
        ("constraint", "public", ORDER, f"{ORDER}_pkey", "p"),
        ("constraint", "public", ORDER, UNIQUE, "u"),
        ("constraint", "public", ORDER, CHECK, "c"),
        ("constraint", "public", CAFE, f"{CAFE}_pkey", "p"),
        ("constraint", "public", VICTIMS, f"{VICTIMS}_pkey", "p"),
        ("constraint", SCHEMA, INJECTION, f"{INJECTION}_pkey", "p"),
        ("constraint", SCHEMA, INJECTION, FOREIGN_KEY, "f"),
        ("enum", SCHEMA, ENUM, ENUM_VALUES),
        ("enum", "public", MIXED_ENUM, ("a", "b")),
    }


# ---------------------------------------------------------------------------------------------
# CLI helpers


def audit_items(db: LiveDb, spec_path: str) -> tuple[int, set[tuple[object, ...]], list[dict]]:
    result = run_cli("audit", "--db", db.url, "--spec", spec_path, "--format", "json", "--strict")
    assert result.code in (0, 1), result.out + result.err
    drift = json.loads(result.out)["databases"][0]["drift"]
    return result.code, {(i["kind"], i["schema"], i["table"], i["name"]) for i in drift}, drift


def assert_clean(db: LiveDb, spec_path: str) -> None:
    code, items, drift = audit_items(db, spec_path)
    assert (code, items) == (0, set()), json.dumps(drift, indent=1, ensure_ascii=False)
    plan = run_cli("plan", "--db", db.url, "--spec", spec_path, "--strict")
    assert plan.code == 0, plan.out + plan.err
    assert "-- no changes: the database matches the spec" in plan.out, plan.out


def apply(db: LiveDb, spec_path: str, *extra: str) -> None:
    result = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes", *extra)
    assert result.code == 0, result.out + result.err


def run_printed_plan_twice(db: LiveDb, spec_path: str, script: Path) -> str:
    """``schema-auditor plan``'s output, run twice by hand (psql; sqlite3's executescript)."""
    plan = run_cli("plan", "--db", db.url, "--spec", spec_path)
    assert plan.code == 1, plan.out + plan.err
    script.write_text(plan.out)
    for attempt in ("first", "second"):
        if db.dialect == "postgresql":
            done = run_psql(db.url, script)
            assert done.returncode == 0, f"{attempt} run failed:\n{done.stderr}\n{plan.out}"
        else:
            path = make_url(db.url).database
            conn = sqlite3.connect(str(path))
            try:
                conn.executescript(plan.out)
            finally:
                conn.close()
    return plan.out


# ---------------------------------------------------------------------------------------------
# The spec says what the test means


def test_the_spec_spells_the_hostile_names(write_spec) -> None:
    """Guard against the test's own YAML quoting: the loaded spec holds exactly these names."""
    schema = load_spec(write_spec(spec_for("postgresql")))
    tables = {(t.schema, t.name): t for t in schema.tables}
    assert set(tables) == {(None, ORDER), (SCHEMA, INJECTION), (None, CAFE), (None, VICTIMS)}
    assert tuple(c.name for c in tables[None, ORDER].columns) == ORDER_COLUMNS
    assert tuple(c.name for c in tables[SCHEMA, INJECTION].columns) == INJECTION_COLUMNS
    assert tuple(c.name for c in tables[None, CAFE].columns) == CAFE_COLUMNS
    assert tuple(i.name for i in tables[None, ORDER].indexes) == ORDER_INDEXES
    assert [i.name for i in tables[SCHEMA, INJECTION].indexes] == [INJECTION_INDEX]
    assert [u.name for u in tables[None, ORDER].unique_constraints] == [UNIQUE]
    assert [c.name for c in tables[None, ORDER].checks] == [CHECK]
    assert [f.name for f in tables[SCHEMA, INJECTION].foreign_keys] == [FOREIGN_KEY]
    assert {(v.schema, v.name) for v in schema.views} == {(None, VIEW), (SCHEMA, SCHEMA_VIEW)}
    assert {(e.schema, e.name, e.values) for e in schema.enums} == {
        (SCHEMA, ENUM, ENUM_VALUES), (None, MIXED_ENUM, ("a", "b"))}


# ---------------------------------------------------------------------------------------------
# Steps 1-3: apply from empty, mutate, heal; only the intended objects change


def test_hostile_names_build_mutate_and_heal(db: LiveDb, write_spec) -> None:
    spec_path = write_spec(spec_for(db.dialect))

    # (1) An empty database: apply creates everything, the audit is clean, a second plan empty.
    apply(db, spec_path)
    assert_clean(db, spec_path)
    assert catalog(db) == expected_catalog(db.dialect)
    insert_rows(db)
    rows = data(db)
    assert len(rows[VICTIMS]) == len(VICTIM_ROWS)

    # (2) Drift behind the tool's back: exactly those three items, healed by apply.
    mutate(db)
    code, items, drift = audit_items(db, spec_path)
    assert (code, items) == (1, expected_items(db.dialect)), json.dumps(drift, indent=1, ensure_ascii=False)
    assert len(drift) == 3
    apply(db, spec_path, "--allow-hazards", "all")
    assert_clean(db, spec_path)

    # (3) Only the intended objects changed: the same catalog, and every row still there.
    assert catalog(db) == expected_catalog(db.dialect)
    assert data(db) == rows
    assert db.query(f"SELECT id, name FROM {q(VICTIMS)} ORDER BY id") == VICTIM_ROWS


# ---------------------------------------------------------------------------------------------
# Step 4: the printed Postgres plans, run by hand twice


def test_printed_postgres_plans_with_hostile_names_run_twice_with_psql(pg_url: str, write_spec,
                                                                      tmp_path: Path) -> None:
    require_command("psql")
    db = LiveDb(pg_url, "postgresql")
    spec_path = write_spec(spec_for("postgresql"))

    # From an empty database: every object, created by the script alone, with its exact name.
    run_printed_plan_twice(db, spec_path, tmp_path / "create.sql")
    assert_clean(db, spec_path)
    assert catalog(db) == expected_catalog("postgresql")
    insert_rows(db)
    rows = data(db)

    # The mutation's plan (drops included): the same catalog again, and every row.
    mutate(db)
    run_printed_plan_twice(db, spec_path, tmp_path / "heal.sql")
    assert_clean(db, spec_path)
    assert catalog(db) == expected_catalog("postgresql")
    assert data(db) == rows
    assert db.query(f"SELECT id, name FROM {q(VICTIMS)} ORDER BY id") == VICTIM_ROWS


# ---------------------------------------------------------------------------------------------
# Hostile names that each once hit a product bug, one test each.

VICTIMS_SPEC = """\
  victims:
    columns:
      id: {type: integer, primary_key: true}
      name: {type: text, nullable: false}
"""


def create_victims(db: LiveDb) -> None:
    """victims in natural DDL, with rows, before the tool ever runs."""
    db.execute(f"CREATE TABLE {q(VICTIMS)} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
               f"INSERT INTO {q(VICTIMS)} (id, name) VALUES " + ", ".join(f"({i}, {lit(n)})" for i, n in VICTIM_ROWS))


def victim_rows(db: LiveDb) -> list[tuple[object, ...]]:
    return db.query(f"SELECT id, name FROM {q(VICTIMS)} ORDER BY id")


def table_names(db: LiveDb) -> set[str]:
    if db.dialect == "sqlite":
        return {name for (name,) in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {name for (name,) in db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


@pytest.mark.parametrize(("engine", "line_break"), [
    pytest.param("sqlite", "\n", id="sqlite-LF"),
    pytest.param("sqlite", "\r", id="sqlite-CR"),  # SQLite's -- comment runs to LF only
    pytest.param("postgresql", "\n", id="postgresql-LF"),
    pytest.param("postgresql", "\r", id="postgresql-CR"),
])
def test_a_line_break_in_a_name_stays_inside_the_printed_plan(engine: str, line_break: str, write_spec,
                                                              tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if engine == "postgresql":
        require_command("psql")
    db = LiveDb(request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url"), engine)
    create_victims(db)
    name = f"evil{line_break}DROP TABLE victims; --"
    escaped = "\\n" if line_break == "\n" else "\\r"
    spec_path = write_spec(f'tables:\n  "evil{escaped}DROP TABLE victims; --":\n    columns:\n      id: integer\n'
                           + VICTIMS_SPEC)
    assert {t.name for t in load_spec(spec_path).tables} == {name, VICTIMS}
    run_printed_plan_twice(db, spec_path, tmp_path / "plan.sql")
    assert victim_rows(db) == VICTIM_ROWS
    assert table_names(db) == {name, VICTIMS}
    assert_clean(db, spec_path)


DOLLAR_SPEC = """\
enums:
  '$$ mood; --': [a, b]
tables:
  a:
    columns:
      id: {type: integer, primary_key: true}
  b:
    columns:
      a_id: integer
    foreign_keys:
      '$$; DROP TABLE victims; DO $$': {columns: [a_id], references: a(id)}
""" + VICTIMS_SPEC


@pytest.mark.parametrize("via", ["apply", "psql"])
def test_dollar_quotes_in_names_stay_inside_postgres_do_blocks(via: str, pg_url: str, write_spec,
                                                               tmp_path: Path) -> None:
    db = LiveDb(pg_url, "postgresql")
    create_victims(db)
    spec_path = write_spec(DOLLAR_SPEC)
    if via == "apply":
        apply(db, spec_path)
    else:
        require_command("psql")
        run_printed_plan_twice(db, spec_path, tmp_path / "plan.sql")
    assert victim_rows(db) == VICTIM_ROWS
    assert_clean(db, spec_path)
    assert ("constraint", "public", "b", "$$; DROP TABLE victims; DO $$", "f") in catalog(db)
    assert ("enum", "public", "$$ mood; --", ("a", "b")) in catalog(db)


ENUM_COLUMN_CASES = [
    pytest.param(
        "MixedCase: [a, b]", "'\"MixedCase\"'", ("public", MIXED_ENUM), id="mixed_case_enum"),
    pytest.param(
        "'Hostile ''Sch'' \"ema\"; --.mood ''☕'' \"x\"; --': [happy, sad]",
        "'\"Hostile ''Sch'' \"\"ema\"\"; --\".\"mood ''☕'' \"\"x\"\"; --\"'", (SCHEMA, ENUM), id="hostile_enum"),
]


@pytest.mark.parametrize(("enum", "type_", "expected"), ENUM_COLUMN_CASES)
def test_a_column_typed_with_a_hostile_enum_name(enum: str, type_: str, expected: tuple[str, str], pg_url: str,
                                                 write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    spec_path = write_spec(f"enums:\n  {enum}\ntables:\n  feelings:\n    columns:\n"
                           f"      id: {{type: integer, primary_key: true}}\n      feeling: {type_}\n")
    written = q(expected[1]) if expected[0] == "public" else f"{q(expected[0])}.{q(expected[1])}"
    assert load_spec(spec_path).tables[0].columns[1].type == written  # the spec takes the type as written
    apply(db, spec_path)
    assert_clean(db, spec_path)
    assert db.query(
        "SELECT n.nspname, ty.typname FROM pg_attribute AS a JOIN pg_type AS ty ON ty.oid = a.atttypid"
        " JOIN pg_namespace AS n ON n.oid = ty.typnamespace"
        " WHERE a.attrelid = 'public.feelings'::regclass AND a.attname = 'feeling'") == [expected]


@pytest.mark.parametrize(("table", "column"), [
    pytest.param("'Hostile ''Sch'' \"ema\"; --.x\"; DROP TABLE victims; --'", "'id \"x\"'", id="quotes"),
    pytest.param("t", "'x''||'''') ; DROP TABLE victims; --'", id="injection"),
])
def test_a_serial_column_with_hostile_names(table: str, column: str, pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    create_victims(db)
    spec_path = write_spec(f"tables:\n  {table}:\n    columns:\n      {column}: {{type: serial, primary_key: true}}\n"
                           "      n: text\n" + VICTIMS_SPEC)
    first = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes")
    second = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes")  # the next remediation run
    assert victim_rows(db) == VICTIM_ROWS
    assert (first.code, second.code) == (0, 0), first.out + first.err + second.out + second.err
    assert_clean(db, spec_path)


def test_a_type_change_under_a_view_reading_hostile_names(pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    spec_path = write_spec(spec_for("postgresql"))
    apply(db, spec_path)
    insert_rows(db)
    rows = data(db)
    old = "user: {type: text, nullable: false,"
    assert SPEC.count(old) == 1
    changed = write_spec(spec_for("postgresql").replace(old, "user: {type: varchar(200), nullable: false,"),
                         "changed.yaml")
    apply(db, changed, "--allow-hazards", "all")
    assert_clean(db, changed)
    assert catalog(db) == expected_catalog("postgresql")
    assert data(db) == rows
