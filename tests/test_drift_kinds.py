"""Every drift kind, one table line per case, end to end through the CLI on SQLite and Postgres.

Each case starts from a database built with natural DDL (which must audit clean against the spec:
no false positives), applies one mutation (SQL on the live database, or an edited spec) that must
produce exactly one drift item, then checks ``plan``, ``apply`` without flags (hazardous fixes are
withheld) and with ``--allow-hazards all``, and that the rows inserted beforehand survive: on
SQLite, what it cannot alter in place goes through a table rebuild, so every kind meets its rows.

Kinds that need an object the base schema lacks (an enum, a view, a named check) first add it,
in SQL and in the spec alike (``setup``), and that must audit clean too. Kinds that exist on one
engine only (enums, sequences, extensions, comments, Postgres identity) skip the other engine.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from auditor.diff import KINDS, WARNING, check_name
from auditor.model import Table, raw_expr
from conftest import ENGINES, CliResult, LiveDb, require_command, run_cli, run_psql

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


def edit(old: str, new: str) -> SpecEdit:
    """A spec edit of text a case's ``setup`` added (checked to occur once when it is applied)."""
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


REBUILD = "-- rebuild "
PG_ONLY = ("postgresql",)
SQLITE_ONLY = ("sqlite",)


@dataclass(frozen=True)
class Case:
    """One mutation and what must follow from it.

    ``plan``: a fragment (or tuple of fragments) the plan text must contain, per engine or shared.
    ``destructive``: the fix has a hazard, so apply withholds it unless allowed (per engine or
    shared: SQLite rebuilds carry a lock hazard where Postgres alters in place).
    ``unfixable``: engines where no statement can fix it while the table holds rows: apply must
    withhold it (manual, or destructive and then failing with everything rolled back).
    ``lost``: tables whose rows the mutation itself removes.
    ``mutation`` and ``setup`` are an Sql, a SpecEdit, or a tuple of them applied in order.
    ``setup``: objects the case needs beyond the base schema, added in SQL and in the spec before
    the baseline (which must still audit clean).
    ``only``: the engines the kind exists on; the others skip.
    ``after``: table -> query reading its snapshot columns after apply, where a rename moved them.
    """

    id: str
    kind: str
    table: str
    name: object  # str | None, or per engine
    mutation: object  # Sql | SpecEdit, or per engine
    plan: object  # str | tuple[str, ...], or per engine
    destructive: object = False  # bool, or per engine
    unfixable: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    setup: object = ()
    only: tuple[str, ...] = ENGINES
    after: dict[str, str] = field(default_factory=dict)


# Setups: objects some kinds need beyond the base schema, in natural DDL and in the spec alike.
VIEW_SQL = "select users.id, users.email from users where users.status = 'active'"  # as snapshot prints it
VIEW_SPEC = spec("version: 1\n", f'version: 1\nviews:\n  active_users: "{VIEW_SQL}"\n')
MATVIEW_SETUP = (spec("version: 1\n", "version: 1\nviews:\n  user_emails:\n    definition: select users.id, users.email from users\n"
                                   "    materialized: true\n    indexes: ['CREATE UNIQUE INDEX user_emails_id ON user_emails (id)']\n"),
                 sql("CREATE MATERIALIZED VIEW user_emails AS SELECT id, email FROM users",
                     "CREATE UNIQUE INDEX user_emails_id ON user_emails (id)"))
VIEW_SETUP = (VIEW_SPEC, engines(
    # SQLite keeps the CREATE VIEW text as written; Postgres stores its own rewrite of it.
    sql("CREATE VIEW active_users AS SELECT users.id, users.email FROM users WHERE users.status = 'active'"),
    sql("CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active'")))
ENUM_SETUP = (
    spec("version: 1\n", "version: 1\nenums:\n  order_status: [new, paid, shipped]\n"),
    spec("      created_at:", "      state: {type: order_status, default: \"'new'\"}\n      created_at:"),
    sql("CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped')",
        "ALTER TABLE orders ADD COLUMN state order_status DEFAULT 'new'"))
SEQUENCE_SETUP = (spec("version: 1\n", "version: 1\nsequences:\n  invoice_number: {start: 1000}\n"),
                  sql("CREATE SEQUENCE invoice_number START 1000"))
INDEX_COMMENT_SETUP = (spec("ux_users_email: {columns: [email], unique: true}",
                            "ux_users_email: {columns: [email], unique: true, comment: emails}"),
                       sql("COMMENT ON INDEX ux_users_email IS 'emails'"))
OWNED_SEQUENCE_SETUP = (spec("version: 1\n", "version: 1\nsequences:\n  invoice_number: {start: 1000, owned_by: orders.id}\n"),
                        sql("CREATE SEQUENCE invoice_number START 1000 OWNED BY orders.id"))
EXTENSION_SETUP = (spec("version: 1\n", "version: 1\nextensions: [pg_trgm]\n"), sql("CREATE EXTENSION pg_trgm"))
EXTENSION_SCHEMA_SETUP = (spec("version: 1\n", "version: 1\nextensions: [{name: pg_trgm, schema: ext}]\n"),
                          sql("CREATE SCHEMA ext", "CREATE EXTENSION pg_trgm SCHEMA ext"))
FUNCTION_SQL = "CREATE FUNCTION order_total(u integer) RETURNS numeric LANGUAGE sql STABLE AS 'SELECT sum(total) FROM orders WHERE user_id = u'"
FUNCTION_SETUP = (spec("version: 1\n", f"version: 1\nfunctions:\n  - {FUNCTION_SQL}\n"), sql(FUNCTION_SQL))
DOMAIN_SETUP = (spec("version: 1\n", "version: 1\ndomains:\n  positive: {type: 'numeric(10,2)', default: 1, "
                                   "checks: {positive_check: VALUE > 0}}\n"),
                sql("CREATE DOMAIN positive AS numeric(10,2) DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0)"))
COMPOSITE_SETUP = (spec("version: 1\n", "version: 1\ncomposite_types:\n  money_pair: {attributes: {amount: 'numeric(10,2)', "
                                      "currency: text}}\n"),
                   sql("CREATE TYPE money_pair AS (amount numeric(10,2), currency text)"))
RANGE_SETUP = (spec("version: 1\n", "version: 1\nrange_types:\n  floatrange: {subtype: float8, subtype_diff: float8mi}\n"),
               sql("CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi)"))
_ACTIVE_INDEX = "      idx_users_active: {columns: [email], where: \"status = 'active'\"}\n"
EXCLUSION_SETUP = (spec(_ACTIVE_INDEX, _ACTIVE_INDEX + "    exclusions:\n      users_email_excl: {using: btree, elements: [email WITH =]}\n"),
                   sql("ALTER TABLE users ADD CONSTRAINT users_email_excl EXCLUDE USING btree (email WITH =)"))
# A trigger on orders (Postgres: with its function), and row-level security with a policy.
TRIGGER_FUNCTION_SQL = "CREATE FUNCTION orders_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
TRIGGER_SQL = engines(
    "CREATE TRIGGER orders_check BEFORE UPDATE ON orders WHEN NEW.total < 0 BEGIN SELECT RAISE(ABORT, 'negative'); END",
    "CREATE TRIGGER orders_check BEFORE UPDATE ON orders FOR EACH ROW WHEN (NEW.total < 0) EXECUTE FUNCTION orders_audit()")
TRIGGER_FUNCTION_SETUP = (spec("version: 1\n", f"version: 1\nfunctions:\n  - {TRIGGER_FUNCTION_SQL}\n"),
                          sql(TRIGGER_FUNCTION_SQL))
