"""Every drift kind, one table line per case, end to end through the CLI on SQLite and Postgres.

Each case starts from a database built with natural DDL (which must audit clean against the spec:
no false positives), applies one mutation (SQL on the live database, or an edited spec) that must
produce exactly one drift item, then checks ``plan``, ``apply`` without and with
``--allow-destructive``, and that the rows inserted beforehand survive.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from auditor.diff import KINDS, WARNING
from conftest import CliResult, LiveDb, run_cli

# ---------------------------------------------------------------------------------------------
# The base schema: a spec and the natural DDL that builds it on either engine.

BASE_SPEC = """\
version: 1
tables:
  users:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: varchar(255), nullable: false}
      status: {type: varchar(20), default: "'active'"}
    indexes:
      ux_users_email: {columns: [email], unique: true}
      idx_users_active: {columns: [email], where: "status = 'active'"}
  orders:
    columns:
      id: integer
      user_id: {type: integer, references: users.id}
      total: {type: "numeric(10,2)", nullable: false, default: 0}
      created_at: {type: timestamp, default: CURRENT_TIMESTAMP}
    primary_key: [id]
    indexes:
      idx_orders_user: {columns: [user_id]}
      idx_orders_big: {columns: [user_id, total], where: "total > 100"}
"""

TABLE_BODIES = {
    "users": "id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, status VARCHAR(20) DEFAULT 'active'",
    "orders": ("id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id),"
               " total NUMERIC(10,2) NOT NULL DEFAULT 0, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP"),
}
TABLE_INDEXES = {
    "users": ("CREATE UNIQUE INDEX ux_users_email ON users (email)",
              "CREATE INDEX idx_users_active ON users (email) WHERE status = 'active'"),
    "orders": ("CREATE INDEX idx_orders_user ON orders (user_id)",
               "CREATE INDEX idx_orders_big ON orders (user_id, total) WHERE total > 100"),
}
TABLE_COLUMNS = {"users": "id, email, status", "orders": "id, user_id, total, created_at"}
BASE_DDL = tuple(stmt for table in ("users", "orders")
                 for stmt in (f"CREATE TABLE {table} ({TABLE_BODIES[table]})", *TABLE_INDEXES[table]))
ROWS = (
    "INSERT INTO users (id, email, status) VALUES"
    " (1, 'ana@example.com', 'active'), (2, 'bo@example.com', 'blocked'), (3, 'cy@example.com', 'active')",
    "INSERT INTO orders (id, user_id, total) VALUES (1, 1, 10.50), (2, 1, 250.00), (3, 2, 0)",
)
# Columns no case drops, read before the mutation and after apply.
SNAPSHOTS = {
    "users": "SELECT id, email, status FROM users ORDER BY id",
    "orders": "SELECT id, user_id, total FROM orders ORDER BY id",
}


# ---------------------------------------------------------------------------------------------
# Mutations


@dataclass(frozen=True)
class Sql:
    """Statements run on the live database."""

    statements: tuple[str, ...]


@dataclass(frozen=True)
class SpecEdit:
    """The spec with ``old`` (which must occur exactly once) replaced by ``new``."""

    old: str
    new: str


def sql(*statements: str) -> Sql:
    return Sql(statements)


def spec(old: str, new: str) -> SpecEdit:
    assert BASE_SPEC.count(old) == 1, old
    return SpecEdit(old, new)


def rebuild(table: str, old: str, new: str) -> Sql:
    """SQLite's way to change a column or constraint: copy the table into a new definition."""
    body = TABLE_BODIES[table]
    assert body.count(old) == 1, old
    return Sql((
        f"CREATE TABLE {table}__new ({body.replace(old, new)})",
        f"INSERT INTO {table}__new ({TABLE_COLUMNS[table]}) SELECT {TABLE_COLUMNS[table]} FROM {table}",
        f"DROP TABLE {table}",
        f"ALTER TABLE {table}__new RENAME TO {table}",
        *TABLE_INDEXES[table],
    ))


