"""Every plan proven before it runs (issue 13), on real SQLite files and Postgres databases.

``apply`` runs its plan on a schema-only scratch copy first (SQLite: in memory; Postgres: a scratch
database on ``--dev-url``, always dropped) and audits the copy: a statement that fails there, or a
plan after which the drift it fixes is still there, never reaches the real database. ``plan
--verify`` does the same without applying. Every Postgres statement is parsed before it is shown
or run, with or without a dev server.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from auditor.audit import audit_target
from auditor.canon import normalize_schema
from auditor.target import Target
from auditor.diff import DriftItem, diff_schemas
from auditor.dialects import dialect_named
from auditor.errors import VerifyError
from auditor.plan import Precheck, Statement, plan_changes
from auditor.scratch import postgres_scratch
from auditor.spec import load_spec
from auditor.verify import check_parses, needed_objects, read_sqlite_objects, unconverged
from conftest import PG_ADMIN_URL, LiveDb, require_command, run_cli

GOLDEN = Path(__file__).parent / "golden"
SCRATCH_COPY = {"sqlite": "a scratch copy (sqlite in-memory)",
                "postgresql": f"scratch database on {PG_ADMIN_URL} (copied with pg_dump)"}

JOBS = "CREATE TABLE jobs (id integer PRIMARY KEY, score integer)"
JOBS_SPEC = """\
tables:
  jobs:
    columns:
      id: {type: integer, primary_key: true}
      score: integer
      note: text
    indexes:
      %s
"""
# A new column, then an index whose predicate calls a function no engine has: the index fails.
# With --concurrent-indexes, Postgres commits the column before it builds the index.
FAILING_SPEC = JOBS_SPEC % 'idx_jobs_scored: {columns: [score], where: "no_such_fn(score) > 0"}'
GOOD_SPEC = JOBS_SPEC % "idx_jobs_score: {columns: [score]}"


def verify_options(db: LiveDb) -> list[str]:
    """What each engine needs for a scratch copy: Postgres a dev server; SQLite nothing."""
    return ["--dev-url", PG_ADMIN_URL] if db.dialect == "postgresql" else []


def schema_of(db: LiveDb) -> list[tuple[object, ...]]:
    """The live schema as the engine's catalog has it."""
    if db.dialect == "sqlite":
        return db.query("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    return db.query("SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'public' ORDER BY 1, 2") + \
        db.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1") + \
        db.query("SELECT viewname FROM pg_views WHERE schemaname = 'public' ORDER BY 1")


def scratch_databases() -> set[str]:
    """Scratch databases left on the test server."""
    return {str(row[0]) for row in LiveDb(PG_ADMIN_URL, "postgresql").query(
        "SELECT datname FROM pg_database WHERE datname ~ '^schema_auditor_scratch_'")}


def log_entries(path: Path) -> list[dict[str, object]]:
    """The apply log's records."""
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# ---------------------------------------------------------------------------------------------
# A plan that fails on the copy, or does not converge there, never runs on the database


def test_a_statement_that_fails_on_the_copy_never_runs_on_the_database(db: LiveDb, write_spec, apply_log: Path) -> None:
    db.execute(JOBS)
    spec = write_spec(FAILING_SPEC)
    before, scratch_before = schema_of(db), scratch_databases() if db.dialect == "postgresql" else set()
    result = run_cli("apply", "--db", db.url, "--spec", spec, "--yes", "--concurrent-indexes", *verify_options(db))
    assert result.code == 2, result.out + result.err
    (line,) = result.err.splitlines()
    assert "'CREATE INDEX " in line and "idx_jobs_scored" in line, line
    assert f"fails on {SCRATCH_COPY[db.dialect]}: " in line and "no_such_fn" in line, line
    assert "Traceback" not in result.err and result.out == ""
    assert schema_of(db) == before, "nothing was written to the real database (not even the new column)"
    (entry,) = log_entries(apply_log)
    assert entry["outcome"] == "failed" and entry["statements"] == [] and "scratch" in str(entry["error"])
    if db.dialect == "postgresql":
        assert scratch_databases() == scratch_before, "the scratch database is dropped after a failure too"


