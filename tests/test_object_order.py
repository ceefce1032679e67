"""Dependency order across the kinds beside tables (issue 15, point 6), on the real Postgres.

One hand-written spec in natural spelling, whose objects use each other the way real schemas do: a
domain typed column, a function called by a default, a check, a generated column and an index, a
function whose signature names a table's row type, a trigger function, a view calling a function, a
policy calling a function, an exclusion constraint. ``apply`` builds an empty database from it in one
run (every object after what it uses), the result audits clean, and a second plan is empty. Dropping
the whole spec's objects again (an empty spec in the managed schema) runs in reverse order.
"""
from __future__ import annotations

import json
from pathlib import Path

from conftest import LiveDb, run_cli

SPEC = r"""
schemas: [public]
extensions: [btree_gist]
domains:
  email: {type: text, checks: {email_has_at: "VALUE ~ '@'"}}
composite_types:
  money_amount:
    attributes: {amount: numeric, currency: text}
functions:
  - |
    CREATE FUNCTION normalized(value text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT lower(trim(value)) $$
  - |
    create function current_tenant() returns integer language sql stable
    as $$ select coalesce(nullif(current_setting('app.tenant', true), ''), '0')::integer $$
  - |
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.updated_at := now();
      RETURN NEW;
    END $$
  - |
    CREATE FUNCTION account_label(a accounts) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT a.name || ' <' || a.email || '>' $$
tables:
  accounts:
    row_security: true
    columns:
      id: {type: integer, primary_key: true}
      tenant_id: {type: integer, nullable: false, default: current_tenant()}
      name: {type: text, nullable: false}
      email: email
      name_key: {type: text, generated: normalized(name)}
      updated_at: timestamptz
    checks:
      accounts_name_normal: "normalized(name) <> ''"
    indexes:
      accounts_name_idx: {columns: ["normalized(name)"]}
    triggers:
      accounts_touch: CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()
    policies:
      accounts_tenant:
        using: tenant_id = current_tenant()
  bookings:
    columns:
      id: {type: integer, primary_key: true}
      account_id: {type: integer, references: accounts.id}
      room: {type: integer, nullable: false}
      during: {type: tstzrange, nullable: false}
      price: money_amount
    exclusions:
      bookings_no_overlap:
        using: gist
        elements: [room WITH =, during WITH &&]
views:
  account_labels: "SELECT id, account_label(accounts) AS label FROM accounts"
"""


def _audit(db: LiveDb, spec: Path) -> tuple[int, list[tuple[str, str, str | None]]]:
    result = run_cli("audit", "--db", db.url, "--spec", str(spec), "--format", "json")
    assert result.code in (0, 1), result.err
    drift = json.loads(result.out)["databases"][0]["drift"]
    return result.code, [(d["kind"], d["table"], d["name"]) for d in drift]


def _built(pg_url: str, tmp_path: Path, text: str) -> tuple[LiveDb, Path]:
    """An empty database built from the spec ``text`` in one apply, audited clean."""
    db = LiveDb(pg_url, "postgresql")
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    applied = run_cli("apply", "--yes", "--allow-hazards", "all", "--db", pg_url, "--spec", str(spec))
    assert applied.code == 0, applied.err + applied.out
    assert _audit(db, spec) == (0, [])
    return db, spec


def test_every_object_is_created_after_what_it_uses(pg_url: str, tmp_path: Path) -> None:
    db, spec = _built(pg_url, tmp_path, SPEC)
    assert "no changes" in run_cli("plan", "--db", pg_url, "--spec", str(spec)).out
    # The objects work together: the trigger stamps, the generated column and the view call functions.
    db.execute("INSERT INTO accounts (id, name, email) VALUES (1, ' Ada ', 'ada@example.org')",
               "UPDATE accounts SET name = 'Ada L' WHERE id = 1")
    assert db.query("SELECT name_key, updated_at IS NOT NULL FROM accounts") == [("ada l", True)]
    assert db.query("SELECT label FROM account_labels") == [("Ada L <ada@example.org>",)]