def engines(sqlite: object, postgresql: object) -> dict[str, object]:
    return {"sqlite": sqlite, "postgresql": postgresql}


def pick(value: object, dialect: str) -> object:
    """A per-engine value (``engines(...)``) for ``dialect``, or the value shared by both."""
    return value[dialect] if isinstance(value, dict) else value


MANUAL = "-- manual: SQLite cannot alter this in place"


@dataclass(frozen=True)
class Case:
    """One mutation and what must follow from it.

    ``plan``: a fragment (or tuple of fragments) the plan text must contain, per engine or shared.
    ``destructive``: apply withholds the fix unless ``--allow-destructive``.
    ``sqlite_manual``: SQLite can only fix it by hand, so the item outlives apply there.
    ``unfixable``: engines where no statement can fix it while the table holds rows: apply must
    withhold it (manual, or destructive and then failing with everything rolled back).
    ``lost``: tables whose rows the mutation itself removes.
    """

    id: str
    kind: str
    table: str
    name: object  # str | None, or per engine
    mutation: object  # Sql | SpecEdit, or per engine
    plan: object  # str | tuple[str, ...], or per engine
    destructive: bool = False
    sqlite_manual: bool = False
    unfixable: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()


CASES = [
    Case("missing_table", "missing_table", "orders", None, sql("DROP TABLE orders"), engines("CREATE TABLE IF NOT EXISTS orders (", ("CREATE TABLE IF NOT EXISTS public.orders (", "CREATE INDEX IF NOT EXISTS idx_orders_big ON public.orders (user_id, total) WHERE total > 100")), lost=("orders",)),
    Case("extra_table", "extra_table", "tmp_import", None, sql("CREATE TABLE tmp_import (id INTEGER PRIMARY KEY, payload TEXT)", "INSERT INTO tmp_import VALUES (1, 'x')"), engines("DROP TABLE IF EXISTS tmp_import", "DROP TABLE IF EXISTS public.tmp_import"), destructive=True),
    Case("missing_column_dropped", "missing_column", "orders", "created_at", sql("ALTER TABLE orders DROP COLUMN created_at"), engines("-- manual: SQLite cannot add a column with default current_timestamp", "ALTER TABLE public.orders ADD COLUMN IF NOT EXISTS created_at timestamp DEFAULT current_timestamp"), sqlite_manual=True),
    Case("missing_column_spec", "missing_column", "orders", "note", spec("      total:", "      note: text\n      total:"), engines("ALTER TABLE orders ADD COLUMN note TEXT", "ALTER TABLE public.orders ADD COLUMN IF NOT EXISTS note text")),
    Case("missing_column_not_null", "missing_column", "orders", "code", spec("      total:", "      code: {type: varchar(10), nullable: false}\n      total:"), engines("-- manual: SQLite cannot add a NOT NULL column without a default", "-- missing_column orders.code"), sqlite_manual=True, unfixable=("postgresql",)),
    Case("extra_column", "extra_column", "users", "nickname", sql("ALTER TABLE users ADD COLUMN nickname VARCHAR(50)"), engines("ALTER TABLE users DROP COLUMN nickname", "ALTER TABLE public.users DROP COLUMN IF EXISTS nickname"), destructive=True),
    Case("extra_unique_column", "extra_column", "users", "code", engines(rebuild("users", "DEFAULT 'active'", "DEFAULT 'active', code TEXT UNIQUE"), sql("ALTER TABLE users ADD COLUMN code TEXT UNIQUE")), engines("-- manual: SQLite cannot drop code while a key or index uses it", "ALTER TABLE public.users DROP COLUMN IF EXISTS code"), destructive=True, sqlite_manual=True),
    Case("type_mismatch", "type_mismatch", "users", "status", engines(rebuild("users", "status VARCHAR(20)", "status VARCHAR(40)"), sql("ALTER TABLE users ALTER COLUMN status TYPE VARCHAR(40)")), engines(MANUAL, "ALTER TABLE public.users ALTER COLUMN status DROP DEFAULT, ALTER COLUMN status TYPE varchar(20) USING status::varchar(20), ALTER COLUMN status SET DEFAULT 'active'"), destructive=True, sqlite_manual=True),
    Case("type_mismatch_spec", "type_mismatch", "orders", "user_id", spec("user_id: {type: integer,", "user_id: {type: bigint,"), engines(MANUAL, "ALTER TABLE public.orders ALTER COLUMN user_id TYPE bigint USING user_id::bigint"), destructive=True, sqlite_manual=True),
    Case("set_not_null", "nullable_mismatch", "users", "email", engines(rebuild("users", "email VARCHAR(255) NOT NULL", "email VARCHAR(255)"), sql("ALTER TABLE users ALTER COLUMN email DROP NOT NULL")), engines(MANUAL, "ALTER TABLE public.users ALTER COLUMN email SET NOT NULL"), destructive=True, sqlite_manual=True),
    Case("drop_not_null", "nullable_mismatch", "users", "status", engines(rebuild("users", "status VARCHAR(20)", "status VARCHAR(20) NOT NULL"), sql("ALTER TABLE users ALTER COLUMN status SET NOT NULL")), engines(MANUAL, "ALTER TABLE public.users ALTER COLUMN status DROP NOT NULL"), sqlite_manual=True),
    Case("set_default", "default_mismatch", "users", "status", engines(rebuild("users", "DEFAULT 'active'", "DEFAULT 'pending'"), sql("ALTER TABLE users ALTER COLUMN status SET DEFAULT 'pending'")), engines(MANUAL, "ALTER TABLE public.users ALTER COLUMN status SET DEFAULT 'active'"), sqlite_manual=True),
    Case("drop_default_spec", "default_mismatch", "orders", "created_at", spec("created_at: {type: timestamp, default: CURRENT_TIMESTAMP}", "created_at: timestamp"), engines(MANUAL, "ALTER TABLE public.orders ALTER COLUMN created_at DROP DEFAULT"), sqlite_manual=True),
    Case("primary_key_dropped", "primary_key_mismatch", "orders", None, engines(rebuild("orders", "id INTEGER PRIMARY KEY", "id INTEGER NOT NULL"), sql("ALTER TABLE orders DROP CONSTRAINT orders_pkey")), engines(MANUAL, "PRIMARY KEY (id);"), destructive=True, sqlite_manual=True),
    Case("primary_key_spec", "primary_key_mismatch", "orders", None, spec("primary_key: [id]", "primary_key: [id, total]"), engines(MANUAL, ("ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_pkey", "PRIMARY KEY (id, total);")), destructive=True, sqlite_manual=True),
    Case("missing_index", "missing_index", "orders", "idx_orders_user", sql("DROP INDEX idx_orders_user"), engines("CREATE INDEX IF NOT EXISTS idx_orders_user ON orders (user_id)", "CREATE INDEX IF NOT EXISTS idx_orders_user ON public.orders (user_id)")),
    Case("missing_partial_index", "missing_index", "users", "idx_users_active", sql("DROP INDEX idx_users_active"), engines("CREATE INDEX IF NOT EXISTS idx_users_active ON users (email) WHERE status = 'active'", "CREATE INDEX IF NOT EXISTS idx_users_active ON public.users (email) WHERE status = 'active'")),
    Case("extra_index", "extra_index", "orders", "idx_orders_created", sql("CREATE INDEX idx_orders_created ON orders (created_at)"), engines("DROP INDEX IF EXISTS idx_orders_created", "DROP INDEX IF EXISTS public.idx_orders_created"), destructive=True),
    Case("index_mismatch_where", "index_mismatch", "orders", "idx_orders_big", sql("DROP INDEX idx_orders_big", "CREATE INDEX idx_orders_big ON orders (user_id, total) WHERE total > 500"), engines(("DROP INDEX IF EXISTS idx_orders_big", "CREATE INDEX IF NOT EXISTS idx_orders_big ON orders (user_id, total) WHERE total > 100"), ("DROP INDEX IF EXISTS public.idx_orders_big", "CREATE INDEX IF NOT EXISTS idx_orders_big ON public.orders (user_id, total) WHERE total > 100")), destructive=True),
    Case("index_mismatch_unique", "index_mismatch", "users", "ux_users_email", sql("DROP INDEX ux_users_email", "CREATE INDEX ux_users_email ON users (email)"), engines(("DROP INDEX IF EXISTS ux_users_email", "CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email ON users (email)"), ("DROP INDEX IF EXISTS public.ux_users_email", "CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email ON public.users (email)")), destructive=True),
    Case("missing_foreign_key", "missing_foreign_key", "orders", "orders_user_id_fkey", engines(rebuild("orders", " REFERENCES users (id)", ""), sql("ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey")), engines(MANUAL, "ALTER TABLE public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id)"), sqlite_manual=True),
    Case("extra_foreign_key", "extra_foreign_key", "orders", engines("orders_user_id_fkey", "fk_orders_user_cascade"), engines(rebuild("orders", "DEFAULT CURRENT_TIMESTAMP", "DEFAULT CURRENT_TIMESTAMP, CONSTRAINT fk_orders_user_cascade FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"), sql("ALTER TABLE orders ADD CONSTRAINT fk_orders_user_cascade FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE")), engines(MANUAL, "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS fk_orders_user_cascade"), destructive=True, sqlite_manual=True),
]

