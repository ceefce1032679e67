"""Postgres functions and procedures, on the real server: natural DDL and a hand-written spec audit
clean; spelling never counts, a string literal always does; snapshot round trips and rebuilds the
same pg_dump; each mutation is one drift item that apply heals; bad spec entries are one line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import LiveDb, run_cli, mutation_is_healed
from test_snapshot import pg_dump_covered

TABLE = "CREATE TABLE items (id integer PRIMARY KEY, name text, updated_at timestamptz)"
TABLE_SPEC = "tables:\n  items:\n    columns:\n      id: {type: integer, primary_key: true}\n      name: text\n" \
             "      updated_at: timestamptz\n"
ALL_HAZARDS = ("--allow-hazards", "all", "--allow-destructive")


def spec_of(*statements: str, extra: str = "") -> str:
    """A spec with the items table and these functions, each a block scalar."""
    body = "".join("  - |\n" + "".join(f"    {line}\n" for line in s.strip().splitlines()) for s in statements)
    return TABLE_SPEC + extra + ("functions:\n" + body if statements else "")


def audit(url: str, spec: Path, *args: str) -> tuple[int, list[tuple[str, str]], list[str]]:
    """(exit code, (kind, schema-qualified table) per item, messages)."""
    result = run_cli("audit", "--db", url, "--spec", str(spec), "--format", "json", *args)
    assert result.code in (0, 1), result.out + result.err
    drift = json.loads(result.out)["databases"][0]["drift"]
    return (result.code, [(d["kind"], d["table"] if d["schema"] == "public" else f"{d['schema']}.{d['table']}")
                          for d in drift], [d["message"] for d in drift])


def plan_is_empty(url: str, spec: Path) -> bool:
    result = run_cli("plan", "--db", url, "--spec", str(spec))
    return "no changes" in result.out


# ---------------------------------------------------------------------------------------------
# Natural DDL and a hand-written spec in natural spelling audit clean

NATURAL = [
    # (id, the DDL a migration ran, the spec's statement)
    ("plpgsql_trigger", "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();"
                        "  -- stamp\n  RETURN NEW;\nEND $$",
     "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();  -- stamp\n"
     "  RETURN NEW;\nEND $$"),
    ("sql_body", "CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM items'",
     "CREATE FUNCTION item_count() RETURNS bigint STABLE LANGUAGE sql AS $$ SELECT count(*) FROM items $$"),
    ("begin_atomic", "CREATE FUNCTION named(n text) RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM items i "
                     "WHERE i.name = n AND name IN ('a', 'b'); END",
     "CREATE FUNCTION named(n text) RETURNS bigint LANGUAGE sql\nBEGIN ATOMIC\n  SELECT count(*) FROM items i WHERE "
     "i.name = n AND name IN ('a', 'b');\nEND"),
    ("return", "CREATE FUNCTION add(a integer, b integer = 1) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + b",
     "CREATE FUNCTION add(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE RETURN a + b"),
    ("procedure", "CREATE PROCEDURE rename_item(i int, n text) LANGUAGE sql AS $$ UPDATE items SET name = n WHERE id = i $$",
     "CREATE PROCEDURE rename_item(i integer, n text) LANGUAGE sql AS $$ UPDATE items SET name = n WHERE id = i $$"),
    ("security_definer", "CREATE FUNCTION secret() RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = public, "
                         "pg_temp AS 'SELECT ''s'''",
     "CREATE FUNCTION secret() RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path TO 'public', 'pg_temp' "
     "AS $$SELECT 's'$$"),
    ("overloads", ("CREATE FUNCTION show(x int) RETURNS text LANGUAGE sql AS 'SELECT x::text'",
                   "CREATE FUNCTION show(x text) RETURNS text LANGUAGE sql AS 'SELECT x'"),
     "CREATE FUNCTION show(x integer) RETURNS text LANGUAGE sql AS 'SELECT x::text'\n---\n"
     "CREATE FUNCTION show(x text) RETURNS text LANGUAGE sql AS 'SELECT x'"),
    ("returns_table", "CREATE FUNCTION listing(n int) RETURNS TABLE (id int, name text) LANGUAGE sql "
                      "AS 'SELECT id, name FROM items LIMIT n'",
     "CREATE FUNCTION listing(n integer) RETURNS TABLE(id integer, name text) LANGUAGE sql "
     "AS 'SELECT id, name FROM items LIMIT n'"),
    ("out_params", "CREATE FUNCTION bounds(OUT lo int, OUT hi int) LANGUAGE sql AS 'SELECT 1, 2'",
     "CREATE FUNCTION bounds(OUT lo integer, OUT hi integer) RETURNS record LANGUAGE sql AS 'SELECT 1, 2'"),
    ("defaults_and_options", "CREATE FUNCTION label(v varchar(20), p text DEFAULT 'x') RETURNS text LANGUAGE plpgsql "
                             "STRICT PARALLEL SAFE AS $$ BEGIN RETURN p || v; END $$",
     "CREATE FUNCTION label(v character varying, p text = 'x') RETURNS text LANGUAGE plpgsql RETURNS NULL ON NULL INPUT "
     "PARALLEL SAFE VOLATILE SECURITY INVOKER AS $$ BEGIN RETURN p || v; END $$"),
    ("internal", "CREATE FUNCTION my_abs(integer) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'int4abs'",
     "CREATE FUNCTION my_abs(int4) RETURNS int4 AS $$int4abs$$ LANGUAGE internal STRICT IMMUTABLE"),
    ("window", "CREATE FUNCTION my_rank() RETURNS bigint LANGUAGE internal WINDOW AS 'window_rank'",
     "CREATE FUNCTION my_rank() RETURNS int8 WINDOW LANGUAGE internal AS 'window_rank'"),
    ("atomic_dml", "CREATE FUNCTION put(i int) RETURNS void LANGUAGE sql BEGIN ATOMIC INSERT INTO items (id, name) "
                   "VALUES (i, 'x'); DELETE FROM items WHERE id = i + 1000; END",
     "CREATE FUNCTION put(i integer) RETURNS void LANGUAGE sql\nBEGIN ATOMIC\n  INSERT INTO public.items (id, name) "
     "VALUES (i, 'x');\n  DELETE FROM items WHERE id = i + 1000;\nEND"),
    ("argument_defaults", "CREATE FUNCTION since(d date DEFAULT CURRENT_DATE, n int DEFAULT NULL, tags text[] DEFAULT "
                          "'{}', at timestamptz DEFAULT now(), c varchar = 'x') RETURNS numeric(10, 2) LANGUAGE sql "
                          "AS 'SELECT 1'",
     "create or replace function since(d date = current_date, n int = null, tags text[] = '{}'::text[], at timestamp "
     "with time zone = now(), c varchar(5) = 'x') returns numeric as 'SELECT 1' language sql"),
    ("other_schema", ("CREATE SCHEMA app", "CREATE FUNCTION app.twice(a bigint) RETURNS bigint LANGUAGE sql "
                                           "IMMUTABLE RETURN a * 2"),
     "CREATE FUNCTION app.twice(a int8) RETURNS int8 LANGUAGE sql IMMUTABLE RETURN a * 2"),
]


@pytest.mark.parametrize("ddl, statement", [pytest.param(d, s, id=i) for i, d, s in NATURAL])
def test_natural_ddl_and_a_hand_written_spec_audit_clean(pg_url: str, tmp_path: Path, ddl: str | tuple[str, ...],
                                                         statement: str) -> None:
    LiveDb(pg_url, "postgresql").execute(TABLE, *((ddl,) if isinstance(ddl, str) else ddl))
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of(*statement.split("\n---\n")))
    assert audit(pg_url, spec)[:2] == (0, [])


# ---------------------------------------------------------------------------------------------
# Spelling never counts; a string literal always does

LIVE_BODY = ("CREATE FUNCTION greet(who text) RETURNS text LANGUAGE plpgsql AS $$\nDECLARE\n  nobody text := '?';\n"
             "BEGIN\n  IF who IS NULL THEN RETURN nobody; END IF;\n"
             "  IF who = '' THEN RETURN 'Hello,  nobody'; END IF;\n  RETURN concat('Hello, ', who);\nEND $$")
SPELLINGS = [
    # (id, the spec's statement, the drift it gives against LIVE_BODY)
    ("whitespace", "CREATE FUNCTION greet(who text) RETURNS text LANGUAGE plpgsql AS $$ DECLARE nobody text := '?'; "
                   "BEGIN IF who IS NULL THEN RETURN nobody; END IF; IF who = '' THEN RETURN "
                   "'Hello,  nobody'; END IF; RETURN concat('Hello, ', who); END $$", []),
    ("comments", "CREATE FUNCTION greet(who text) RETURNS text LANGUAGE plpgsql AS $$\nDECLARE\n  nobody text := '?'; -- ?\n"
                 "BEGIN -- greet\n  IF who IS NULL THEN RETURN nobody; END IF;\n  IF who = '' /* no one */"
                 " THEN RETURN 'Hello,  nobody'; END IF;\n  RETURN concat('Hello, ', who);\nEND $$", []),
    ("keyword_case", "create function GREET(WHO TEXT) returns TEXT language PLPGSQL as $body$\ndeclare NOBODY TEXT := '?';\n"
                     "begin\n  if WHO is null then return Nobody; end if;\n  if WHO = '' then "
                     "return 'Hello,  nobody'; end if;\n  return CONCAT('Hello, ', Who);\nend $body$", []),
    ("literal_space", LIVE_BODY.replace("'Hello,  nobody'", "'Hello, nobody'"), [("function_mismatch", "greet(text)")]),
    ("literal_case", LIVE_BODY.replace("'Hello, '", "'hello, '"), [("function_mismatch", "greet(text)")]),
    ("returned_variable", LIVE_BODY.replace("RETURN nobody;", "RETURN who;"),
     [("function_mismatch", "greet(text)")]),
]


@pytest.mark.parametrize("statement, drift", [pytest.param(s, d, id=i) for i, s, d in SPELLINGS])
def test_spelling_never_counts_and_literals_always_do(pg_url: str, tmp_path: Path, statement: str,
                                                      drift: list[tuple[str, str]]) -> None:
    LiveDb(pg_url, "postgresql").execute(TABLE, LIVE_BODY)
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of(statement))
    code, items, messages = audit(pg_url, spec)
    assert items == drift
    assert all("body" in m for m in messages)


def test_ignore_globs_match_functions_and_sqlite_has_none(pg_url: str, sqlite_url: str, tmp_path: Path) -> None:
    LiveDb(pg_url, "postgresql").execute(TABLE, "CREATE FUNCTION legacy_total(n int) RETURNS int LANGUAGE sql RETURN n")
    spec = tmp_path / "spec.yaml"
    spec.write_text("ignore: ['legacy_*']\n" + spec_of())
    assert audit(pg_url, spec)[:2] == (0, [])
    LiveDb(sqlite_url, "sqlite").execute(TABLE)
    spec.write_text(spec_of(NATURAL[3][2]))
    assert audit(sqlite_url, spec)[:2] == (0, []), "one spec serves both engines: SQLite has no functions"


def test_extension_functions_are_not_compared(pg_url: str, tmp_path: Path) -> None:
    LiveDb(pg_url, "postgresql").execute(TABLE, "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                                         "CREATE TYPE span AS RANGE (subtype = float8)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of() + "range_types:\n  span: float8\n")
    assert audit(pg_url, spec)[:2] == (0, []), "pg_trgm's functions, a range type's constructors: not the spec's"


def test_sql_and_atomic_bodies_compare_literals(pg_url: str, tmp_path: Path) -> None:
    live = ("CREATE FUNCTION kind(n text) RETURNS text LANGUAGE sql IMMUTABLE RETURN CASE WHEN n = 'a' THEN 'first' "
            "ELSE 'other' END")
    LiveDb(pg_url, "postgresql").execute(TABLE, live)
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of(live.replace("RETURN CASE", "RETURN\n  -- which\n  (case").replace("END", "end)")))
    assert audit(pg_url, spec)[:2] == (0, [])
    spec.write_text(spec_of(live.replace("'first'", "'First'")))
    assert audit(pg_url, spec)[1] == [("function_mismatch", "kind(text)")]


# ---------------------------------------------------------------------------------------------
# Snapshot round trip and rebuild

DATABASE = [
    TABLE,
    "CREATE SCHEMA app",
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$",
    "CREATE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE RETURN lower(trim(t))",
    "CREATE INDEX items_norm_idx ON items (norm(name))",
    "CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM items; END",
    "CREATE FUNCTION app.add(a integer, b integer = 1) RETURNS integer LANGUAGE sql IMMUTABLE STRICT RETURN a + b",
    "CREATE FUNCTION app.label(i items) RETURNS text LANGUAGE sql AS $$ SELECT i.name || '!' $$",
    "CREATE PROCEDURE app.bump(INOUT n int) LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$",
    "CREATE FUNCTION secret() RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp "
    "AS $$ SELECT 'classified' $$",
    "CREATE FUNCTION listing(n int) RETURNS TABLE (id int, name text) LANGUAGE sql AS $$ SELECT id, name FROM items "
    "LIMIT n $$",
    # Names that need quotes, an argument named like a newer keyword, DML bound at creation, and
    # options pg_get_functiondef spells its own way.
    'CREATE SCHEMA "Odd"',
    'CREATE FUNCTION "Odd"."CamelFn"("X" int) RETURNS int LANGUAGE sql AS $$ SELECT "X" + 1 $$',
    "CREATE FUNCTION with_json(json json DEFAULT '{}') RETURNS json LANGUAGE sql AS 'SELECT $1'",
    "CREATE FUNCTION rename_to(i int, n text) RETURNS void LANGUAGE sql BEGIN ATOMIC UPDATE items SET name = n "
    "WHERE id = i; INSERT INTO items (id, name) SELECT i + 1000, n WHERE NOT EXISTS (SELECT 1 FROM items WHERE id = i); END",
    "CREATE FUNCTION count_of(VARIADIC xs int[]) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL RESTRICTED "
    "SET work_mem FROM CURRENT AS 'SELECT array_length(xs, 1)'",
    "CREATE FUNCTION locked() RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$ BEGIN "
    "RETURN 'ünïcode'; /* é */ END $$",
]


@pytest.fixture
def func_db(pg_url: str, tmp_path: Path) -> tuple[LiveDb, Path]:
    """The database above and its snapshot."""
    db = LiveDb(pg_url, "postgresql")
    db.execute(*DATABASE)
    result = run_cli("snapshot", "--db", pg_url)
    assert result.code == 0, result.err
    spec = tmp_path / "spec.yaml"
    spec.write_text(result.out)
    return db, spec


def test_snapshot_audits_clean_and_rebuilds_the_same_pg_dump(func_db: tuple[LiveDb, Path], new_db) -> None:
    db, spec = func_db
    doc = yaml.safe_load(spec.read_text())
    assert len(doc["functions"]) == 13 and all(s.startswith("CREATE OR REPLACE ") for s in doc["functions"])
    assert "functions:\n- |\n  CREATE OR REPLACE FUNCTION " in spec.read_text()
    assert "- |\n  CREATE OR REPLACE FUNCTION app.add(a integer, b integer DEFAULT 1)\n" in spec.read_text()
    assert audit(db.url, spec)[:2] == (0, [])
    assert plan_is_empty(db.url, spec)
    empty = new_db("postgresql")
    applied = run_cli("apply", "--db", empty, "--spec", str(spec), "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert audit(empty, spec)[:2] == (0, [])
    assert plan_is_empty(empty, spec)
    assert pg_dump_covered(empty) == pg_dump_covered(db.url)
    assert any("FUNCTION public.touch()" in block for block in pg_dump_covered(db.url))


MUTATIONS = [
    # (id, SQL, the one drift item)
    ("body_one_line", "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                      "NEW.updated_at := clock_timestamp(); RETURN NEW; END $$", ("function_mismatch", "touch()")),
    ("literal_in_body", "CREATE OR REPLACE FUNCTION secret() RETURNS text LANGUAGE sql SECURITY DEFINER "
                        "SET search_path = public, pg_temp AS $$ SELECT 'declassified' $$", ("function_mismatch", "secret()")),
    ("volatility", "ALTER FUNCTION app.add(integer, integer) STABLE", ("function_mismatch", "app.add(integer, integer)")),
    ("security", "ALTER FUNCTION secret() SECURITY INVOKER", ("function_mismatch", "secret()")),
    ("config", "ALTER FUNCTION secret() RESET search_path", ("function_mismatch", "secret()")),
    ("strict", "ALTER FUNCTION app.add(integer, integer) CALLED ON NULL INPUT",
     ("function_mismatch", "app.add(integer, integer)")),
    ("atomic_body", "CREATE OR REPLACE FUNCTION item_count() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC "
                    "SELECT count(*) FROM items WHERE id > 0; END", ("function_mismatch", "item_count()")),
    ("immutable_used_by_index", "CREATE OR REPLACE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE "
                                "RETURN lower(t)", ("function_mismatch", "norm(text)")),
    ("dropped", "DROP FUNCTION app.label(items)", ("missing_function", "app.label(items)")),
    ("procedure_dropped", "DROP PROCEDURE app.bump(integer)", ("missing_function", "app.bump(integer)")),
    ("extra", "CREATE FUNCTION stray() RETURNS int LANGUAGE sql AS 'SELECT 1'", ("extra_function", "stray()")),
    ("extra_overload", "CREATE FUNCTION app.add(a bigint, b bigint) RETURNS bigint LANGUAGE sql RETURN a + b",
     ("extra_function", "app.add(bigint, bigint)")),
    ("return_type", ("DROP FUNCTION listing(integer)", "CREATE FUNCTION listing(n int) RETURNS TABLE (id int) "
                                                       "LANGUAGE sql AS $$ SELECT id FROM items LIMIT n $$"),
     ("function_mismatch", "listing(integer)")),
    ("argument_renamed", ("DROP FUNCTION app.add(integer, integer)", "CREATE FUNCTION app.add(x integer, y integer = 1) "
                          "RETURNS integer LANGUAGE sql IMMUTABLE STRICT RETURN x + y"),
     ("function_mismatch", "app.add(integer, integer)")),
]


@pytest.mark.parametrize("sql, item", [pytest.param(sql, item, id=name) for name, sql, item in MUTATIONS])
def test_one_mutation_is_one_item_and_apply_heals_it(func_db: tuple[LiveDb, Path], sql: str | tuple[str, ...],
                                                      item: tuple[str, str]) -> None:
    db, spec = func_db
    mutation_is_healed(db, spec, sql, item, audit, plan_is_empty)


def test_messages_say_what_differs(func_db: tuple[LiveDb, Path]) -> None:
    db, spec = func_db
    db.execute("ALTER FUNCTION app.add(integer, integer) STABLE",
               "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
    messages = sorted(audit(db.url, spec)[2])
    assert messages == ["function app.add(integer, integer) differs from the spec: volatility STABLE, spec says IMMUTABLE",
                        "function touch() differs from the spec: body"]
    db.execute("DROP PROCEDURE app.bump(integer)")
    assert "procedure app.bump(integer) is missing" in audit(db.url, spec)[2]


def test_a_changed_immutable_function_reindexes_the_indexes_that_call_it(func_db: tuple[LiveDb, Path]) -> None:
    db, spec = func_db
    db.execute("CREATE OR REPLACE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE RETURN lower(t)")
    plan = run_cli("plan", "--db", db.url, "--spec", str(spec)).out
    assert plan.index("CREATE OR REPLACE FUNCTION public.norm") < plan.index("REINDEX INDEX public.items_norm_idx")
    assert "SET LOCAL check_function_bodies = off" in plan


def test_a_signature_change_drops_and_creates(func_db: tuple[LiveDb, Path]) -> None:
    db, spec = func_db
    db.execute("DROP FUNCTION listing(integer)",
               "CREATE FUNCTION listing(n int) RETURNS SETOF int LANGUAGE sql AS $$ SELECT id FROM items LIMIT n $$")
    plan = run_cli("plan", "--db", db.url, "--spec", str(spec)).out
    assert plan.index("DROP FUNCTION IF EXISTS public.listing(integer)") < plan.index("CREATE OR REPLACE FUNCTION public.listing")
    assert "BACKWARD_INCOMPATIBLE" in plan
    refused = run_cli("apply", "--db", db.url, "--spec", str(spec), "--yes")
    assert refused.code != 0 and "BACKWARD_INCOMPATIBLE" in refused.out + refused.err


# One apply on an empty database: each spec's functions are made in dependency order.
ORDER = [
    # (id, the spec)
    # A default calls a spec function, an index another; a function reads a table made later (its
    # body is not checked at creation); a BEGIN ATOMIC body is bound to its table at creation.
    ("before_tables", "tables:\n  items:\n    columns:\n      id: {type: integer, primary_key: true, default: next_id()}\n"
                      "      name: text\n    indexes:\n      items_norm_idx: {columns: [norm(name)]}\nfunctions:\n"
                      "  - CREATE FUNCTION next_id() RETURNS integer LANGUAGE sql AS 'SELECT coalesce(max(id), 0) + 1 FROM items'\n"
                      "  - CREATE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE RETURN lower(t)\n"
                      "  - CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM items; END\n"),
    # Checked when made: a RETURN body and an argument's default call functions that sort after them.
    ("calls_at_creation", TABLE_SPEC + "functions:\n"
                          "  - CREATE FUNCTION a_twice(t text) RETURNS text LANGUAGE sql IMMUTABLE RETURN z_once(t) || z_once(t)\n"
                          "  - CREATE FUNCTION b_label(t text = z_once('x')) RETURNS text LANGUAGE sql RETURN t\n"
                          "  - CREATE FUNCTION z_once(t text) RETURNS text LANGUAGE sql IMMUTABLE RETURN upper(t)\n"),
    # Bound to a view: by its row type, by a BEGIN ATOMIC body reading it.
    ("after_views", TABLE_SPEC + "views:\n  named_items: SELECT id, name FROM items WHERE name IS NOT NULL\nfunctions:\n"
                    "  - CREATE FUNCTION first_named() RETURNS SETOF named_items LANGUAGE sql AS "
                    "'SELECT * FROM named_items LIMIT 1'\n"
                    "  - CREATE FUNCTION named_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC "
                    "SELECT count(*) FROM named_items; END\n"),
]


@pytest.mark.parametrize("spec_text", [pytest.param(text, id=i) for i, text in ORDER])
def test_one_apply_makes_functions_in_dependency_order(new_db, tmp_path: Path, spec_text: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text)
    url = new_db("postgresql")
    applied = run_cli("apply", "--db", url, "--spec", str(spec), "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert audit(url, spec)[:2] == (0, [])
    assert plan_is_empty(url, spec)


# ---------------------------------------------------------------------------------------------
# Bad spec input: exit 2, one line at the entry's line and column

BAD = [
    # (id, the functions: entries, the line:column and words of the one error)
    ("syntax", "  - |\n    CREATE FUNCTION f() RETURNS int\n    LANGUAGE sql AS 'SELECT 1' FOO\n",
     "10:32: functions entry 'CREATE FUNCTION f() RETURNS int': syntax error at or near \"FOO\""),
    ("not_a_function", "  - CREATE TABLE t (id int)\n", "8:5: functions entry 'CREATE TABLE t (id int)': is a Create "
                                                       "statement, not CREATE FUNCTION or CREATE PROCEDURE"),
    ("two_statements", "  - CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'; SELECT 1\n",
     "holds 2 statements, not one CREATE FUNCTION or CREATE PROCEDURE"),
    ("twice", "  - CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql RETURN a\n"
              "  - CREATE FUNCTION public.f(b integer) RETURNS int LANGUAGE sql RETURN b\n",
     "9:5: function f(integer) is given twice (line 8)"),
    ("not_a_list", "  f: CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1\n",
     "functions must be a list of CREATE FUNCTION or CREATE PROCEDURE statements"),
]


@pytest.mark.parametrize("entries, error", [pytest.param(e, m, id=i) for i, e, m in BAD])
def test_a_bad_entry_is_one_clear_line(tmp_path: Path, entries: str, error: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(TABLE_SPEC + "functions:\n" + entries)
    result = run_cli("audit", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--spec", str(spec))
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if "spec.yaml:" in line]
    assert len(lines) == 1 and error in lines[0], result.err


def test_a_cached_spec_keeps_its_functions(pg_url: str, tmp_path: Path) -> None:
    """The second load of a spec comes from the disk cache: its functions come back whole."""
    from auditor.speccache import forget_loaded, load_cached

    LiveDb(pg_url, "postgresql").execute(TABLE, NATURAL[3][1])
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of(NATURAL[3][2]))
    _, first = load_cached(spec)
    forget_loaded()
    _, second = load_cached(spec)
    assert second.functions == first.functions and second.functions[0].sql == first.functions[0].sql
    forget_loaded()
    assert audit(pg_url, spec)[:2] == (0, [])
    assert audit(pg_url, spec)[:2] == (0, [])


def test_each_tenant_has_the_spec_functions(pg_url: str, tmp_path: Path) -> None:
    """Schema per tenant: the spec's unqualified function is expected in each tenant's schema,
    and made there when one lacks it."""
    body = "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$"
    db = LiveDb(pg_url, "postgresql")
    for tenant in ("tenant_a", "tenant_b"):
        db.execute(f"CREATE SCHEMA {tenant}", TABLE.replace("items", f"{tenant}.items"),
                   f"CREATE FUNCTION {tenant}.touch() {body}")
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of(f"CREATE FUNCTION touch() {body}"))
    tenants = ("--tenant-schemas", "tenant_*")
    assert run_cli("audit", "--db", pg_url, "--spec", str(spec), *tenants).code == 0
    db.execute("DROP FUNCTION tenant_b.touch()")
    report = json.loads(run_cli("audit", "--format", "json", "--db", pg_url, "--spec", str(spec), *tenants).out)
    drift = {e["database"].rsplit("/", 1)[1]: [(i["kind"], i["schema"]) for i in e["drift"]]
             for e in report["databases"][1:]}
    assert drift == {"tenant_a": [], "tenant_b": [("missing_function", "tenant_b")]}
    applied = run_cli("apply", "--db", pg_url, "--spec", str(spec), *tenants)
    assert applied.code == 0, applied.out + applied.err
    assert db.query("SELECT count(*) FROM pg_proc WHERE proname = 'touch'") == [(2,)]
    assert run_cli("audit", "--db", pg_url, "--spec", str(spec), *tenants).code == 0


# ---------------------------------------------------------------------------------------------
# The incident, replayed with a trigger function: migration_v3 edited after production ran it

TOUCH_V3 = ("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            "  NEW.updated_at := now();\n  RETURN NEW;\nEND $$")
MIGRATIONS = {
    1: (TABLE,),
    2: ("INSERT INTO items (id, name) VALUES (1, 'one')",),
    3: (TOUCH_V3, "CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()"),
}
# The edit: one changed line in v3's function, which production never runs again.
EDITED = {**MIGRATIONS, 3: (TOUCH_V3.replace("now()", "statement_timestamp()"), MIGRATIONS[3][1])}


def test_incident_replay_an_edited_trigger_function_is_silent_drift(new_db) -> None:
    from test_sources import run_migrations

    production, reference = LiveDb(new_db("postgresql"), "postgresql"), LiveDb(new_db("postgresql"), "postgresql")
    assert run_migrations(production.url, MIGRATIONS) == 3
    production.execute("UPDATE items SET name = 'uno' WHERE id = 1")  # the trigger runs
    assert production.query("SELECT updated_at IS NOT NULL FROM items") == [(True,)]
    assert run_migrations(production.url, EDITED) == 3  # v3 is skipped: production keeps its function
    assert run_migrations(reference.url, EDITED) == 3
    versions = production.query("SELECT version FROM schema_version ORDER BY version")

    version = ("--version-table", "schema_version")
    audit = run_cli("audit", "--db", production.url, "--expected-db", reference.url, *version, "--format", "json")
    entry = json.loads(audit.out)["databases"][0]
    assert audit.code == 1, audit.err
    assert [(i["kind"], i["table"]) for i in entry["drift"]] == [("function_mismatch", "touch()")]
    assert entry["version"]["status"] == "silent_drift" and "touch()" in entry["version"]["message"]

    healed = run_cli("apply", "--db", production.url, "--expected-db", reference.url, *version)
    assert healed.code == 0, healed.out + healed.err
    assert production.query("SELECT version FROM schema_version ORDER BY version") == versions
    assert "statement_timestamp()" in production.query("SELECT prosrc FROM pg_proc WHERE proname = 'touch'")[0][0]
    after = run_cli("audit", "--db", production.url, "--expected-db", reference.url, *version, "--format", "json")
    assert after.code == 0 and json.loads(after.out)["databases"][0]["version"]["status"] == "match"



def test_a_statement_the_parser_refuses_keeps_the_catalogs_identity() -> None:
    """Overloads whose statements do not parse stay apart: identified by their argument types as
    the catalog formats them, and compared as text."""
    from auditor.canon import normalize_schema
    from auditor.dialects import POSTGRESQL
    from auditor.model import Function, Schema

    live = Schema(functions=(Function("f", "public", ("integer",), sql="CREATE FUNCTION f( nonsense"),
                             Function("f", "public", ("character varying(20)", "public.mood[]"), sql="CREATE nonsense")))
    functions = normalize_schema(live, POSTGRESQL).functions
    assert [f.key for f in functions] == ["public.f(integer)", "public.f(varchar, mood[])"]
    assert not any(f.body.proven for f in functions)


def test_a_function_with_a_two_word_argument_type_is_dropped_by_its_signature(pg_url: str, tmp_path: Path) -> None:
    """DROP FUNCTION names the argument types as SQL spells them: double precision, not double."""
    db = LiveDb(pg_url, "postgresql")
    db.execute("CREATE FUNCTION half(x double precision, t timestamp with time zone) RETURNS double precision "
               "LANGUAGE sql AS 'SELECT x / 2'")
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables: {}\nfunctions:\n  - CREATE FUNCTION half(x double precision, t timestamptz) RETURNS integer "
                    "LANGUAGE sql AS 'SELECT 1'\n")
    assert audit(pg_url, spec)[1] == [("function_mismatch", "half(double, timestamptz)")]
    applied = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--yes", *ALL_HAZARDS)
    assert applied.code == 0, applied.out + applied.err
    assert audit(pg_url, spec)[:2] == (0, [])