def test_dropping_everything_runs_in_reverse_order(pg_url: str, tmp_path: Path) -> None:
    db, _ = _built(pg_url, tmp_path, SPEC)
    empty = tmp_path / "empty.yaml"
    empty.write_text("schemas: [public]\nextensions: [btree_gist]\ntables: {}\n")
    applied = run_cli("apply", "--yes", "--allow-hazards", "all", "--strict", "--db", pg_url, "--spec", str(empty))
    assert applied.code == 0, applied.err + applied.out
    assert _audit(db, empty) == (0, [])
    assert db.query("SELECT count(*) FROM pg_proc AS p WHERE p.pronamespace = 'public'::regnamespace AND NOT EXISTS "
                    "(SELECT 1 FROM pg_depend AS d WHERE d.objid = p.oid AND d.deptype = 'e')") == [(0,)]
    assert db.query("SELECT t.typname FROM pg_type AS t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype "
                    "IN ('d', 'c') AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.objid = t.oid AND "
                    "d.deptype = 'e')") == []


TYPES_SPEC = r"""
schemas: [public]
domains:
  positive: {type: numeric, checks: {positive_check: VALUE > 0}}
  point_domain: {type: point_pair}
  account_row: {type: accounts}
composite_types:
  point_pair:
    attributes: {x: positive, y: positive}
functions:
  - |
    CREATE FUNCTION account_name(a account_row) RETURNS text LANGUAGE sql STABLE AS $$ SELECT (a).name $$
tables:
  accounts:
    columns:
      id: {type: integer, primary_key: true}
      name: text
      spot: point_domain
"""


def test_types_are_created_after_the_types_and_tables_they_are_made_of(pg_url: str, tmp_path: Path) -> None:
    """A composite type of a domain, a domain over that composite type, a domain over a table's row
    type and a function taking it (PostgREST's fixtures have each): one apply, in that order."""
    db, _ = _built(pg_url, tmp_path, TYPES_SPEC)
    db.execute("INSERT INTO accounts VALUES (1, 'ada', ROW(1, 2))")
    assert db.query("SELECT account_name(a::account_row) FROM accounts AS a") == [("ada",)]


VIEWS_SPEC = """
schemas: [public, reports]
tables:
  orders:
    columns: {id: {type: integer, primary_key: true}, total: numeric}
views:
  # Each reads the one below it; by name (public before reports, a before z) they come the other way.
  a_top: SELECT count(*) AS n FROM reports.z_middle
  reports.z_middle: SELECT id FROM reports.big_orders WHERE id > 0
  reports.big_orders: SELECT id, total FROM orders WHERE total > 100
"""


def test_views_are_created_after_the_views_they_select_from(pg_url: str, tmp_path: Path) -> None:
    """Postgres binds a view's query when it is made: a view reading another view (in another
    schema, say) waits for it, whatever their names."""
    db, _ = _built(pg_url, tmp_path, VIEWS_SPEC)
    db.execute("INSERT INTO orders VALUES (1, 50), (2, 500)")
    assert db.query("SELECT n FROM a_top") == [(1,)]


EXTENSION_SPEC = """
schemas: [public, extensions]
extensions: [{name: citext, schema: extensions}, pg_trgm]
domains:
  email: {type: extensions.citext}
tables:
  users:
    columns: {id: {type: integer, primary_key: true}, email: email}
"""


def test_an_extension_goes_into_the_schema_the_spec_says_before_what_uses_it(pg_url: str, tmp_path: Path) -> None:
    """``{name: citext, schema: extensions}``: made in that schema (made first) before the domain of
    its type; moved there when it is elsewhere; a snapshot says where an extension is."""
    db, spec = _built(pg_url, tmp_path, EXTENSION_SPEC)
    assert db.query("SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                    "WHERE e.extname <> 'plpgsql' ORDER BY 1") == [("citext", "extensions"), ("pg_trgm", "public")]
    snap = run_cli("snapshot", "--db", pg_url, "--schema", "public", "--schema", "extensions")
    assert "extensions:\n- {name: citext, schema: extensions}\n- pg_trgm\n" in snap.out, snap.out
    db.execute("DROP DOMAIN email CASCADE", "ALTER EXTENSION citext SET SCHEMA public")
    drift = json.loads(run_cli("audit", "--db", pg_url, "--spec", str(spec), "--format", "json").out)
    assert ("extension_schema_mismatch", "citext", "extensions", "public") in [
        (d["kind"], d["table"], d["expected"], d["actual"]) for d in drift["databases"][0]["drift"]]
    plan = run_cli("plan", "--db", pg_url, "--spec", str(spec)).out
    assert "ALTER EXTENSION citext SET SCHEMA extensions;" in plan and "BACKWARD_INCOMPATIBLE" in plan, plan
    healed = run_cli("apply", "--yes", "--allow-hazards", "all", "--db", pg_url, "--spec", str(spec))
    assert healed.code == 0, healed.err + healed.out
    assert _audit(db, spec) == (0, [])