def test_cases_cover_every_kind() -> None:
    assert {case.kind for case in CASES} == set(KINDS)
    ids = [case.id for case in CASES] + [combo.id for combo in COMBOS]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------------------------------------
# Helpers


def build_base(db: LiveDb) -> None:
    db.execute(*BASE_DDL)
    db.execute(*ROWS)


def audit_json(db: LiveDb, spec_path: str, *extra: str) -> tuple[int, list[tuple[object, ...]], dict]:
    result = run_cli("audit", "--db", db.url, "--spec", spec_path, "--format", "json", *extra)
    assert result.code in (0, 1), result.out + result.err
    report = json.loads(result.out)
    return result.code, items_of(report["databases"][0]["drift"]), report


def items_of(drift: list[dict]) -> list[tuple[object, ...]]:
    return [(i["kind"], i["table"], i["name"]) for i in drift]


def apply_json(db: LiveDb, spec_path: str, *extra: str) -> tuple[CliResult, dict]:
    result = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes", "--format", "json", *extra)
    assert result.code in (0, 1), result.out + result.err
    return result, json.loads(result.out)["databases"][0]


def ddl_lines(plan_text: str) -> list[str]:
    return [line for line in plan_text.splitlines() if line.strip() and not line.startswith("--")]


def assert_clean(db: LiveDb, spec_path: str) -> None:
    code, items, report = audit_json(db, spec_path, "--strict")
    assert (code, items) == (0, []), json.dumps(report["databases"][0]["drift"], indent=1)
    plan = run_cli("plan", "--db", db.url, "--spec", spec_path, "--strict")
    assert plan.code == 0 and ddl_lines(plan.out) == [], plan.out + plan.err