TRIGGER_SETUP = engines(
    (spec("    primary_key: [id]\n", f"    primary_key: [id]\n    triggers:\n      orders_check: {json.dumps(TRIGGER_SQL['sqlite'])}\n"),
     sql(TRIGGER_SQL["sqlite"])),
    (*TRIGGER_FUNCTION_SETUP,
     spec("    primary_key: [id]\n", f"    primary_key: [id]\n    triggers:\n      orders_check: {json.dumps(TRIGGER_SQL['postgresql'])}\n"),
     sql(TRIGGER_SQL["postgresql"])))
POLICY_SETUP = (spec("    primary_key: [id]\n", "    primary_key: [id]\n    row_security: true\n"
                                              "    policies: {orders_mine: {using: total >= 0}}\n"),
                sql("ALTER TABLE orders ENABLE ROW LEVEL SECURITY", "CREATE POLICY orders_mine ON orders USING (total >= 0)"))
# Grants and owners (opt-in): roles live in the cluster, made once by whichever test comes first.
GRANT_ROLES = tuple(f"DO $$ BEGIN CREATE ROLE {r}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
                    for r in ("auditor_app", "auditor_admin"))
GRANT_SETUP = (spec("version: 1\n", "version: 1\nowners: {table orders: auditor_admin}\n"
                                   "grants:\n  - GRANT SELECT, UPDATE (total) ON orders TO auditor_app\n"),
               sql(*GRANT_ROLES, "ALTER TABLE orders OWNER TO auditor_admin",
                   "GRANT SELECT, UPDATE (total) ON orders TO auditor_app"))
CHECK_SETUP = (
    spec("    primary_key: [id]\n", '    primary_key: [id]\n    checks: {ck_orders_total: "total >= 0"}\n'),
    engines(rebuild("orders", "DEFAULT CURRENT_TIMESTAMP", "DEFAULT CURRENT_TIMESTAMP, CONSTRAINT ck_orders_total CHECK (total >= 0)"),
            sql("ALTER TABLE orders ADD CONSTRAINT ck_orders_total CHECK (total >= 0)")))
UNIQUE_SETUP = (
    spec("    indexes:\n      ux_users_email", "    unique: {uq_users_email_status: [email, status]}\n    indexes:\n      ux_users_email"),
    engines(rebuild("users", "DEFAULT 'active'", "DEFAULT 'active', CONSTRAINT uq_users_email_status UNIQUE (email, status)"),
            sql("ALTER TABLE users ADD CONSTRAINT uq_users_email_status UNIQUE (email, status)")))
