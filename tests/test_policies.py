"""Row-level security and policies on the real Postgres server: natural DDL and a hand-written spec
audit clean; snapshot round trips and rebuilds the same pg_dump; each mutation is one drift item
that apply heals; turning RLS on without a policy is a hazard; bad spec entries are one line."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import LiveDb, audit_drift, plan_is_empty, plan_runs_twice, run_cli, mutation_is_healed
from test_snapshot import pg_dump_covered

ALL_HAZARDS = ("--allow-hazards", "all", "--allow-destructive")
# Roles live in the cluster, not the database: made once, whichever test comes first.
ROLE = ("DO $$ BEGIN CREATE ROLE auditor_app; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")

DATABASE = [
    ROLE,
    "CREATE TABLE docs (id int PRIMARY KEY, tenant_id int NOT NULL, owner text, state varchar(20))",
    "CREATE TABLE notes (id int PRIMARY KEY, body text)",
    "ALTER TABLE docs ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE docs FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON docs USING (tenant_id = current_setting('app.tenant')::int) "
    "WITH CHECK (tenant_id = current_setting('app.tenant')::int)",
    "CREATE POLICY published ON docs AS RESTRICTIVE FOR SELECT TO auditor_app USING (state IN ('published', 'draft'))",
    "CREATE POLICY own_inserts ON docs FOR INSERT TO auditor_app, public WITH CHECK (owner = current_user)",
    "ALTER TABLE notes ENABLE ROW LEVEL SECURITY",
]
SPEC = """\
tables:
  notes:
    columns: {id: {type: integer, primary_key: true}, body: text}
    row_security: true
  docs:
    columns:
      id: {type: int, primary_key: true}
      tenant_id: {type: int, nullable: false}
      owner: text
      state: varchar(20)
    row_security: true
    force_row_security: true
    policies:
      tenant_isolation:
        using: tenant_id = current_setting('app.tenant')::integer
        with_check: "tenant_id = (current_setting('app.tenant'))::int"
      published: {command: select, permissive: false, roles: [auditor_app], using: "state = ANY (ARRAY['published', 'draft'])"}
      own_inserts: {command: insert, roles: public, with_check: owner = CURRENT_USER}
"""


audit = audit_drift


def test_natural_ddl_and_a_hand_written_spec_audit_clean(pg_url: str, tmp_path: Path) -> None:
    LiveDb(pg_url, "postgresql").execute(*DATABASE)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    assert audit(pg_url, spec)[:2] == (0, [])


@pytest.fixture
def rls_db(pg_url: str, tmp_path: Path) -> tuple[LiveDb, Path]:
    db = LiveDb(pg_url, "postgresql")
    db.execute(*DATABASE)
    result = run_cli("snapshot", "--db", pg_url)
    assert result.code == 0, result.err
    spec = tmp_path / "spec.yaml"
    spec.write_text(result.out)
    return db, spec


def test_snapshot_audits_clean_and_rebuilds_the_same_pg_dump(rls_db: tuple[LiveDb, Path], new_db) -> None:
    db, spec = rls_db
    docs = yaml.safe_load(spec.read_text())["tables"]["docs"]
    assert (docs["row_security"], docs["force_row_security"]) == (True, True)
    assert docs["policies"]["published"]["permissive"] is False and docs["policies"]["own_inserts"]["command"] == "insert"
    assert audit(db.url, spec)[:2] == (0, [])
    assert plan_is_empty(db.url, spec)
    empty = new_db("postgresql")
    applied = run_cli("apply", "--db", empty, "--spec", str(spec), "--yes", *ALL_HAZARDS)
    assert applied.code == 0, applied.out + applied.err
    assert audit(empty, spec)[:2] == (0, [])
    assert plan_is_empty(empty, spec)
    dump = pg_dump_covered(db.url)
    assert pg_dump_covered(empty) == dump
    assert sum("CREATE POLICY" in block for block in dump) == 3
    assert sum("ENABLE ROW LEVEL SECURITY" in block for block in dump) == 2


MUTATIONS = [
    # (id, SQL, the one drift item)
    ("using_changed", "ALTER POLICY tenant_isolation ON docs USING (tenant_id = current_setting('app.other')::int)",
     ("policy_mismatch", "docs", "tenant_isolation")),
    ("using_literal", "ALTER POLICY published ON docs USING (state IN ('Published', 'draft'))",
     ("policy_mismatch", "docs", "published")),
    ("roles_changed", "ALTER POLICY published ON docs TO public", ("policy_mismatch", "docs", "published")),
    ("check_gone", ("DROP POLICY tenant_isolation ON docs",
                    "CREATE POLICY tenant_isolation ON docs USING (tenant_id = current_setting('app.tenant')::int)"),
     ("policy_mismatch", "docs", "tenant_isolation")),
    ("made_permissive", ("DROP POLICY published ON docs", "CREATE POLICY published ON docs FOR SELECT TO auditor_app "
                                                          "USING (state IN ('published', 'draft'))"),
     ("policy_mismatch", "docs", "published")),
    ("dropped", "DROP POLICY own_inserts ON docs", ("missing_policy", "docs", "own_inserts")),
    ("extra", "CREATE POLICY stray ON notes USING (true)", ("extra_policy", "notes", "stray")),
    ("rls_disabled", "ALTER TABLE docs DISABLE ROW LEVEL SECURITY", ("row_security_mismatch", "docs", "row_security")),
    ("force_removed", "ALTER TABLE docs NO FORCE ROW LEVEL SECURITY",
     ("row_security_mismatch", "docs", "force_row_security")),
    ("forced_by_hand", "ALTER TABLE notes FORCE ROW LEVEL SECURITY",
     ("row_security_mismatch", "notes", "force_row_security")),
]


@pytest.mark.parametrize("sql, item", [pytest.param(sql, item, id=name) for name, sql, item in MUTATIONS])
def test_one_mutation_is_one_item_and_apply_heals_it(rls_db: tuple[LiveDb, Path], sql: str | tuple[str, ...],
                                                     item: tuple[str, str, str]) -> None:
    db, spec = rls_db
    mutation_is_healed(db, spec, sql, item, audit)


def test_the_printed_plan_runs_twice_by_hand(rls_db: tuple[LiveDb, Path], tmp_path: Path) -> None:
    """Every statement is idempotent: psql -f plan.sql twice, then the database is the spec's."""
    db, spec = rls_db
    for _, sql, _ in MUTATIONS:
        db.execute(*((sql,) if isinstance(sql, str) else sql))
    plan_runs_twice(db.url, spec, tmp_path / "plan.sql")
    assert audit(db.url, spec)[:2] == (0, [])