def snapshot(db: LiveDb, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[object, ...]]]:
    return {table: db.query(query) for table, query in SNAPSHOTS.items() if table not in skip}


# ---------------------------------------------------------------------------------------------
# The table-driven test


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_drift_kind(case: Case, db: LiveDb, write_spec, request: pytest.FixtureRequest) -> None:
    spec_path = write_spec(BASE_SPEC)
    build_base(db)

    # 1. Natural DDL audits clean against the equivalent spec: no false positives.
    assert_clean(db, spec_path)
    rows_before = snapshot(db)

    mutation = pick(case.mutation, db.dialect)
    if isinstance(mutation, SpecEdit):
        spec_path = write_spec(BASE_SPEC.replace(mutation.old, mutation.new), "mutated.yaml")
    else:
        assert isinstance(mutation, Sql)
        db.execute(*mutation.statements)

    # 2. Exactly one item, of the expected kind, on the expected object.
    expected = (case.kind, case.table, pick(case.name, db.dialect))
    warning = KINDS[case.kind] == WARNING
    failing_code = 0 if warning else 1
    code, items, report = audit_json(db, spec_path)
    assert items == [expected], json.dumps(report["databases"][0]["drift"], indent=1)
    assert code == failing_code
    assert report["databases"][0]["drift"][0]["severity"] == KINDS[case.kind]
    if warning:
        assert audit_json(db, spec_path, "--strict")[0] == 1

    # 3. The plan holds the engine's fix.
    manual = case.sqlite_manual and db.dialect == "sqlite"
    plan = run_cli("plan", "--db", db.url, "--spec", spec_path)
    assert plan.code == failing_code, plan.out + plan.err
    fragments = pick(case.plan, db.dialect)
    for fragment in (fragments,) if isinstance(fragments, str) else fragments:
        assert fragment in plan.out, plan.out
    unfixable = db.dialect in case.unfixable
    if manual:
        assert "-- manual:" in plan.out and not ddl_lines(plan.out), plan.out
    elif unfixable:
        assert "-- manual:" in plan.out or "[destructive" in plan.out, plan.out
    if case.destructive and not manual:
        assert "[destructive: apply needs --allow-destructive]" in plan.out, plan.out

    # 4a. Apply without --allow-destructive: destructive and manual fixes are not run.
    held = case.destructive or manual or unfixable
    result, applied = apply_json(db, spec_path)
    if held:
        assert applied["executed"] == [], applied
        assert items_of(applied["remaining"]) == [expected]
        assert result.code == failing_code, result.out
        assert audit_json(db, spec_path)[1] == [expected]
    else:
        assert items_of(applied["remaining"]) == [], applied
        assert result.code == 0, result.out
        assert_clean(db, spec_path)

    # 4b. With --allow-destructive: clean, except what only a person can fix on SQLite.
    if unfixable and not manual:
        result = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes", "--allow-destructive")
        assert result.code in (1, 2), result.out + result.err  # withheld, or failed and rolled back
        assert audit_json(db, spec_path)[1] == [expected]
    elif manual:
        result, applied = apply_json(db, spec_path, "--allow-destructive")
        assert applied["executed"] == [], applied
        assert items_of(applied["remaining"]) == [expected]
        assert result.code == failing_code, result.out
        assert audit_json(db, spec_path)[1] == [expected]
    else:
        result, applied = apply_json(db, spec_path, "--allow-destructive")
        assert items_of(applied["remaining"]) == [], applied
        assert result.code == 0, result.out
        assert_clean(db, spec_path)

    # 5. Rows inserted before the mutation are still there.
    assert snapshot(db, case.lost) == {t: rows for t, rows in rows_before.items() if t not in case.lost}