def test_plan_verify_fails_the_same_way_and_prints_no_plan(db: LiveDb, write_spec) -> None:
    db.execute(JOBS)
    result = run_cli("plan", "--db", db.url, "--spec", write_spec(FAILING_SPEC), "--verify", *verify_options(db))
    assert result.code == 2 and result.out == ""
    assert f"fails on {SCRATCH_COPY[db.dialect]}: " in result.err and "no_such_fn" in result.err


def test_a_plan_that_does_not_converge_never_runs_on_the_database(db: LiveDb, write_spec, tmp_path: Path) -> None:
    # A reviewed plan someone edited: it runs fine, and fixes nothing it was made to fix.
    db.execute(JOBS)
    spec, plan_file = write_spec(GOOD_SPEC), tmp_path / "plan.json"
    assert run_cli("plan", "--db", db.url, "--spec", spec, "--out", str(plan_file)).code == 1
    document = json.loads(plan_file.read_text())
    add_column = document["databases"][0]["statements"][0]
    assert add_column["fixes"]["kind"] == "missing_column"
    add_column["sql"] = add_column["sql"].replace(" note ", " notes ")
    plan_file.write_text(json.dumps(document))
    before = schema_of(db)
    result = run_cli("apply", "--db", db.url, "--spec", spec, "--plan", str(plan_file), "--yes",
                     "--allow-hazards", "all", *verify_options(db))
    assert result.code == 2, result.out + result.err
    (line,) = result.err.splitlines()
    assert f"the plan does not converge on {SCRATCH_COPY[db.dialect]}: after '{add_column['sql']}' ran there, " \
           "missing_column remains: column jobs.note (text) is missing" in line, line
    assert schema_of(db) == before, "neither the misspelt column nor the index was made"


def _item(kind: str, table: str, name: str | None = None) -> DriftItem:
    return DriftItem(kind, None, table, name, None, None, f"{kind} {table}.{name}")


def _statement(item: DriftItem) -> Statement:
    return Statement(f"-- fixes {item.kind}", item, "add_columns")


def test_convergence_counts_what_ran_and_what_is_new_not_what_was_withheld_or_unplanned() -> None:
    ran, held, unplanned = _item("missing_column", "a", "x"), _item("missing_index", "a", "i"), \
        _item("missing_column", "b", "y")
    new, warning = _item("view_mismatch", "v"), _item("extra_column", "a", "z")
    before = [ran, held, unplanned]
    after = [ran, held, unplanned, new, warning]
    assert unconverged(after, before, [_statement(ran)], [_statement(held)]) == [ran, new]
    assert unconverged([held, unplanned, warning], before, [_statement(ran)], [_statement(held)]) == []


# ---------------------------------------------------------------------------------------------
# A good plan verifies, says where, and applies


def test_a_good_plan_verifies_then_applies_and_says_where(db: LiveDb, write_spec) -> None:
    db.execute(JOBS)
    spec = write_spec(GOOD_SPEC)
    scratch_before = scratch_databases() if db.dialect == "postgresql" else set()
    where = f"verified on {SCRATCH_COPY[db.dialect]}"
    text = run_cli("plan", "--db", db.url, "--spec", spec, "--verify", *verify_options(db))
    assert text.code == 1, text.err
    assert f"\n-- {where}: 2 statement(s) ran there in " in text.out, text.out
    planned = run_cli("plan", "--db", db.url, "--spec", spec, "--verify", "--format", "json", *verify_options(db))
    verification = json.loads(planned.out)["databases"][0]["verification"]
    assert verification["verified"] is True and verification["mode"] == where and verification["statements"] == 2
    unverified = run_cli("plan", "--db", db.url, "--spec", spec, "--format", "json")
    assert "verification" not in json.loads(unverified.out)["databases"][0], "only --verify runs the copy"

    applied = run_cli("apply", "--db", db.url, "--spec", spec, "--yes", "--allow-hazards", "all",
                      "--format", "json", *verify_options(db))
    assert applied.code == 0, applied.out + applied.err
    entry = json.loads(applied.out)["databases"][0]
    assert entry["verification"]["mode"] == where and len(entry["executed"]) == 2
    assert run_cli("audit", "--db", db.url, "--spec", spec).code == 0
    if db.dialect == "postgresql":
        assert scratch_databases() == scratch_before