def test_messages_say_what_differs(rls_db: tuple[LiveDb, Path]) -> None:
    db, spec = rls_db
    db.execute("ALTER POLICY published ON docs TO public", "ALTER TABLE docs DISABLE ROW LEVEL SECURITY")
    assert sorted(audit(db.url, spec)[2]) == [
        "policy published on docs differs from the spec: roles public, spec says auditor_app",
        "row-level security on table docs is disabled, spec says enabled"]


def test_a_policy_change_is_altered_in_place_where_postgres_can(rls_db: tuple[LiveDb, Path]) -> None:
    db, spec = rls_db
    db.execute("ALTER POLICY tenant_isolation ON docs USING (true)", "DROP POLICY published ON docs",
               "CREATE POLICY published ON docs FOR SELECT TO auditor_app USING (state IN ('published', 'draft'))")
    plan = run_cli("plan", "--db", db.url, "--spec", str(spec)).out
    assert "ALTER POLICY tenant_isolation ON public.docs USING (" in plan, "only USING changed"
    assert plan.index("DROP POLICY IF EXISTS published") < plan.index("CREATE POLICY published ON public.docs AS RESTRICTIVE")


def test_enabling_row_security_without_a_policy_is_a_hazard(pg_url: str, tmp_path: Path) -> None:
    """No permissive policy: every row is hidden from the roles RLS applies to, so apply needs a flag."""
    LiveDb(pg_url, "postgresql").execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  notes:\n    columns: {id: {type: integer, primary_key: true}, body: text}\n"
                    "    row_security: true\n")
    plan = run_cli("plan", "--db", pg_url, "--spec", str(spec)).out
    assert "ENABLE ROW LEVEL SECURITY [hazards: BACKWARD_INCOMPATIBLE]" in plan.replace("\n", " ") or \
        "BACKWARD_INCOMPATIBLE" in plan
    withheld = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--yes")
    assert withheld.code == 1 and audit(pg_url, spec)[1] == [("row_security_mismatch", "notes", "row_security")]
    spec.write_text(spec.read_text() + "    policies:\n      everyone: {using: 'true'}\n")
    assert "BACKWARD_INCOMPATIBLE" not in run_cli("plan", "--db", pg_url, "--spec", str(spec)).out
    assert run_cli("apply", "--db", pg_url, "--spec", str(spec), "--yes").code == 0
    assert audit(pg_url, spec)[:2] == (0, [])


def test_sqlite_has_no_row_security(sqlite_url: str, tmp_path: Path) -> None:
    """One spec serves both engines: policies and RLS are not compared where there are none."""
    LiveDb(sqlite_url, "sqlite").execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  notes:\n    columns: {id: {type: integer, primary_key: true}, body: text}\n"
                    "    row_security: true\n    policies:\n      everyone: {using: 'true'}\n")
    assert audit(sqlite_url, spec)[:2] == (0, [])


BAD = [
    # (id, the policies: entries under docs, the line:column and words of the one error)
    ("bad_command", "      p: {command: upsert}\n", "7:20: policy p on docs command must be one of: all, select, insert"),
    ("using_on_insert", "      p: {command: insert, using: 'true'}\n",
     "7:35: policy p on docs: an insert policy takes no using (Postgres refuses it)"),
    ("check_on_select", "      p: {command: select, with_check: 'true'}\n",
     "policy p on docs: a select policy takes no with_check"),
    ("unknown_key", "      p: {usng: 'true'}\n", "7:11: policy p on docs: unknown key 'usng' (did you mean 'using'?)"),
    ("permissive_word", "      p: {permissive: restrictive}\n", "policy p on docs permissive must be true or false"),
]


@pytest.mark.parametrize("entries, error", [pytest.param(e, m, id=i) for i, e, m in BAD])
def test_a_bad_entry_is_one_clear_line(tmp_path: Path, entries: str, error: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  docs:\n    columns:\n      id: integer\n      state: text\n    policies:\n" + entries)
    result = run_cli("audit", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--spec", str(spec))
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if "spec.yaml:" in line]
    assert len(lines) == 1 and error in lines[0], result.err