# ---------------------------------------------------------------------------------------------
# Mutations that give two related items, whose fixes must be planned in a workable order


@dataclass(frozen=True)
class Combo:
    """SQL and/or a spec edit giving ``items`` (any order); ``remaining``: what apply
    --allow-destructive must leave (per engine or shared)."""

    id: str
    sql: Sql | None
    spec_edit: SpecEdit | None
    items: tuple[tuple[str, str, object], ...]
    remaining: object = ()


PK_ITEMS = (("nullable_mismatch", "orders", "id"), ("primary_key_mismatch", "orders", None))
FLAG_ITEMS = (("type_mismatch", "users", "is_active"), ("default_mismatch", "users", "is_active"))
COMBOS = [
    Combo("drop_primary_key_and_not_null", None, spec("    primary_key: [id]\n", ""), PK_ITEMS, engines(PK_ITEMS, ())),
    Combo("extra_tables_with_foreign_key", sql("CREATE TABLE tmp_a (id INTEGER PRIMARY KEY)", "CREATE TABLE tmp_b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES tmp_a (id))", "INSERT INTO tmp_a VALUES (1)", "INSERT INTO tmp_b VALUES (1, 1)"), None, (("extra_table", "tmp_a", None), ("extra_table", "tmp_b", None))),
    Combo("integer_flag_to_boolean_with_default", sql("ALTER TABLE users ADD COLUMN is_active INTEGER DEFAULT 1"), spec("      status:", "      is_active: {type: boolean, default: true}\n      status:"), FLAG_ITEMS, engines(FLAG_ITEMS, ())),
]