def test_without_a_dev_server_postgres_plans_are_parsed_only_and_apply_goes_on(pg_url: str, write_spec) -> None:
    LiveDb(pg_url, "postgresql").execute(JOBS)
    spec = write_spec(GOOD_SPEC)
    plan = run_cli("plan", "--db", pg_url, "--spec", spec, "--verify")
    assert plan.code == 1 and plan.out.endswith("\n-- parsed only (no --dev-url)\n"), plan.out
    applied = run_cli("apply", "--db", pg_url, "--spec", spec, "--yes", "--allow-hazards", "all")
    assert applied.code == 0, applied.err
    assert "\n  plan     parsed only (no --dev-url)\n" in applied.out, applied.out


def test_no_verify_skips_the_copy(db: LiveDb, write_spec) -> None:
    db.execute(JOBS)
    result = run_cli("apply", "--db", db.url, "--spec", write_spec(FAILING_SPEC), "--yes", "--no-verify",
                     "--allow-hazards", "all", *verify_options(db))
    assert result.code == 2
    assert "scratch" not in result.err and "failed: " in result.err and "rolled back" in result.err, result.err
    good = run_cli("apply", "--db", db.url, "--spec", write_spec(GOOD_SPEC), "--yes", "--no-verify",
                   "--allow-hazards", "all", *verify_options(db))
    assert good.code == 0, good.err
    expected = "parsed only (--no-verify)" if db.dialect == "postgresql" else "not verified (--no-verify)"
    assert f"\n  plan     {expected}\n" in good.out, good.out


def test_without_the_proof_a_plan_run_in_steps_says_what_stays_committed(pg_url: str, write_spec) -> None:
    # What the proof spares: on a table with rows, the index is built CONCURRENTLY (the default),
    # so the new column is committed before the index fails.
    db = LiveDb(pg_url, "postgresql")
    db.execute(JOBS, "INSERT INTO jobs VALUES (1, 10)")
    result = run_cli("apply", "--db", pg_url, "--spec", write_spec(FAILING_SPEC), "--yes", "--no-verify")
    assert result.code == 2
    assert result.err.rstrip().endswith("(the 1 statement(s) of the steps before it stay committed; "
                                        "fix the cause and run apply again)"), result.err
    assert ("jobs", "note", "text") in schema_of(db)


def test_config_dev_url_is_where_its_plans_are_verified(pg_url: str, tmp_path: Path) -> None:
    LiveDb(pg_url, "postgresql").execute(JOBS)
    (tmp_path / "spec.yaml").write_text(GOOD_SPEC)
    config = tmp_path / "config.yaml"
    config.write_text(f'databases:\n  prod: {{url: "{pg_url}", spec: spec.yaml, dev_url: "{PG_ADMIN_URL}"}}\n')
    result = run_cli("plan", "--config", str(config), "--verify")
    assert result.code == 1, result.err
    assert f"-- verified on {SCRATCH_COPY['postgresql']}: " in result.out