FK_SETUP = (
    spec("user_id: {type: integer, references: users.id}", "user_id: integer"),
    spec("    primary_key: [id]\n", "    primary_key: [id]\n    foreign_keys:\n"
                                   "      fk_orders_user: {columns: [user_id], references: users(id), on_delete: cascade}\n"),
    sql("ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey",
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"))
GENERATED_SETUP = (
    spec("      created_at:", '      total_cents: {type: numeric, generated: "total * 100"}\n      created_at:'),
    engines(sql("ALTER TABLE orders ADD COLUMN total_cents NUMERIC GENERATED ALWAYS AS (total * 100) VIRTUAL"),
            sql("ALTER TABLE orders ADD COLUMN total_cents NUMERIC GENERATED ALWAYS AS (total * 100) STORED")))
IDENTITY_SETUP = (spec("id: {type: integer, primary_key: true}", "id: {type: integer, primary_key: true, identity: by default}"),
                  sql("ALTER TABLE users ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"))
COMMENT_SETUP = (spec("email: {type: varchar(255), nullable: false}", "email: {type: varchar(255), nullable: false, comment: Login e-mail}"),
                 sql("COMMENT ON COLUMN users.email IS 'Login e-mail'"))
EMAIL_CHECK_SETUP = (
    spec("    indexes:\n      ux_users_email", "    checks: {ck_users_email: \"email <> ''\"}\n    indexes:\n      ux_users_email"),
    engines(rebuild("users", "DEFAULT 'active'", "DEFAULT 'active', CONSTRAINT ck_users_email CHECK (email <> '')"),
            sql("ALTER TABLE users ADD CONSTRAINT ck_users_email CHECK (email <> '')")))
# users.email renamed to email_address in the spec, with the indexes that name it.
RENAME_EMAIL = (
    spec("email: {type: varchar(255), nullable: false}", "email_address: {type: varchar(255), nullable: false, renamed_from: email}"),
    spec("ux_users_email: {columns: [email]", "ux_users_email: {columns: [email_address]"),
    spec("idx_users_active: {columns: [email]", "idx_users_active: {columns: [email_address]"))
UNNAMED_CHECK = check_name(Table("orders"), raw_expr("total >= 0"))
# A partitioned table with a partition, and an inheritance child of users.
PARTITION_SETUP = (
    spec("tables:\n", "tables:\n  events:\n    partition_by: range (id)\n    columns: {id: integer, note: text}\n"
                      "  events_low:\n    partition_of: events\n    for_values: FROM (0) TO (1000)\n"
                      "  staff:\n    inherits: [users]\n    columns: {badge: text}\n"),
    sql("CREATE TABLE events (id integer, note text) PARTITION BY RANGE (id)",
        "CREATE TABLE events_low PARTITION OF events FOR VALUES FROM (0) TO (1000)",
        "INSERT INTO events VALUES (1, 'one')", "CREATE TABLE staff (badge text) INHERITS (users)"))

CASES = [
    Case("missing_table", "missing_table", "orders", None, sql("DROP TABLE orders"), engines("CREATE TABLE IF NOT EXISTS orders (", ("CREATE TABLE IF NOT EXISTS public.orders (", "CREATE INDEX IF NOT EXISTS idx_orders_big ON public.orders (user_id, total) WHERE total > 100")), lost=("orders",)),
    Case("extra_table", "extra_table", "tmp_import", None, sql("CREATE TABLE tmp_import (id INTEGER PRIMARY KEY, payload TEXT)", "INSERT INTO tmp_import VALUES (1, 'x')"), engines("DROP TABLE IF EXISTS tmp_import", "DROP TABLE IF EXISTS public.tmp_import"), destructive=True),
    Case("missing_column_dropped", "missing_column", "orders", "created_at", sql("ALTER TABLE orders DROP COLUMN created_at"), engines(REBUILD, "ALTER TABLE public.orders ADD COLUMN IF NOT EXISTS created_at timestamp DEFAULT CURRENT_TIMESTAMP"), destructive=engines(True, False)),
    Case("missing_column_spec", "missing_column", "orders", "note", spec("      total:", "      note: text\n      total:"), engines("ALTER TABLE orders ADD COLUMN note TEXT", "ALTER TABLE public.orders ADD COLUMN IF NOT EXISTS note text")),
    Case("missing_column_not_null", "missing_column", "orders", "code", spec("      total:", "      code: {type: varchar(10), nullable: false}\n      total:"), engines(REBUILD, "-- missing_column orders.code"), unfixable=ENGINES),
    Case("extra_column", "extra_column", "users", "nickname", sql("ALTER TABLE users ADD COLUMN nickname VARCHAR(50)"), engines("ALTER TABLE users DROP COLUMN nickname", "ALTER TABLE public.users DROP COLUMN IF EXISTS nickname"), destructive=True),
    Case("extra_unique_column", "extra_column", "users", "code", engines(rebuild("users", "DEFAULT 'active'", "DEFAULT 'active', code TEXT UNIQUE"), sql("ALTER TABLE users ADD COLUMN code TEXT UNIQUE")), engines(REBUILD, "ALTER TABLE public.users DROP COLUMN IF EXISTS code"), destructive=True),
    Case("type_mismatch", "type_mismatch", "users", "status", engines(rebuild("users", "status VARCHAR(20)", "status VARCHAR(40)"), sql("ALTER TABLE users ALTER COLUMN status TYPE VARCHAR(40)")), engines(REBUILD, "ALTER TABLE public.users ALTER COLUMN status DROP DEFAULT, ALTER COLUMN status TYPE varchar(20) USING status::varchar(20), ALTER COLUMN status SET DEFAULT 'active'"), destructive=True),
    Case("type_mismatch_spec", "type_mismatch", "orders", "user_id", spec("user_id: {type: integer,", "user_id: {type: bigint,"), engines(REBUILD, "ALTER TABLE public.orders ALTER COLUMN user_id TYPE bigint USING user_id::bigint"), destructive=True),
    Case("set_not_null", "nullable_mismatch", "users", "email", engines(rebuild("users", "email VARCHAR(255) NOT NULL", "email VARCHAR(255)"), sql("ALTER TABLE users ALTER COLUMN email DROP NOT NULL")), engines(REBUILD, "ALTER TABLE public.users ALTER COLUMN email SET NOT NULL"), destructive=True),
    Case("drop_not_null", "nullable_mismatch", "users", "status", engines(rebuild("users", "status VARCHAR(20)", "status VARCHAR(20) NOT NULL"), sql("ALTER TABLE users ALTER COLUMN status SET NOT NULL")), engines(REBUILD, "ALTER TABLE public.users ALTER COLUMN status DROP NOT NULL"), destructive=engines(True, False)),
    Case("set_default", "default_mismatch", "users", "status", engines(rebuild("users", "DEFAULT 'active'", "DEFAULT 'pending'"), sql("ALTER TABLE users ALTER COLUMN status SET DEFAULT 'pending'")), engines(REBUILD, "ALTER TABLE public.users ALTER COLUMN status SET DEFAULT 'active'"), destructive=engines(True, False)),
    Case("drop_default_spec", "default_mismatch", "orders", "created_at", spec("created_at: {type: timestamp, default: CURRENT_TIMESTAMP}", "created_at: timestamp"), engines(REBUILD, "ALTER TABLE public.orders ALTER COLUMN created_at DROP DEFAULT"), destructive=engines(True, False)),
    Case("primary_key_dropped", "primary_key_mismatch", "orders", None, engines(rebuild("orders", "id INTEGER PRIMARY KEY", "id INTEGER NOT NULL"), sql("ALTER TABLE orders DROP CONSTRAINT orders_pkey")), engines(REBUILD, "PRIMARY KEY (id);"), destructive=True),
    Case("primary_key_spec", "primary_key_mismatch", "orders", None, spec("primary_key: [id]", "primary_key: [id, total]"), engines(REBUILD, ("ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_pkey", "PRIMARY KEY (id, total);")), destructive=True),
    Case("missing_index", "missing_index", "orders", "idx_orders_user", sql("DROP INDEX idx_orders_user"), engines("CREATE INDEX IF NOT EXISTS idx_orders_user ON orders (user_id)", "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user ON public.orders (user_id)")),
    Case("missing_partial_index", "missing_index", "users", "idx_users_active", sql("DROP INDEX idx_users_active"), engines("CREATE INDEX IF NOT EXISTS idx_users_active ON users (email) WHERE status = 'active'", "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_active ON public.users (email) WHERE status = 'active'")),
    Case("extra_index", "extra_index", "orders", "idx_orders_created", sql("CREATE INDEX idx_orders_created ON orders (created_at)"), engines("DROP INDEX IF EXISTS idx_orders_created", "DROP INDEX CONCURRENTLY IF EXISTS public.idx_orders_created"), destructive=True),
    Case("index_mismatch_where", "index_mismatch", "orders", "idx_orders_big", sql("DROP INDEX idx_orders_big", "CREATE INDEX idx_orders_big ON orders (user_id, total) WHERE total > 500"), engines(("DROP INDEX IF EXISTS idx_orders_big", "CREATE INDEX IF NOT EXISTS idx_orders_big ON orders (user_id, total) WHERE total > 100"), ("DROP INDEX CONCURRENTLY IF EXISTS public.idx_orders_big", "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_big ON public.orders (user_id, total) WHERE total > 100")), destructive=True),
    Case("index_mismatch_unique", "index_mismatch", "users", "ux_users_email", sql("DROP INDEX ux_users_email", "CREATE INDEX ux_users_email ON users (email)"), engines(("DROP INDEX IF EXISTS ux_users_email", "CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email ON users (email)"), ("DROP INDEX CONCURRENTLY IF EXISTS public.ux_users_email", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux_users_email ON public.users (email)")), destructive=True),
    Case("missing_foreign_key", "missing_foreign_key", "orders", "orders_user_id_fkey", engines(rebuild("orders", " REFERENCES users (id)", ""), sql("ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey")), engines(REBUILD, "ALTER TABLE public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id)"), destructive=True),
    Case("extra_foreign_key", "extra_foreign_key", "orders", "fk_orders_user_cascade", engines(rebuild("orders", "DEFAULT CURRENT_TIMESTAMP", "DEFAULT CURRENT_TIMESTAMP, CONSTRAINT fk_orders_user_cascade FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"), sql("ALTER TABLE orders ADD CONSTRAINT fk_orders_user_cascade FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE")), engines(REBUILD, "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS fk_orders_user_cascade"), destructive=True),
    # Renames: the rows must be there under the new name afterwards.
    Case("renamed_table", "renamed_table", "purchases", None, spec("  orders:\n", "  purchases:\n    renamed_from: orders\n"), engines("ALTER TABLE orders RENAME TO purchases", "ALTER TABLE IF EXISTS public.orders RENAME TO purchases"), after={"orders": "SELECT id, user_id, total FROM purchases ORDER BY id"}, destructive=True),
    Case("renamed_referenced_table", "renamed_table", "accounts", None, (spec("  users:\n", "  accounts:\n    renamed_from: users\n"), spec("references: users.id", "references: accounts.id")), engines("ALTER TABLE users RENAME TO accounts", "ALTER TABLE IF EXISTS public.users RENAME TO accounts"), after={"users": "SELECT id, email, status FROM accounts ORDER BY id"}, destructive=True),
    Case("renamed_column", "renamed_column", "users", "email_address", RENAME_EMAIL, engines("ALTER TABLE users RENAME COLUMN email TO email_address", "ALTER TABLE public.users RENAME COLUMN email TO email_address"), after={"users": "SELECT id, email_address, status FROM users ORDER BY id"}, destructive=True),
    Case("renamed_column_in_check", "renamed_column", "users", "email_address", (*RENAME_EMAIL, edit("ck_users_email: \"email <> ''\"", "ck_users_email: \"email_address <> ''\"")), engines("ALTER TABLE users RENAME COLUMN email TO email_address", "ALTER TABLE public.users RENAME COLUMN email TO email_address"), setup=EMAIL_CHECK_SETUP, after={"users": "SELECT id, email_address, status FROM users ORDER BY id"}, destructive=True),
    Case("renamed_column_in_index_predicate", "renamed_column", "users", "state", (spec("status: {type: varchar(20), default: \"'active'\"}", "state: {type: varchar(20), default: \"'active'\", renamed_from: status}"), spec("where: \"status = 'active'\"", "where: \"state = 'active'\"")), engines("ALTER TABLE users RENAME COLUMN status TO state", "ALTER TABLE public.users RENAME COLUMN status TO state"), after={"users": "SELECT id, email, state FROM users ORDER BY id"}, destructive=True),
    # Column attributes: identity, generated, collation, comment.
    Case("identity_mismatch", "identity_mismatch", "users", "id", engines(spec("id: {type: integer, primary_key: true}", "id: {type: integer, primary_key: true, identity: autoincrement}"), spec("id: {type: integer, primary_key: true}", "id: {type: integer, primary_key: true, identity: by default}")), engines(REBUILD, "ALTER TABLE public.users ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"), destructive=True),
    Case("identity_autoincrement_live", "identity_mismatch", "users", "id", rebuild("users", "id INTEGER PRIMARY KEY", "id INTEGER PRIMARY KEY AUTOINCREMENT"), REBUILD, only=SQLITE_ONLY, destructive=engines(True, False)),
    Case("identity_always_live", "identity_mismatch", "users", "id", sql("ALTER TABLE users ALTER COLUMN id SET GENERATED ALWAYS"), "ALTER TABLE public.users ALTER COLUMN id SET GENERATED BY DEFAULT", setup=IDENTITY_SETUP, only=PG_ONLY),
    Case("identity_dropped_spec", "identity_mismatch", "users", "id", edit("identity: by default}", "}"), "ALTER TABLE public.users ALTER COLUMN id DROP IDENTITY IF EXISTS", destructive=True, setup=IDENTITY_SETUP, only=PG_ONLY),
    Case("generated_mismatch", "generated_mismatch", "orders", "total_cents", edit('generated: "total * 100"', 'generated: "total * 1000"'), engines(REBUILD, "-- manual: Postgres cannot change this in place"), unfixable=("postgresql",), setup=GENERATED_SETUP, destructive=engines(True, False)),
    Case("generated_dropped_spec", "generated_mismatch", "orders", "total_cents", edit('total_cents: {type: numeric, generated: "total * 100"}', "total_cents: numeric"), engines(REBUILD, "ALTER TABLE public.orders ALTER COLUMN total_cents DROP EXPRESSION IF EXISTS"), setup=GENERATED_SETUP, destructive=engines(True, False)),
    Case("collation_mismatch", "collation_mismatch", "users", "email", engines(rebuild("users", "email VARCHAR(255) NOT NULL", "email VARCHAR(255) NOT NULL COLLATE NOCASE"), sql('ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(255) COLLATE "C"')), engines(REBUILD, 'ALTER TABLE public.users ALTER COLUMN email TYPE varchar(255) COLLATE "default"'), destructive=True),
    Case("collation_mismatch_under_view", "collation_mismatch", "users", "email", engines((sql("DROP VIEW active_users"), rebuild("users", "email VARCHAR(255) NOT NULL", "email VARCHAR(255) NOT NULL COLLATE NOCASE"), VIEW_SETUP[1]["sqlite"]), sql("DROP VIEW active_users", 'ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(255) COLLATE "C"', "CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active'")), engines(REBUILD, 'ALTER TABLE public.users ALTER COLUMN email TYPE varchar(255) COLLATE "default"'), destructive=True, setup=VIEW_SETUP),
    Case("collation_spec_quoted", "collation_mismatch", "users", "email", engines(spec("email: {type: varchar(255), nullable: false}", "email: {type: varchar(255), nullable: false, collation: nocase}"), spec("email: {type: varchar(255), nullable: false}", "email: {type: varchar(255), nullable: false, collation: en-US-x-icu}")), engines(REBUILD, 'ALTER TABLE public.users ALTER COLUMN email TYPE varchar(255) COLLATE "en-US-x-icu"'), destructive=True),
    Case("comment_mismatch", "comment_mismatch", "users", None, spec("  users:\n", "  users:\n    comment: People's accounts\n"), "COMMENT ON TABLE public.users IS 'People''s accounts'", only=PG_ONLY),
    Case("comment_column_live", "comment_mismatch", "users", "email", sql("COMMENT ON COLUMN users.email IS 'old'"), "COMMENT ON COLUMN public.users.email IS 'Login e-mail'", setup=COMMENT_SETUP, only=PG_ONLY),
    # Unique and check constraints.
    Case("missing_unique", "missing_unique", "users", "users_email_key", spec("email: {type: varchar(255), nullable: false}", "email: {type: varchar(255), nullable: false, unique: true}"), engines(REBUILD, "ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE (email)"), destructive=True),
    Case("extra_unique", "extra_unique", "users", "users_email_key", engines(rebuild("users", "email VARCHAR(255) NOT NULL", "email VARCHAR(255) NOT NULL UNIQUE"), sql("ALTER TABLE users ADD UNIQUE (email)")), engines(REBUILD, "ALTER TABLE public.users DROP CONSTRAINT IF EXISTS users_email_key"), destructive=True),
    Case("unique_mismatch", "unique_mismatch", "users", "uq_users_email_status", edit("[email, status]}", "[status, email]}"), ("ALTER TABLE public.users DROP CONSTRAINT IF EXISTS uq_users_email_status", "ALTER TABLE public.users ADD CONSTRAINT uq_users_email_status UNIQUE (status, email)"), destructive=True, setup=UNIQUE_SETUP, only=PG_ONLY),
    Case("missing_check", "missing_check", "orders", "ck_orders_total", spec("    primary_key: [id]\n", '    primary_key: [id]\n    checks: {ck_orders_total: "total >= 0"}\n'), engines(REBUILD, "ALTER TABLE public.orders ADD CONSTRAINT ck_orders_total CHECK (total >= 0)"), destructive=True),
    Case("missing_check_violated", "missing_check", "orders", "ck_orders_total_positive", spec("    primary_key: [id]\n", '    primary_key: [id]\n    checks: {ck_orders_total_positive: "total > 0"}\n'), engines(REBUILD, "ALTER TABLE public.orders ADD CONSTRAINT ck_orders_total_positive CHECK (total > 0)"), unfixable=ENGINES),
    Case("missing_check_unnamed", "missing_check", "orders", UNNAMED_CHECK, spec("total: {type: \"numeric(10,2)\", nullable: false, default: 0}", "total: {type: \"numeric(10,2)\", nullable: false, default: 0, check: \"total >= 0\"}"), engines(REBUILD, f"ALTER TABLE public.orders ADD CONSTRAINT {UNNAMED_CHECK} CHECK (total >= 0)"), destructive=True),
    Case("extra_check", "extra_check", "orders", "ck_orders_total", CHECK_SETUP[1], engines(REBUILD, "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS ck_orders_total"), destructive=True),
    Case("check_mismatch", "check_mismatch", "orders", "ck_orders_total", edit('"total >= 0"', '"total >= 0 AND total < 1000000"'), engines(REBUILD, ("ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS ck_orders_total", "ALTER TABLE public.orders ADD CONSTRAINT ck_orders_total CHECK (total >= 0 AND total < 1000000)")), destructive=True, setup=CHECK_SETUP),
    Case("foreign_key_mismatch", "foreign_key_mismatch", "orders", "fk_orders_user", edit("on_delete: cascade", "on_delete: set null"), ("ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS fk_orders_user", "ALTER TABLE public.orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL"), destructive=True, setup=FK_SETUP, only=PG_ONLY),
    Case("check_not_validated", "constraint_not_validated", "orders", "ck_orders_total", sql("ALTER TABLE orders DROP CONSTRAINT ck_orders_total", "ALTER TABLE orders ADD CONSTRAINT ck_orders_total CHECK (total >= 0) NOT VALID"), "ALTER TABLE public.orders VALIDATE CONSTRAINT ck_orders_total", destructive=True, setup=CHECK_SETUP, only=PG_ONLY),
    Case("foreign_key_not_validated", "constraint_not_validated", "orders", "fk_orders_user", sql("ALTER TABLE orders DROP CONSTRAINT fk_orders_user", "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID"), "ALTER TABLE public.orders VALIDATE CONSTRAINT fk_orders_user", destructive=True, setup=FK_SETUP, only=PG_ONLY),
    # Partitions and inheritance children.
    Case("partition_detached", "partition_mismatch", "events_low", "partition_of", sql("ALTER TABLE events DETACH PARTITION events_low"), "ALTER TABLE public.events ATTACH PARTITION public.events_low FOR VALUES FROM (0) TO (1000)", destructive=True, setup=PARTITION_SETUP, only=PG_ONLY),
    Case("partition_bounds_spec", "partition_mismatch", "events_low", "partition_of", edit("FROM (0) TO (1000)", "FROM (0) TO (2000)"), ("ALTER TABLE public.events DETACH PARTITION public.events_low", "ALTER TABLE public.events ATTACH PARTITION public.events_low FOR VALUES FROM (0) TO (2000)"), destructive=True, setup=PARTITION_SETUP, only=PG_ONLY),
    Case("missing_partition", "missing_table", "events_low", None, sql("ALTER TABLE events DETACH PARTITION events_low", "DROP TABLE events_low"), "CREATE TABLE IF NOT EXISTS public.events_low PARTITION OF public.events FOR VALUES FROM (0) TO (1000)", setup=PARTITION_SETUP, only=PG_ONLY),
    Case("partition_key_spec", "partition_mismatch", "events", "partition_by", edit("range (id)", "list (id)"), "-- manual: public.events's partition key cannot change in place", unfixable=("postgresql",), setup=PARTITION_SETUP, only=PG_ONLY),
    Case("inheritance_dropped", "partition_mismatch", "staff", "inherits", sql("ALTER TABLE staff NO INHERIT users"), "ALTER TABLE public.staff INHERIT public.users", destructive=True, setup=PARTITION_SETUP, only=PG_ONLY),
    # Schemas the spec manages.
    Case("missing_schema", "missing_schema", "archive", None, spec("version: 1\n", "version: 1\nschemas: [public, archive]\n"), "CREATE SCHEMA IF NOT EXISTS archive", only=PG_ONLY),
    # SQLite table kinds: the rebuild makes users WITHOUT ROWID (its rows keep their keys).
    Case("table_kind_mismatch", "table_kind_mismatch", "users", None, spec("  users:\n    columns:\n", "  users:\n    without_rowid: true\n    columns:\n"), (REBUILD, ") WITHOUT ROWID;"), destructive=True, only=SQLITE_ONLY),
    # Enums, views, sequences, extensions.
    Case("missing_enum", "missing_enum", "order_status", None, ENUM_SETUP[0], "CREATE TYPE public.order_status AS ENUM ('new', 'paid', 'shipped');", only=PG_ONLY),
    Case("extra_enum", "extra_enum", "order_status", None, sql("CREATE TYPE order_status AS ENUM ('new', 'paid')"), "DROP TYPE IF EXISTS public.order_status", destructive=True, only=PG_ONLY),
    Case("enum_values_mismatch", "enum_values_mismatch", "order_status", None, edit("[new, paid, shipped]", "[new, paid, packed, shipped]"), "ALTER TYPE public.order_status ADD VALUE IF NOT EXISTS 'packed' AFTER 'paid'", setup=ENUM_SETUP, only=PG_ONLY),
    Case("enum_value_removed", "enum_values_mismatch", "order_status", None, edit("[new, paid, shipped]", "[new, shipped]"), "-- manual: Postgres cannot remove or reorder enum values in place", unfixable=("postgresql",), setup=ENUM_SETUP, only=PG_ONLY),
    Case("missing_view", "missing_view", "active_users", None, VIEW_SPEC, engines(f"CREATE VIEW IF NOT EXISTS active_users AS {VIEW_SQL}", f"CREATE OR REPLACE VIEW public.active_users AS {VIEW_SQL}")),
    Case("extra_view", "extra_view", "active_users", None, sql("CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active'"), engines("DROP VIEW IF EXISTS active_users", "DROP VIEW IF EXISTS public.active_users"), destructive=True),
    Case("view_mismatch", "view_mismatch", "active_users", None, edit("users.id, users.email from", "users.id, users.email, users.status from"), engines(("DROP VIEW IF EXISTS active_users", "CREATE VIEW IF NOT EXISTS active_users AS select users.id, users.email, users.status from users"), ("DROP VIEW IF EXISTS public.active_users", "CREATE OR REPLACE VIEW public.active_users AS select users.id, users.email, users.status from users")), destructive=True, setup=VIEW_SETUP),
    Case("view_mismatch_live", "view_mismatch", "active_users", None, engines(sql("DROP VIEW active_users", "CREATE VIEW active_users AS SELECT users.id, users.email FROM users"), sql("CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users")), engines(("DROP VIEW IF EXISTS active_users", f"CREATE VIEW IF NOT EXISTS active_users AS {VIEW_SQL}"), ("DROP VIEW IF EXISTS public.active_users", f"CREATE OR REPLACE VIEW public.active_users AS {VIEW_SQL}")), destructive=True, setup=VIEW_SETUP),
    Case("view_to_materialized", "view_mismatch", "active_users", None, edit(f'active_users: "{VIEW_SQL}"', f'active_users: {{definition: "{VIEW_SQL}", materialized: true}}'), ("DROP VIEW IF EXISTS public.active_users", f"CREATE MATERIALIZED VIEW IF NOT EXISTS public.active_users AS {VIEW_SQL}"), destructive=True, setup=VIEW_SETUP, only=PG_ONLY),
    Case("missing_view_index", "missing_view_index", "user_emails", "user_emails_id", sql("DROP INDEX user_emails_id"), "CREATE UNIQUE INDEX IF NOT EXISTS user_emails_id ON user_emails (id)", destructive=True, setup=MATVIEW_SETUP, only=PG_ONLY),
    Case("extra_view_index", "extra_view_index", "user_emails", "user_emails_email", sql("CREATE INDEX user_emails_email ON user_emails (email)"), "DROP INDEX IF EXISTS public.user_emails_email", destructive=True, setup=MATVIEW_SETUP, only=PG_ONLY),
    Case("view_index_mismatch", "view_index_mismatch", "user_emails", "user_emails_id", sql("DROP INDEX user_emails_id", "CREATE INDEX user_emails_id ON user_emails (id)"), ("DROP INDEX IF EXISTS public.user_emails_id", "CREATE UNIQUE INDEX IF NOT EXISTS user_emails_id"), destructive=True, setup=MATVIEW_SETUP, only=PG_ONLY),
    Case("missing_sequence", "missing_sequence", "invoice_number", None, SEQUENCE_SETUP[0], "CREATE SEQUENCE IF NOT EXISTS public.invoice_number AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1000 NO CYCLE", only=PG_ONLY),
    Case("extra_sequence", "extra_sequence", "invoice_number", None, SEQUENCE_SETUP[1], "DROP SEQUENCE IF EXISTS public.invoice_number", destructive=True, only=PG_ONLY),
    Case("sequence_mismatch", "sequence_mismatch", "invoice_number", None, sql("ALTER SEQUENCE invoice_number INCREMENT BY 10"), "ALTER SEQUENCE public.invoice_number AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1000 NO CYCLE", setup=SEQUENCE_SETUP, only=PG_ONLY, destructive=True),
    Case("index_comment_mismatch", "index_comment_mismatch", "users", "ux_users_email", sql("COMMENT ON INDEX ux_users_email IS 'old'"), "COMMENT ON INDEX public.ux_users_email IS 'emails'", setup=INDEX_COMMENT_SETUP, only=PG_ONLY),
    Case("sequence_owner", "sequence_mismatch", "invoice_number", None, sql("ALTER SEQUENCE invoice_number OWNED BY NONE"), "ALTER SEQUENCE public.invoice_number OWNED BY public.orders.id", setup=OWNED_SEQUENCE_SETUP, only=PG_ONLY),
    Case("missing_owned_sequence", "missing_sequence", "invoice_number", None, OWNED_SEQUENCE_SETUP[0], ("CREATE SEQUENCE IF NOT EXISTS public.invoice_number", "ALTER SEQUENCE public.invoice_number OWNED BY public.orders.id"), only=PG_ONLY),
    Case("sequence_type_spec", "sequence_mismatch", "invoice_number", None, edit("{start: 1000}", "{start: 1000, type: integer}"), "ALTER SEQUENCE public.invoice_number AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1000 NO CYCLE", setup=SEQUENCE_SETUP, only=PG_ONLY, destructive=True),
    Case("missing_extension", "missing_extension", "pg_trgm", None, EXTENSION_SETUP[0], "CREATE EXTENSION IF NOT EXISTS pg_trgm", only=PG_ONLY),
    Case("extra_extension", "extra_extension", "hstore", None, sql("CREATE EXTENSION hstore"), "DROP EXTENSION IF EXISTS hstore", destructive=True, setup=EXTENSION_SETUP, only=PG_ONLY),
    Case("extension_schema_mismatch", "extension_schema_mismatch", "pg_trgm", None, sql("ALTER EXTENSION pg_trgm SET SCHEMA public"), "ALTER EXTENSION pg_trgm SET SCHEMA ext", destructive=True, setup=EXTENSION_SCHEMA_SETUP, only=PG_ONLY),
    Case("missing_extension_in_schema", "missing_extension", "pg_trgm", None, EXTENSION_SCHEMA_SETUP[0], ("CREATE SCHEMA IF NOT EXISTS ext", "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA ext"), only=PG_ONLY),
    # Functions and procedures.
    Case("missing_function", "missing_function", "order_total(integer)", None, FUNCTION_SETUP[0], "CREATE OR REPLACE FUNCTION order_total(u integer)", only=PG_ONLY),
    Case("extra_function", "extra_function", "order_total(integer)", None, FUNCTION_SETUP[1], "DROP FUNCTION IF EXISTS public.order_total(integer)", destructive=True, only=PG_ONLY),
    Case("function_mismatch", "function_mismatch", "order_total(integer)", None, sql("ALTER FUNCTION order_total(integer) VOLATILE"), ("SET LOCAL check_function_bodies = off", "CREATE OR REPLACE FUNCTION order_total(u integer)"), setup=FUNCTION_SETUP, only=PG_ONLY),
    Case("function_body_edited", "function_mismatch", "order_total(integer)", None, edit("WHERE user_id = u", "WHERE user_id = u AND total > 0"), "AND total > 0", setup=FUNCTION_SETUP, only=PG_ONLY),
    # Domains, composite types and exclusion constraints.
    Case("missing_domain", "missing_domain", "positive", None, DOMAIN_SETUP[0], "CREATE DOMAIN public.positive AS numeric(10,2) DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0)", only=PG_ONLY),
    Case("extra_domain", "extra_domain", "positive", None, DOMAIN_SETUP[1], "DROP DOMAIN IF EXISTS public.positive", destructive=True, only=PG_ONLY),
    Case("domain_mismatch", "domain_mismatch", "positive", "default", sql("ALTER DOMAIN positive SET DEFAULT 5"), "ALTER DOMAIN public.positive SET DEFAULT 1", setup=DOMAIN_SETUP, only=PG_ONLY),
    Case("domain_check_dropped", "domain_mismatch", "positive", "check positive_check", sql("ALTER DOMAIN positive DROP CONSTRAINT positive_check"), ("ALTER DOMAIN public.positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID", "ALTER DOMAIN public.positive VALIDATE CONSTRAINT positive_check"), destructive=True, setup=DOMAIN_SETUP, only=PG_ONLY),
    Case("missing_composite_type", "missing_composite_type", "money_pair", None, COMPOSITE_SETUP[0], "CREATE TYPE public.money_pair AS (amount numeric(10,2), currency text)", only=PG_ONLY),
    Case("extra_composite_type", "extra_composite_type", "money_pair", None, COMPOSITE_SETUP[1], "DROP TYPE IF EXISTS public.money_pair", destructive=True, only=PG_ONLY),
    Case("composite_type_mismatch", "composite_type_mismatch", "money_pair", "currency", sql("ALTER TYPE money_pair DROP ATTRIBUTE currency"), "ALTER TYPE public.money_pair ADD ATTRIBUTE currency text", setup=COMPOSITE_SETUP, only=PG_ONLY),
    Case("missing_range_type", "missing_range_type", "floatrange", None, RANGE_SETUP[0], "CREATE TYPE public.floatrange AS RANGE (subtype = double precision, subtype_diff = float8mi)", only=PG_ONLY),
    Case("extra_range_type", "extra_range_type", "floatrange", None, RANGE_SETUP[1], "DROP TYPE IF EXISTS public.floatrange", destructive=True, only=PG_ONLY),
    Case("range_type_mismatch", "range_type_mismatch", "floatrange", None, edit("{subtype: float8, subtype_diff: float8mi}", "{subtype: float8}"), "-- manual: ALTER TYPE cannot change a range type's", unfixable=PG_ONLY, setup=RANGE_SETUP, only=PG_ONLY),
    Case("missing_exclusion", "missing_exclusion", "users", "users_email_excl", EXCLUSION_SETUP[0], "ALTER TABLE public.users ADD CONSTRAINT users_email_excl EXCLUDE USING btree (email WITH =)", destructive=True, only=PG_ONLY),
    Case("extra_exclusion", "extra_exclusion", "users", "users_email_excl", EXCLUSION_SETUP[1], "ALTER TABLE public.users DROP CONSTRAINT IF EXISTS users_email_excl", destructive=True, only=PG_ONLY),
    Case("exclusion_mismatch", "exclusion_mismatch", "users", "users_email_excl", edit("elements: [email WITH =]}", "elements: [email WITH =], where: \"status = 'active'\"}"), ("ALTER TABLE public.users DROP CONSTRAINT IF EXISTS users_email_excl", "EXCLUDE USING btree (email WITH =) WHERE (status = 'active')"), destructive=True, setup=EXCLUSION_SETUP, only=PG_ONLY),
    # Triggers, row-level security and policies.
    Case("missing_trigger", "missing_trigger", "orders", "orders_check", engines(sql("DROP TRIGGER orders_check"), sql("DROP TRIGGER orders_check ON orders")), engines("CREATE TRIGGER IF NOT EXISTS orders_check BEFORE UPDATE", "CREATE TRIGGER orders_check BEFORE UPDATE ON orders"), setup=TRIGGER_SETUP),
    Case("extra_trigger", "extra_trigger", "orders", "orders_check", engines(sql(TRIGGER_SQL["sqlite"]), sql(TRIGGER_SQL["postgresql"])), engines("DROP TRIGGER IF EXISTS orders_check", "DROP TRIGGER IF EXISTS orders_check ON public.orders"), destructive=True, setup=engines((), TRIGGER_FUNCTION_SETUP)),
    Case("trigger_mismatch", "trigger_mismatch", "orders", "orders_check", edit("NEW.total < 0", "NEW.total < 1"), engines(("DROP TRIGGER IF EXISTS orders_check", "CREATE TRIGGER IF NOT EXISTS orders_check BEFORE UPDATE ON orders WHEN NEW.total < 1"), "CREATE OR REPLACE TRIGGER orders_check"), setup=TRIGGER_SETUP),
    Case("trigger_enabled_mismatch", "trigger_enabled_mismatch", "orders", "orders_check", sql("ALTER TABLE orders DISABLE TRIGGER orders_check"), "ALTER TABLE public.orders ENABLE TRIGGER orders_check", setup=TRIGGER_SETUP, only=PG_ONLY),
    Case("row_security_mismatch", "row_security_mismatch", "orders", "row_security", sql("ALTER TABLE orders ENABLE ROW LEVEL SECURITY"), "ALTER TABLE public.orders DISABLE ROW LEVEL SECURITY", only=PG_ONLY),
    Case("missing_policy", "missing_policy", "orders", "orders_mine", sql("DROP POLICY orders_mine ON orders"), "CREATE POLICY orders_mine ON public.orders FOR ALL TO PUBLIC USING (total >= 0)", setup=POLICY_SETUP, only=PG_ONLY),
    Case("extra_policy", "extra_policy", "orders", "stray", sql("CREATE POLICY stray ON orders USING (true)"), "DROP POLICY IF EXISTS stray ON public.orders", destructive=True, setup=POLICY_SETUP, only=PG_ONLY),
    Case("policy_mismatch", "policy_mismatch", "orders", "orders_mine", edit("using: total >= 0", "using: total > 0"), "ALTER POLICY orders_mine ON public.orders USING (total > 0)", setup=POLICY_SETUP, only=PG_ONLY),
    # Grants and owners, with privileges asked for.
    Case("missing_grant", "missing_grant", "orders", "UPDATE (total) to auditor_app", sql("REVOKE UPDATE (total) ON orders FROM auditor_app"), "GRANT UPDATE (total) ON TABLE public.orders TO auditor_app", setup=GRANT_SETUP, only=PG_ONLY),
    Case("extra_grant", "extra_grant", "orders", "DELETE to auditor_app", sql("GRANT DELETE ON orders TO auditor_app"), "REVOKE DELETE ON TABLE public.orders FROM auditor_app", destructive=True, setup=GRANT_SETUP, only=PG_ONLY),
    Case("owner_mismatch", "owner_mismatch", "orders", "owner", sql("ALTER TABLE orders OWNER TO auditor_app"), ("ALTER TABLE public.orders OWNER TO auditor_admin", "GRANT SELECT ON TABLE public.orders TO auditor_app"), destructive=True, setup=GRANT_SETUP, only=PG_ONLY),
    Case("extra_extension_empty_list", "extra_extension", "citext", None, sql("CREATE EXTENSION citext"), "DROP EXTENSION IF EXISTS citext", destructive=True, setup=spec("version: 1\n", "version: 1\nextensions: []\n"), only=PG_ONLY),
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


def snapshot(db: LiveDb, skip: tuple[str, ...] = (),
             after: dict[str, str] | None = None) -> dict[str, list[tuple[object, ...]]]:
    queries = {**SNAPSHOTS, **(after or {})}
    return {table: db.query(query) for table, query in queries.items() if table not in skip}


def mutate(db: LiveDb, spec_text: str, mutation: object) -> str:
    """Run a mutation (Sql, SpecEdit, or a tuple of them); returns the spec text it leaves."""
    for step in mutation if isinstance(mutation, tuple) else (mutation,):
        step = pick(step, db.dialect)
        if isinstance(step, SpecEdit):
            assert spec_text.count(step.old) == 1, step.old
            spec_text = spec_text.replace(step.old, step.new)
        else:
            assert isinstance(step, Sql), step
            db.execute(*step.statements)
    return spec_text


def start_case(case: Case, db: LiveDb, write_spec, request: pytest.FixtureRequest) -> tuple[str, dict]:
    """Skip engines the kind does not exist on, build the base and the case's
    setup, check the baseline is clean, then mutate; returns the spec path and the rows before."""
    if db.dialect not in case.only:
        pytest.skip(f"{case.kind} does not exist on {db.dialect}")
    build_base(db)
    spec_text = mutate(db, BASE_SPEC, pick(case.setup, db.dialect))
    spec_path = write_spec(spec_text)

    # Natural DDL audits clean against the equivalent spec: no false positives.
    assert_clean(db, spec_path)
    rows_before = snapshot(db)

    mutated = mutate(db, spec_text, pick(case.mutation, db.dialect))
    if mutated != spec_text:
        spec_path = write_spec(mutated, "mutated.yaml")
    return spec_path, rows_before


# ---------------------------------------------------------------------------------------------
# The table-driven test


# Only the engines a kind exists on: a kind an engine lacks is not a test to skip.
@pytest.mark.parametrize(("engine", "case"), [pytest.param(e, c, id=f"{e}-{c.id}") for c in CASES
                                              for e in ENGINES if e in c.only])
def test_drift_kind(engine: str, case: Case, write_spec, request: pytest.FixtureRequest) -> None:
    db = LiveDb(request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url"), engine)
    # 1. The base (and the case's setup) audits clean, then the mutation.
    spec_path, rows_before = start_case(case, db, write_spec, request)

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

    # 3. The plan holds the engine's fix (SQLite rebuilds what it cannot alter in place).
    plan = run_cli("plan", "--db", db.url, "--spec", spec_path)
    assert plan.code == failing_code, plan.out + plan.err
    fragments = pick(case.plan, db.dialect)
    for fragment in (fragments,) if isinstance(fragments, str) else fragments:
        assert fragment in plan.out, plan.out
    unfixable = db.dialect in case.unfixable
    if unfixable:
        assert "-- manual:" in plan.out or "MAY_FAIL_ON_EXISTING_DATA" in plan.out, plan.out
    destructive = pick(case.destructive, db.dialect)
    if destructive:
        assert "[hazards: " in plan.out, plan.out
    planned = json.loads(run_cli("plan", "--db", db.url, "--spec", spec_path, "--format", "json").out)
    statements = planned["databases"][0]["statements"]
    held = any(s["manual"] or set(s["hazards"]) - {"INDEX_BUILD"} for s in statements)
    # What the case says, not what the plan happens to do: a fix that lost its hazard fails here.
    assert held == bool(destructive or unfixable), statements

    # 4a. Apply without flags: hazardous and manual fixes are not run.
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

    # 4b. With every hazard allowed: clean, except what the rows make impossible.
    if unfixable:
        result = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes", "--allow-hazards", "all")
        assert result.code in (1, 2), result.out + result.err  # withheld, or failed and rolled back
        assert audit_json(db, spec_path)[1] == [expected]
    else:
        result, applied = apply_json(db, spec_path, "--allow-hazards", "all")
        assert items_of(applied["remaining"]) == [], applied
        assert result.code == 0, result.out
        assert_clean(db, spec_path)

    # 5. Rows inserted before the mutation are still there (under their new names, after a rename).
    assert snapshot(db, case.lost, case.after) == {t: rows for t, rows in rows_before.items() if t not in case.lost}


# ---------------------------------------------------------------------------------------------
# The printed Postgres script: idempotent, so running it twice with psql succeeds both times


PSQL_CASES = (
    "renamed_table", "renamed_column", "identity_mismatch", "identity_always_live", "identity_dropped_spec",
    "generated_dropped_spec", "collation_spec_quoted", "comment_mismatch", "missing_unique", "extra_unique",
    "unique_mismatch", "missing_check", "missing_check_unnamed", "extra_check", "check_mismatch",
    "foreign_key_mismatch", "missing_enum", "extra_enum", "enum_values_mismatch", "missing_view", "extra_view",
    "view_mismatch", "view_to_materialized", "missing_sequence", "extra_sequence", "sequence_mismatch",
    "missing_extension", "extra_extension", "partition_detached", "partition_bounds_spec", "missing_partition",
    "inheritance_dropped", "missing_schema",
    "missing_domain", "extra_domain", "domain_mismatch", "domain_check_dropped", "missing_composite_type",
    "extra_composite_type", "composite_type_mismatch", "missing_range_type", "extra_range_type", "missing_exclusion", "extra_exclusion", "exclusion_mismatch",
    "missing_grant", "extra_grant", "owner_mismatch",
)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if c.id in PSQL_CASES])
def test_printed_postgres_plan_runs_twice_with_psql(case: Case, pg_url: str, write_spec, tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    require_command("psql")
    db = LiveDb(pg_url, "postgresql")
    spec_path, rows_before = start_case(case, db, write_spec, request)
    plan = run_cli("plan", "--db", pg_url, "--spec", spec_path)
    assert plan.code in (0, 1) and ddl_lines(plan.out), plan.out + plan.err
    script = tmp_path / "plan.sql"
    script.write_text(plan.out)
    for attempt in ("first", "second"):
        done = run_psql(pg_url, script)
        assert done.returncode == 0, f"{attempt} run failed:\n{done.stderr}\n{plan.out}"
    assert_clean(db, spec_path)
    assert snapshot(db, case.lost, case.after) == {t: rows for t, rows in rows_before.items() if t not in case.lost}


def test_case_list_of_the_psql_test_names_real_cases() -> None:
    assert set(PSQL_CASES) <= {case.id for case in CASES}


# ---------------------------------------------------------------------------------------------
# Extensions, views, and what SQLite does not compare


def test_installed_extensions_are_not_compared_without_an_extensions_key(pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    build_base(db)
    db.execute("CREATE EXTENSION pg_trgm", "CREATE EXTENSION citext", "CREATE EXTENSION hstore")
    # No 'extensions:' key: installed ones are not compared, and what they bring (types, functions,
    # operators) is theirs, not drift.
    assert_clean(db, write_spec(BASE_SPEC))
    listed = spec("version: 1\n", "version: 1\nextensions: [citext, hstore, pg_trgm]\n")
    assert_clean(db, write_spec(BASE_SPEC.replace(listed.old, listed.new), "listed.yaml"))

    # Once the spec lists some, the others are extra (warnings); plpgsql, always there, never is.
    partial = write_spec(BASE_SPEC.replace("version: 1\n", "version: 1\nextensions: [pg_trgm]\n"), "partial.yaml")
    code, items, _ = audit_json(db, partial)
    assert (code, sorted(items)) == (0, [("extra_extension", "citext", None), ("extra_extension", "hstore", None)])
    assert audit_json(db, partial, "--strict")[0] == 1
    result, applied = apply_json(db, partial)
    assert result.code == 0 and applied["executed"] == [] and len(applied["remaining"]) == 2, applied
    result, applied = apply_json(db, partial, "--allow-hazards", "all")
    assert result.code == 0 and applied["remaining"] == [], applied
    assert db.query("SELECT extname FROM pg_extension ORDER BY 1") == [("pg_trgm",), ("plpgsql",)]
    assert_clean(db, partial)
    assert_clean(db, write_spec(BASE_SPEC, "unlisted.yaml"))


def test_view_spelling_snapshot_and_natural(db: LiveDb, write_spec) -> None:
    build_base(db)
    db.execute("CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active'")
    printed = run_cli("snapshot", "--db", db.url)
    assert printed.code == 0, printed.err
    if db.dialect == "postgresql":  # Postgres stores its rewrite: that is what snapshot prints
        assert "users.status::text = 'active'::text" in yaml.safe_load(printed.out)["views"]["active_users"]
    assert_clean(db, write_spec(printed.out, "snapshot.yaml"))

    # A definition written the way the DDL was is the same query: clean on both engines.
    natural = write_spec(BASE_SPEC.replace(
        "version: 1\n", "version: 1\nviews:\n  active_users: \"SELECT id, email FROM users WHERE status = 'active'\"\n"),
        "natural.yaml")
    code, items, report = audit_json(db, natural, "--strict")
    assert (code, items) == (0, []), report
    # ... and a different one is drift.
    other = write_spec(BASE_SPEC.replace(
        "version: 1\n", "version: 1\nviews:\n  active_users: \"SELECT id, email FROM users WHERE status = 'gone'\"\n"),
        "other.yaml")
    code, items, report = audit_json(db, other, "--strict")
    assert (code, items) == (1, [("view_mismatch", "active_users", None)]), report


def test_postgres_only_spec_entries_are_not_compared_on_sqlite(sqlite_url: str, write_spec) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    build_base(db)
    text = mutate(db, BASE_SPEC, (ENUM_SETUP[0], SEQUENCE_SETUP[0], EXTENSION_SETUP[0], COMMENT_SETUP[0],
                                  spec("  users:\n", "  users:\n    comment: People\n"), IDENTITY_SETUP[0]))
    assert_clean(db, write_spec(text))


def test_identity_added_to_a_filled_table_hands_out_new_ids(pg_url: str, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    build_base(db)
    spec_path = write_spec(BASE_SPEC.replace("id: {type: integer, primary_key: true}",
                                             "id: {type: integer, primary_key: true, identity: by default}"))
    # Filling the new sequence from the rows reads the table under its lock: a hazard to allow.
    result, applied = apply_json(db, spec_path)
    assert result.code == 1 and applied["executed"] == [], applied
    result, applied = apply_json(db, spec_path, "--allow-hazards", "ACQUIRES_ACCESS_EXCLUSIVE_LOCK")
    assert result.code == 0 and applied["remaining"] == [], applied
    db.execute("INSERT INTO users (email) VALUES ('new@example.com')")
    assert db.query("SELECT id FROM users WHERE email = 'new@example.com'") == [(4,)]


# ---------------------------------------------------------------------------------------------
# Mutations that give two related items, whose fixes must be planned in a workable order


@dataclass(frozen=True)
class Combo:
    """SQL and/or a spec edit giving ``items`` (any order); ``remaining``: what apply
    --allow-hazards all must leave (per engine or shared)."""

    id: str
    sql: Sql | None
    spec_edit: SpecEdit | None
    items: tuple[tuple[str, str, object], ...]
    remaining: object = ()


PK_ITEMS = (("nullable_mismatch", "orders", "id"), ("primary_key_mismatch", "orders", None))
FLAG_ITEMS = (("type_mismatch", "users", "is_active"), ("default_mismatch", "users", "is_active"))
COMBOS = [
    Combo("drop_primary_key_and_not_null", None, spec("    primary_key: [id]\n", ""), PK_ITEMS),
    Combo("extra_tables_with_foreign_key", sql("CREATE TABLE tmp_a (id INTEGER PRIMARY KEY)", "CREATE TABLE tmp_b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES tmp_a (id))", "INSERT INTO tmp_a VALUES (1)", "INSERT INTO tmp_b VALUES (1, 1)"), None, (("extra_table", "tmp_a", None), ("extra_table", "tmp_b", None))),
    Combo("integer_flag_to_boolean_with_default", sql("ALTER TABLE users ADD COLUMN is_active INTEGER DEFAULT 1"), spec("      status:", "      is_active: {type: boolean, default: true}\n      status:"), FLAG_ITEMS),
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

    # Without flags: what is safe runs, the rest is withheld; nothing fails.
    result = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes")
    assert result.code == (1 if errors else 0), result.out + result.err

    result = run_cli("apply", "--db", db.url, "--spec", spec_path, "--yes", "--allow-hazards", "all")
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
    # (On Postgres a plain DROP INDEX waits for an exclusive lock: dropped CONCURRENTLY, the
    # default on a table with rows, it does not.)
    result, applied = apply_json(db, spec_path)
    assert (result.code, items_of(applied["remaining"])) == (0, expected)
    result, applied = apply_json(db, spec_path, "--strict")
    assert (result.code, items_of(applied["remaining"])) == (1, expected)
    result, applied = apply_json(db, spec_path, "--strict", "--allow-destructive", "--no-concurrent-indexes")
    assert (result.code, len(applied["withheld"])) == ((1, 1) if db.dialect == "postgresql" else (0, 0))
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