@pytest.mark.parametrize("combo", [pytest.param(c, id=c.id) for c in COMBOS])
def test_related_items_are_fixed_in_a_workable_order(combo: Combo, db: LiveDb, write_spec,
                                                      request: pytest.FixtureRequest) -> None:
    build_base(db)
    spec_path = write_spec(BASE_SPEC)
    assert_clean(db, spec_path)
    rows_before = snapshot(db)
    if combo.sql:
        db.execute(*combo.sql.statements)
    if combo.spec_edit:
        spec_path = write_spec(BASE_SPEC.replace(combo.spec_edit.old, combo.spec_edit.new), "mutated.yaml")

    def key(item: tuple[object, ...]) -> str:
        return repr(item)

    code, items, report = audit_json(db, spec_path)
    assert sorted(items, key=key) == sorted(combo.items, key=key), report
    errors = any(KINDS[kind] != WARNING for kind, _, _ in combo.items)
    assert code == (1 if errors else 0)

    # Without --allow-destructive: what is safe runs, the rest is withheld; nothing fails.
    result = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes")
    assert result.code == (1 if errors else 0), result.out + result.err

    result = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes", "--allow-destructive")
    remaining = tuple(pick(combo.remaining, db.dialect))
    assert result.code == (1 if remaining else 0), result.out + result.err
    assert sorted(audit_json(db, spec_path)[1], key=key) == sorted(remaining, key=key)
    if not remaining:
        assert_clean(db, spec_path)
    assert snapshot(db) == rows_before


# ---------------------------------------------------------------------------------------------
# Ignore globs, --strict, and non-default Postgres schemas


def test_ignore_glob_and_spec_ignore_silence_an_extra_table(db: LiveDb, write_spec) -> None:
    build_base(db)
    db.execute("CREATE TABLE tmp_import (id INTEGER PRIMARY KEY, payload TEXT)")
    spec_path = write_spec(BASE_SPEC)
    code, items, _ = audit_json(db, spec_path, "--strict")
    assert (code, items) == (1, [("extra_table", "tmp_import", None)])

    code, items, _ = audit_json(db, spec_path, "--strict", "--ignore", "tmp_*")
    assert (code, items) == (0, [])
    plan = run_cli("plan", "--db", db.url, "--spec", spec_path, "--strict", "--ignore", "tmp_*")
    assert plan.code == 0 and ddl_lines(plan.out) == [], plan.out

    ignoring = write_spec(BASE_SPEC.replace("version: 1\n", "version: 1\nignore: [\"tmp_*\"]\n"), "ignoring.yaml")
    code, items, _ = audit_json(db, ignoring, "--strict")
    assert (code, items) == (0, [])
    result, applied = apply_json(db, ignoring, "--strict", "--allow-destructive")
    assert result.code == 0 and applied["executed"] == [] and applied["remaining"] == [], applied
    assert db.query("SELECT count(*) FROM tmp_import") == [(0,)]


def test_object_glob_keeps_an_extra_column(db: LiveDb, write_spec) -> None:
    build_base(db)
    db.execute("ALTER TABLE users ADD COLUMN legacy_flag INTEGER", "UPDATE users SET legacy_flag = 7")
    spec_path = write_spec(BASE_SPEC)
    assert audit_json(db, spec_path, "--strict")[:2] == (1, [("extra_column", "users", "legacy_flag")])
    assert audit_json(db, spec_path, "--strict", "--ignore", "users.legacy_*")[:2] == (0, [])
    result, applied = apply_json(db, spec_path, "--strict", "--allow-destructive", "--ignore", "users.legacy_*")
    assert result.code == 0 and applied["executed"] == [], applied
    assert db.query("SELECT DISTINCT legacy_flag FROM users") == [(7,)]