def test_without_pg_dump_the_copy_is_built_from_the_live_schema(pg_url: str, write_spec, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    LiveDb(pg_url, "postgresql").execute(JOBS, "CREATE INDEX idx_jobs_old ON jobs (score)")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, no psql
    good = run_cli("plan", "--db", pg_url, "--spec", write_spec(GOOD_SPEC), "--verify", "--dev-url", PG_ADMIN_URL)
    assert good.code == 1, good.err
    assert (f"-- verified on scratch database on {PG_ADMIN_URL} (built from the live schema as schema-auditor "
            "reads it): 3 statement(s)") in good.out, good.out  # the extra index is dropped there too
    bad = run_cli("plan", "--db", pg_url, "--spec", write_spec(FAILING_SPEC), "--verify", "--dev-url", PG_ADMIN_URL)
    assert bad.code == 2 and "(built from the live schema as schema-auditor reads it): " in bad.err, bad.err


def test_a_scratch_database_is_dropped_when_interrupted(pg_available: bool) -> None:
    if not pg_available:
        pytest.skip("Postgres is not reachable")
    before = scratch_databases()
    with pytest.raises(KeyboardInterrupt), postgres_scratch(PG_ADMIN_URL) as scratch:
        assert scratch_databases() - before == {scratch.name.removeprefix("scratch database ")}
        raise KeyboardInterrupt
    assert scratch_databases() == before


def test_passwords_reach_pg_dump_and_psql_only_through_their_environment(pg_url: str, write_spec, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         apply_log: Path) -> None:
    # The server trusts local connections, so any password works: these must never be printed.
    LiveDb(pg_url, "postgresql").execute(JOBS)
    live = pg_url.replace("postgres@", "postgres:Live-s3cret@")
    dev = PG_ADMIN_URL.replace("postgres@", "postgres:Dev-s3cret@")
    calls = tmp_path / "calls.txt"
    for tool in ("pg_dump", "psql"):  # record how each is called, then run the real one
        shim = tmp_path / "bin" / tool
        shim.parent.mkdir(exist_ok=True)
        shim.write_text(f'#!/bin/sh\necho "{tool} $* PGPASSWORD=$PGPASSWORD" >> {calls}\nexec {require_command(tool)} "$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    spec = write_spec(GOOD_SPEC)
    outputs = [run_cli("plan", "--db", live, "--spec", spec, "--verify", "--dev-url", dev, *fmt)
               for fmt in ((), ("--format", "json"))]
    outputs.append(run_cli("apply", "--db", live, "--spec", spec, "--yes", "--allow-hazards", "all", "--dev-url", dev))
    assert [r.code for r in outputs] == [1, 1, 0], outputs[-1].err
    assert "scratch database on postgresql+psycopg://postgres:***@127.0.0.1:5432/postgres" in outputs[0].out
    printed = "".join(r.out + r.err for r in outputs) + apply_log.read_text()
    assert "s3cret" not in printed
    (dump, restore, *_) = calls.read_text().splitlines()
    assert dump.startswith("pg_dump --schema-only --no-owner --no-privileges") and dump.endswith("PGPASSWORD=Live-s3cret")
    assert restore.startswith("psql -X -q -v ON_ERROR_STOP=1") and restore.endswith("PGPASSWORD=Dev-s3cret")
    for line in (dump, restore):
        assert "s3cret" not in line.split(" PGPASSWORD=")[0], "no password on a command line"


# ---------------------------------------------------------------------------------------------
# The SQLite copy: what the plan needs, virtual tables by their CREATE VIRTUAL TABLE only


DOCS = (
    "CREATE TABLE docs (id integer PRIMARY KEY, body text, legacy text)",
    "CREATE VIRTUAL TABLE docs_fts USING fts5(body)",
    "CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts (rowid, body) VALUES (new.id, new.body); END",
    "CREATE VIEW docs_legacy AS SELECT id, legacy FROM docs",
    "CREATE TABLE other (id integer PRIMARY KEY, name text)",
    "CREATE INDEX idx_other_name ON other (name)",
)
DOCS_SPEC = """\
tables:
  docs:
    columns:
      id: {type: integer, primary_key: true}
      body: text
      %s
    triggers:
      docs_ai: "CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts (rowid, body) VALUES (new.id, new.body); END"
  other:
    columns:
      id: {type: integer, primary_key: true}
      name: text
    indexes:
      idx_other_name: {columns: [name]}
views:
  docs_legacy: "SELECT id, legacy FROM docs"
"""


def test_the_sqlite_copy_holds_what_the_plan_needs_with_virtual_tables_remade(sqlite_url: str, write_spec) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    db.execute(*DOCS)
    spec = write_spec(DOCS_SPEC % "legacy: text\n      title: text")
    target = Target("docs", sqlite_url, spec)
    objects = read_sqlite_objects(target)
    assert [o.name for o in objects] == ["docs", "docs_fts", "other", "idx_other_name", "docs_legacy", "docs_ai"], \
        "no shadow table of docs_fts, nothing of SQLite's own"
    result = audit_target(target)
    statements = plan_changes(result.drift, result.expected, result.actual, result.dialect)  # type: ignore[arg-type]
    assert [s.sql for s in statements] == ['ALTER TABLE docs ADD COLUMN title TEXT']
    assert [o.name for o in needed_objects(objects, statements)] == ["docs", "docs_fts", "docs_legacy", "docs_ai"]
    applied = run_cli("apply", "--db", sqlite_url, "--spec", spec, "--yes")
    assert applied.code == 0, applied.err
    assert "plan     verified on a scratch copy (sqlite in-memory): 1 statement(s)" in applied.out


def test_a_view_that_reads_a_dropped_column_fails_the_copy(sqlite_url: str, write_spec) -> None:
    db = LiveDb(sqlite_url, "sqlite")
    db.execute(*DOCS)
    before = schema_of(db)
    result = run_cli("apply", "--db", sqlite_url, "--spec", write_spec(DOCS_SPEC % ""), "--yes", "--allow-destructive")
    assert result.code == 2, result.out + result.err
    assert "'ALTER TABLE docs DROP COLUMN legacy' fails on a scratch copy (sqlite in-memory): " \
           "error in view docs_legacy" in result.err, result.err
    assert schema_of(db) == before


# ---------------------------------------------------------------------------------------------
# The Postgres parse check


POSTGRES = dialect_named("postgresql")
ITEM = _item("missing_column", "jobs", "note")


@pytest.mark.parametrize("statement, problem", [
    (Statement("ALTER TABLE jobs ADD COLUMN", ITEM, "add_columns"), 'syntax error at end of input'),
    (Statement("DO $$\nBEGIN\n  IF true THEN\n    ALTER TABLE jobs ADD CONSTRAINT c CHECK (score >);\n  END IF;\nEND $$",
               ITEM, "add_constraints"), 'syntax error at or near ")"'),
    (Statement("ALTER TABLE jobs ADD COLUMN note text", ITEM, "add_columns",
               prechecks=(Precheck("SELECT count(*) FROM jobs WHERE", "{count} rows"),)), "syntax error"),
])
def test_a_postgres_statement_that_does_not_parse_is_named(statement: Statement, problem: str) -> None:
    good = Statement("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS score integer", ITEM, "add_columns")
    with pytest.raises(VerifyError) as raised:
        check_parses([good, statement], POSTGRES, "prod")
    message = str(raised.value)
    assert message.startswith(f"prod: '{statement.summary}' does not parse as PostgreSQL: ") and problem in message
    check_parses([good, Statement("-- manual: not SQL at all;", ITEM, "add_columns", manual=True)], POSTGRES, "prod")
    check_parses([statement], dialect_named("sqlite"), "prod")  # not a Postgres statement: not checked


def test_every_postgres_statement_the_planner_makes_for_the_golden_drift_parses() -> None:
    desired = normalize_schema(load_spec(GOLDEN / "desired.yaml"), POSTGRES)
    live = normalize_schema(load_spec(GOLDEN / "live.yaml"), POSTGRES)
    drift = diff_schemas(desired, live, dialect=POSTGRES)
    for concurrent in (False, True):
        statements = plan_changes(drift, desired, live, POSTGRES, concurrent)
        assert len(statements) > 15
        check_parses(statements, POSTGRES, "golden")


def test_an_edited_plan_file_that_does_not_parse_is_refused_before_anything_runs(pg_url: str, write_spec,
                                                                                tmp_path: Path) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute(JOBS)
    spec, plan_file = write_spec(GOOD_SPEC), tmp_path / "plan.json"
    assert run_cli("plan", "--db", pg_url, "--spec", spec, "--out", str(plan_file)).code == 1
    document = json.loads(plan_file.read_text())
    statements = document["databases"][0]["statements"]
    statements[-1]["sql"] = statements[-1]["sql"].replace(" ON ", " ON ON ")
    plan_file.write_text(json.dumps(document))
    before = schema_of(db)
    result = run_cli("apply", "--db", pg_url, "--plan", str(plan_file), "--yes", "--allow-hazards", "all", "--spec", spec)
    assert result.code == 2
    assert "does not parse as PostgreSQL: syntax error at or near \"ON\"" in result.err, result.err
    assert schema_of(db) == before, "not even the statements before it ran"


def test_plan_refuses_to_print_a_postgres_statement_that_does_not_parse(pg_url: str, write_spec) -> None:
    # A check that is not SQL reaches the planner as text (specs hold SQL by design); its statement
    # must never be printed as a plan someone could run.
    LiveDb(pg_url, "postgresql").execute(JOBS)
    spec = write_spec(GOOD_SPEC.split("    indexes:")[0] + '    checks: {ck_score: "score >"}\n')
    for args in ((), ("--format", "json"), ("--out", str(Path(spec).with_suffix(".json")))):
        result = run_cli("plan", "--db", pg_url, "--spec", spec, *args)
        assert result.code == 2 and result.out == "", result.out
        assert "does not parse as PostgreSQL: syntax error at or near \")\"" in result.err, result.err
        assert "ck_score" in result.err
    assert not Path(spec).with_suffix(".json").exists()