def test_strict_makes_warnings_fail(db: LiveDb, write_spec) -> None:
    build_base(db)
    db.execute("CREATE INDEX idx_orders_created ON orders (created_at)")
    spec_path = write_spec(BASE_SPEC)
    expected = [("extra_index", "orders", "idx_orders_created")]

    code, items, report = audit_json(db, spec_path)
    assert (code, items, report["clean"]) == (0, expected, True)
    code, items, report = audit_json(db, spec_path, "--strict")
    assert (code, items, report["clean"]) == (1, expected, False)
    assert run_cli("audit", "--db", db.url, "--spec", spec_path).code == 0
    assert run_cli("audit", "--db", db.url, "--spec", spec_path, "--strict").code == 1
    assert run_cli("plan", "--db", db.url, "--spec", spec_path).code == 0
    assert run_cli("plan", "--db", db.url, "--spec", spec_path, "--strict").code == 1

    # The drop is destructive: without --allow-destructive it stays, and --strict fails on it.
    result, applied = apply_json(db, spec_path)
    assert (result.code, items_of(applied["remaining"])) == (0, expected)
    result, applied = apply_json(db, spec_path, "--strict")
    assert (result.code, items_of(applied["remaining"])) == (1, expected)
    result, applied = apply_json(db, spec_path, "--strict", "--allow-destructive")
    assert (result.code, applied["remaining"]) == (0, [])
    assert_clean(db, spec_path)


# The base users table plus a table in schema "app" that references it.
APP_SPEC = BASE_SPEC[:BASE_SPEC.index("  orders:")] + """\
  app.things:
    columns:
      id: {type: integer, primary_key: true}
      user_id: {type: integer, references: users.id}
      name: {type: text, nullable: false, default: "'thing'"}
    indexes:
      idx_things_name: {columns: [name]}
"""


def test_table_in_a_non_default_postgres_schema(pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute(f"CREATE TABLE users ({TABLE_BODIES['users']})", *TABLE_INDEXES["users"], ROWS[0])
    db.execute("CREATE SCHEMA app")
    spec_path = write_spec(APP_SPEC)

    code, items, report = audit_json(db, spec_path)
    assert (code, items) == (1, [("missing_table", "things", None)]), report
    assert report["databases"][0]["drift"][0]["schema"] == "app"

    # A table of the same name in the default schema is not the one the spec means.
    db.execute("CREATE TABLE public.things (id INTEGER PRIMARY KEY)")
    plan = run_cli("plan", "--db", pg_url, "--spec", spec_path)
    assert plan.code == 1
    assert "CREATE TABLE IF NOT EXISTS app.things (" in plan.out, plan.out
    assert "CREATE INDEX IF NOT EXISTS idx_things_name ON app.things (name)" in plan.out, plan.out
    assert "REFERENCES public.users (id)" in plan.out, plan.out
    code, items, report = audit_json(db, spec_path)
    assert sorted(items, key=str) == sorted([("missing_table", "things", None),
                                             ("extra_table", "things", None)], key=str), report
    db.execute("DROP TABLE public.things")

    result, applied = apply_json(db, spec_path)
    assert result.code == 0 and applied["remaining"] == [], applied
    assert db.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'things'") == [("app",)]
    assert db.query("SELECT schemaname FROM pg_indexes WHERE indexname = 'idx_things_name'") == [("app",)]
    assert_clean(db, spec_path)
    db.execute("INSERT INTO app.things (id, user_id) VALUES (1, 1)")
    assert db.query("SELECT name FROM app.things") == [("thing",)]
    assert db.query("SELECT count(*) FROM users") == [(3,)]
