"""plan --as-migration: the fix written as the next migration of a real history (Alembic,
Flyway, numbered SQL files), run by the real tool (Alembic) or as the tool would run it (psql,
sqlite3), on real databases."""
from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.demo import build_incident_database, spec_path
from conftest import LiveDb, audit_drift, run_cli, run_psql

SPEC = str(spec_path())
BASE = "1a2b3c4d5e6f"
INCIDENT = [("missing_column", "analysis_jobs", "tickers_json"),
            ("missing_index", "analysis_jobs", "idx_analysis_jobs_tickers_status")]

ENV_PY = '''
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
'''


def _revision_file(versions: Path, revision: str, down: str | None) -> Path:
    path = versions / f"{revision}_step.py"
    path.write_text(f'revision = {revision!r}\ndown_revision = {down!r}\n\n\n'
                    'def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n')
    return path


def _alembic_project(root: Path, url: str) -> Path:
    """alembic.ini, env.py and versions/ with one revision (BASE), the database stamped at it."""
    (root / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(f"[alembic]\nscript_location = {root}\nsqlalchemy.url = {url}\n")
    (root / "env.py").write_text(ENV_PY)
    _revision_file(root / "versions", BASE, None)
    _alembic(root, "stamp", "head")
    return root


def _alembic(root: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "alembic", "-c", str(root / "alembic.ini"), *args],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return done


def _identifiers(path: Path) -> dict[str, object]:
    """The revision file's module-level assignments, read as Alembic's loader would see them."""
    tree = ast.parse(path.read_text())
    return {node.target.id: ast.literal_eval(node.value) for node in tree.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}


def _as_migration(url: str, spec: str, tool: str, out: Path, *args: str):
    return run_cli("plan", "--db", url, "--spec", spec, "--as-migration", tool, "--out", str(out), *args)


def _written(result) -> Path:
    """The one migration file a run printed (a Flyway .conf is printed after it)."""
    assert result.code == 1, result.out + result.err
    return Path(result.out.splitlines()[0])


def _psql_twice_heals(pg_url: str, path: Path) -> None:
    """The file runs twice with psql, as a person (or Flyway) would run it, and heals the incident."""
    for _ in range(2):
        done = run_psql(pg_url, path)
        assert done.returncode == 0, done.stderr
    assert run_cli("audit", "--db", pg_url, "--spec", SPEC).code == 0


def _sqlite3_heals(sqlite_url: str, path: Path, spec: str) -> None:
    """The file runs as one script through Python's sqlite3 module, and the database audits clean."""
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.executescript(path.read_text())
    assert run_cli("audit", "--db", sqlite_url, "--spec", spec).code == 0


def _directory(path: Path, *names: str) -> Path:
    """A migrations directory holding these (placeholder) files."""
    path.mkdir()
    for name in names:
        (path / name).write_text("SELECT 1;\n")
    return path


# -- Alembic ------------------------------------------------------------------------------------


def test_incident_heals_as_the_next_alembic_revision_and_downgrades(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    root = _alembic_project(tmp_path / "alembic", pg_url)
    db = LiveDb(pg_url, "postgresql")
    written = _as_migration(pg_url, SPEC, "alembic", root / "versions", "--concurrent-indexes")
    path = _written(written)
    assert path.parent == root / "versions" and path.name.endswith("_heal_schema_drift.py")
    ids = _identifiers(path)
    assert ids["down_revision"] == BASE and len(str(ids["revision"])) == 12
    assert path.name.startswith(str(ids["revision"]))
    text = path.read_text()
    assert "    # missing_column analysis_jobs.tickers_json\n    op.execute(" in text
    assert ("    with op.get_context().autocommit_block():\n"
            "        # missing_index analysis_jobs.idx_analysis_jobs_tickers_status [hazards: INDEX_BUILD]\n") in text
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS" in text and "NotImplementedError" not in text
    assert ("def downgrade() -> None:\n    with op.get_context().autocommit_block():\n"
            "        # extra_index analysis_jobs.idx_analysis_jobs_tickers_status") in text
    assert "DROP INDEX CONCURRENTLY IF EXISTS public.idx_analysis_jobs_tickers_status" in text

    _alembic(root, "upgrade", "head")
    assert run_cli("audit", "--db", pg_url, "--spec", SPEC).code == 0
    assert db.query("SELECT version_num FROM alembic_version") == [(ids["revision"],)]
    assert db.query("SELECT count(*) FROM analysis_jobs") == [(3,)]
    again = _as_migration(pg_url, SPEC, "alembic", root / "versions")
    assert (again.code, again.out) == (0, "no changes\n")
    assert len(list((root / "versions").glob("*.py"))) == 2

    _alembic(root, "downgrade", "-1")
    assert db.query("SELECT version_num FROM alembic_version") == [(BASE,)]
    assert audit_drift(pg_url, Path(SPEC), "--ignore", "alembic_version")[1] == INCIDENT


REVERSIBLE_SPEC = """
sequences:
  invoice_number: {start: 1000, increment: 1}
views:
  running_jobs: "select id from jobs where status = 'running'"
tables:
  users:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: text, nullable: false}
    unique:
      ux_users_email: [email]
  jobs:
    columns:
      id: {type: integer, primary_key: true}
      user_id: {type: integer, nullable: false}
      status: {type: text, nullable: false}
      note: {type: text, default: "'at :noon, 100%'"}
    checks:
      ck_status: "status <> ''"
    foreign_keys:
      fk_jobs_user: {columns: [user_id], references: "users(id)"}
    indexes:
      idx_jobs_status: {columns: [status]}
  tags:
    columns:
      id: {type: integer, primary_key: true}
      name: text
"""


def test_every_added_kind_is_dropped_again_by_the_downgrade(pg_url: str, tmp_path: Path, write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute("CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL)",
               "CREATE TABLE jobs (id integer PRIMARY KEY, user_id integer NOT NULL, status text NOT NULL)",
               "INSERT INTO users VALUES (1, 'a@example.com')", "INSERT INTO jobs VALUES (1, 1, 'running')")
    spec = write_spec(REVERSIBLE_SPEC)
    before = audit_drift(pg_url, Path(spec))[1]
    assert {kind for kind, _, _ in before} == {"missing_sequence", "missing_view", "missing_unique", "missing_column",
                                               "missing_check", "missing_foreign_key", "missing_index", "missing_table"}
    root = _alembic_project(tmp_path / "alembic", pg_url)
    path = _written(_as_migration(pg_url, spec, "alembic", root / "versions", "--concurrent-indexes",
                                  "--allow-hazards", "all"))
    assert "withheld" not in path.read_text() and r"\\:noon" in path.read_text()
    _alembic(root, "upgrade", "head")
    assert audit_drift(pg_url, Path(spec), "--ignore", "alembic_version")[:2] == (0, [])
    # The colon and the percent sign reach the database as written, not as a bound parameter.
    assert db.query("SELECT note FROM jobs") == [("at :noon, 100%",)]
    _alembic(root, "downgrade", "-1")
    assert audit_drift(pg_url, Path(spec), "--ignore", "alembic_version")[1] == before
    assert db.query("SELECT version_num FROM alembic_version") == [(BASE,)]


def test_a_downgrade_that_cannot_be_reversed_raises_and_keeps_the_revision(pg_url: str, tmp_path: Path,
                                                                           write_spec) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute("CREATE TABLE jobs (id integer PRIMARY KEY, status text DEFAULT 'new', legacy text)")
    spec = write_spec("tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                      "      status: {type: text, default: \"'pending'\"}\n      note: text\n")
    root = _alembic_project(tmp_path / "alembic", pg_url)
    path = _written(_as_migration(pg_url, spec, "alembic", root / "versions", "--allow-destructive"))
    text = path.read_text()
    downgrade = text[text.index("def downgrade"):]
    assert "#   default_mismatch jobs.status" in downgrade and "#   extra_column jobs.legacy" in downgrade
    assert "# What could be undone, for a downgrade written by hand:" in downgrade
    assert "# op.execute('ALTER TABLE public.jobs DROP COLUMN IF EXISTS note')" in downgrade
    _alembic(root, "upgrade", "head")
    failed = _alembic(root, "downgrade", "-1", ok=False)
    assert "NotImplementedError: schema-auditor: cannot reverse default_mismatch jobs.status" in failed.stderr
    assert "extra_column jobs.legacy [hazards: DELETES_DATA, BACKWARD_INCOMPATIBLE]" in failed.stderr
    assert db.query("SELECT version_num FROM alembic_version") == [(_identifiers(path)["revision"],)]
    assert audit_drift(pg_url, Path(spec), "--ignore", "alembic_version")[:2] == (0, [])


def test_down_revision_is_the_directory_head_without_a_version_table(sqlite_url: str, tmp_path: Path) -> None:
    build_incident_database(sqlite_url)
    versions = _directory(tmp_path / "versions")
    empty = _written(_as_migration(sqlite_url, SPEC, "alembic", versions))
    assert _identifiers(empty)["down_revision"] is None  # the first revision of a history
    empty.unlink()
    _revision_file(versions, "aaaaaaaaaaaa", None)
    _revision_file(versions, "cccccccccccc", "bbbbbbbbbbbb")  # files in any order: the chain decides
    _revision_file(versions, "bbbbbbbbbbbb", "aaaaaaaaaaaa")
    (versions / "__init__.py").write_text("")
    first = _written(_as_migration(sqlite_url, SPEC, "alembic", versions))
    assert _identifiers(first)["down_revision"] == "cccccccccccc"
    # Two heads (the heal just written, and another branch): the next revision merges them.
    _revision_file(versions, "dddddddddddd", "cccccccccccc")
    first.unlink()
    (versions / "eeeeeeeeeeee_step.py").write_text(
        'revision: str = "eeeeeeeeeeee"\ndown_revision: tuple[str, ...] | None = ("cccccccccccc",)\n')
    merged = _as_migration(sqlite_url, SPEC, "alembic", versions)
    assert _identifiers(_written(merged))["down_revision"] == ("dddddddddddd", "eeeeeeeeeeee")
    assert "has 2 heads: the new revision merges them" in merged.err


def test_down_revision_is_what_alembic_version_records(sqlite_url: str, tmp_path: Path) -> None:
    build_incident_database(sqlite_url)
    versions = _directory(tmp_path / "versions")
    _revision_file(versions, "aaaaaaaaaaaa", None)
    _revision_file(versions, "bbbbbbbbbbbb", "aaaaaaaaaaaa")
    LiveDb(sqlite_url, "sqlite").execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
                                         "INSERT INTO alembic_version VALUES ('aaaaaaaaaaaa')")
    result = _as_migration(sqlite_url, SPEC, "alembic", versions)
    path = _written(result)
    assert _identifiers(path)["down_revision"] == "aaaaaaaaaaaa"
    assert f"the database is at aaaaaaaaaaaa but {versions} ends at bbbbbbbbbbbb" in result.err
    assert "alembic_version" not in path.read_text()  # the tool's own table is no drift to heal
    LiveDb(sqlite_url, "sqlite").execute("INSERT INTO alembic_version VALUES ('bbbbbbbbbbbb')")
    path.unlink()
    assert _identifiers(_written(_as_migration(sqlite_url, SPEC, "alembic", versions)))["down_revision"] == (
        "aaaaaaaaaaaa", "bbbbbbbbbbbb")


def test_sqlite_upgrade_runs_and_an_indexed_column_is_not_dropped_by_the_downgrade(sqlite_url: str,
                                                                                  tmp_path: Path) -> None:
    build_incident_database(sqlite_url)
    root = _alembic_project(tmp_path / "alembic", sqlite_url)
    path = _written(_as_migration(sqlite_url, SPEC, "alembic", root / "versions"))
    assert "autocommit_block" not in path.read_text()
    _alembic(root, "upgrade", "head")
    assert run_cli("audit", "--db", sqlite_url, "--spec", SPEC).code == 0
    # SQLite cannot drop a column an index names in place: a rebuild, which only apply runs.
    failed = _alembic(root, "downgrade", "-1", ok=False)
    assert "cannot reverse missing_column analysis_jobs.tickers_json" in failed.stderr
    assert run_cli("audit", "--db", sqlite_url, "--spec", SPEC).code == 0


# -- Flyway -------------------------------------------------------------------------------------

FLYWAY_HISTORY = """CREATE TABLE flyway_schema_history (
    installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL,
    type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INT NOT NULL, success BOOLEAN NOT NULL)"""
FLYWAY_ROWS = """INSERT INTO flyway_schema_history
    (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
    (1, '1', 'init', 'SQL', 'V1__init.sql', 11, 'ci', 5, true),
    (2, '1.9', 'jobs', 'SQL', 'V1_9__jobs.sql', 12, 'ci', 5, true),
    (3, '1.10', 'results', 'SQL', 'V1_10__results.sql', 13, 'ci', 5, true),
    (4, NULL, 'views', 'SQL', 'R__views.sql', 14, 'ci', 5, true),
    (5, '7', 'broken', 'SQL', 'V7__broken.sql', 15, 'ci', 5, false)"""


def test_flyway_file_runs_twice_with_psql_and_its_conf_runs_it_outside_a_transaction(pg_url: str,
                                                                                     tmp_path: Path) -> None:
    build_incident_database(pg_url)
    out = tmp_path / "db" / "migration"
    result = _as_migration(pg_url, SPEC, "flyway", out, "--concurrent-indexes")
    path = _written(result)
    assert result.out.splitlines() == [str(out / "V1__heal_schema_drift.sql"), str(out / "V1__heal_schema_drift.sql.conf")]
    assert f"created {out}" in result.err
    assert (out / "V1__heal_schema_drift.sql.conf").read_text() == "executeInTransaction=false\n"
    text = path.read_text()
    assert "-- missing_index analysis_jobs.idx_analysis_jobs_tickers_status [hazards: INDEX_BUILD]\n" in text
    assert "Flyway runs it outside a transaction: see V1__heal_schema_drift.sql.conf" in text
    _psql_twice_heals(pg_url, path)


def test_flyway_version_follows_the_history_table_and_the_files_not_yet_run(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    LiveDb(pg_url, "postgresql").execute(FLYWAY_HISTORY, FLYWAY_ROWS)
    out = _directory(tmp_path / "migration")
    first = _written(_as_migration(pg_url, SPEC, "flyway", out, "--no-concurrent-indexes"))
    assert first.name == "V1.11__heal_schema_drift.sql"  # 1.10 > 1.9; failed and repeatable rows do not count
    assert "flyway_schema_history" not in first.read_text()
    assert not first.with_name(first.name + ".conf").exists()  # nothing runs outside a transaction
    (out / "V1_12__pending.sql").write_text("SELECT 1;\n")
    # A file not run yet keeps its version: the next one comes after it.
    assert _written(_as_migration(pg_url, SPEC, "flyway", out)).name == "V1_13__heal_schema_drift.sql"


def test_flyway_version_from_the_directory_alone_and_placeholders_left_alone(sqlite_url: str, tmp_path: Path,
                                                                             write_spec) -> None:
    out = _directory(tmp_path / "migration", "V1__init.sql", "V2_3__jobs.sql", "R__views.sql", "U2_3__undo.sql",
                     "V10.txt")
    spec = write_spec("tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                      "      path: {type: text, default: \"'${HOME}/jobs'\"}\n")
    path = _written(_as_migration(sqlite_url, spec, "flyway", out))
    assert path.name == "V2_4__heal_schema_drift.sql"
    assert path.with_name(path.name + ".conf").read_text() == "placeholderReplacement=false\n"
    padded = _directory(tmp_path / "padded", "V007__init.sql")
    assert _written(_as_migration(sqlite_url, spec, "flyway", padded)).name == "V008__heal_schema_drift.sql"
    _sqlite3_heals(sqlite_url, path, spec)


# -- numbered SQL files -------------------------------------------------------------------------


def test_sql_file_is_numbered_after_the_directory_and_runs_with_psql(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    out = _directory(tmp_path / "migrations", "0001_init.sql", "0002_jobs.sql", "README.md")
    path = _written(_as_migration(pg_url, SPEC, "sql", out))  # the index built CONCURRENTLY, by default
    assert path.name == "0003_heal_schema_drift.sql"
    text = path.read_text()
    assert ("-- runs on its own, outside the main transaction: CONCURRENTLY, since the table holds rows and its reads "
            "and writes go on meanwhile (--no-concurrent-indexes: in the transaction, locked)\n"
            "-- schema-auditor: no-transaction\n"
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_analysis_jobs_tickers_status") in text
    assert "BEGIN" not in text and "COMMIT" not in text
    _psql_twice_heals(pg_url, path)


def test_sql_file_on_sqlite_runs_with_sqlite3(sqlite_url: str, tmp_path: Path) -> None:
    build_incident_database(sqlite_url)
    out = _directory(tmp_path / "migrations", "7_init.sql", "12_jobs.sql")
    path = _written(_as_migration(sqlite_url, SPEC, "sql", out))
    assert path.name == "13_heal_schema_drift.sql"
    assert "no-transaction" not in path.read_text()
    _sqlite3_heals(sqlite_url, path, SPEC)
    empty = tmp_path / "fresh"
    build_incident_database(f"sqlite:///{tmp_path / 'other.db'}")
    assert _written(_as_migration(str(tmp_path / "other.db"), SPEC, "sql", empty)).name == "0001_heal_schema_drift.sql"


# -- what goes in: the hazard gates of apply ----------------------------------------------------


def test_withheld_statements_are_comments_until_the_flags_allow_them(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    db = LiveDb(pg_url, "postgresql")
    db.execute("ALTER TABLE users ADD COLUMN legacy text")
    result = _as_migration(pg_url, SPEC, "sql", tmp_path / "a", "--no-concurrent-indexes")
    path = _written(result)
    text = path.read_text()
    assert "in 1 statement(s); 2 withheld, listed at the end" in text
    assert ("-- missing_index analysis_jobs.idx_analysis_jobs_tickers_status [hazards: ACQUIRES_SHARE_LOCK, "
            "INDEX_BUILD]: needs --allow-hazards ACQUIRES_SHARE_LOCK\n--   CREATE INDEX IF NOT EXISTS") in text
    assert "-- extra_column users.legacy [hazards: DELETES_DATA, BACKWARD_INCOMPATIBLE]: needs --allow-hazards" in text
    assert "withheld: CREATE INDEX IF NOT EXISTS idx_analysis_jobs_tickers_status" in result.err
    assert run_psql(pg_url, path).returncode == 0
    drift = audit_drift(pg_url, Path(SPEC))[1]
    assert drift == [("extra_column", "users", "legacy"), INCIDENT[1]]

    allowed = _written(_as_migration(pg_url, SPEC, "sql", tmp_path / "a", "--allow-hazards", "ACQUIRES_SHARE_LOCK",
                                     "--allow-destructive", "--no-concurrent-indexes"))
    assert allowed.name == "0002_heal_schema_drift.sql" and "withheld" not in allowed.read_text()
    assert run_psql(pg_url, allowed).returncode == 0
    assert audit_drift(pg_url, Path(SPEC))[:2] == (0, [])
    assert db.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'legacy'") == [(0,)]


def test_nothing_runnable_writes_nothing_and_says_what_is_withheld(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    LiveDb(pg_url, "postgresql").execute("ALTER TABLE analysis_jobs ADD COLUMN tickers_json text")
    result = _as_migration(pg_url, SPEC, "flyway", tmp_path / "out", "--no-concurrent-indexes")
    assert (result.code, result.out) == (1, "no migration written: 1 statement(s) withheld\n")
    assert "needs --allow-hazards ACQUIRES_SHARE_LOCK" in result.err
    assert not (tmp_path / "out").exists()


def test_prechecks_and_manual_steps_are_kept_as_comments(pg_url: str, tmp_path: Path, write_spec) -> None:
    LiveDb(pg_url, "postgresql").execute(
        "CREATE TYPE job_status AS ENUM ('pending', 'running', 'done')",
        "CREATE TABLE jobs (id integer PRIMARY KEY, status job_status, owner text)",
        "INSERT INTO jobs VALUES (1, 'done', NULL), (2, 'done', 'ana')")
    spec = write_spec("enums:\n  job_status: [pending, done]\ntables:\n  jobs:\n    columns:\n"
                      "      id: {type: integer, primary_key: true}\n      status: job_status\n"
                      "      owner: {type: text, nullable: false}\n      note: text\n")
    text = _written(_as_migration(pg_url, spec, "sql", tmp_path / "m", "--allow-hazards", "all")).read_text()
    assert ("-- nullable_mismatch jobs.owner [hazards: ACQUIRES_ACCESS_EXCLUSIVE_LOCK, MAY_FAIL_ON_EXISTING_DATA]\n"
            "-- precheck: 1 row(s) of jobs have NULL owner\nALTER TABLE public.jobs ALTER COLUMN owner SET NOT NULL;") in text
    assert ("-- enum_values_mismatch job_status: manual: Postgres cannot remove or "
            "reorder enum values in place") in text


def test_sqlite_rebuilds_are_withheld_whatever_the_flags(sqlite_url: str, tmp_path: Path, write_spec) -> None:
    LiveDb(sqlite_url, "sqlite").execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, score TEXT)")
    spec = write_spec("tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                      "      score: {type: integer}\n")
    result = _as_migration(sqlite_url, spec, "sql", tmp_path / "m", "--allow-hazards", "all", "--allow-destructive")
    assert (result.code, result.out) == (1, "no migration written: 1 statement(s) withheld\n")
    assert "rebuild table jobs (create, copy, drop, rename): a SQLite table rebuild runs only through " \
           "schema-auditor apply" in result.err


def test_verify_proves_the_plan_before_anything_is_written(sqlite_url: str, tmp_path: Path, write_spec) -> None:
    build_incident_database(sqlite_url)
    assert _written(_as_migration(sqlite_url, SPEC, "sql", tmp_path / "ok", "--verify")).exists()
    spec = write_spec("tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                      "      score: integer\n    indexes:\n"
                      "      idx_jobs_scored: {columns: [score], where: 'no_such_fn(score) > 0'}\n")
    broken = _as_migration(sqlite_url, spec, "sql", tmp_path / "broken", "--verify")
    assert broken.code == 2 and "no such function: no_such_fn" in broken.err
    assert not (tmp_path / "broken").exists()


def test_several_databases_are_refused(sqlite_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"spec: {SPEC}\ndatabases:\n  a: {{url: '{sqlite_url}'}}\n"
                      f"  b: {{url: 'sqlite:///{tmp_path / 'b.db'}'}}\n")
    result = run_cli("plan", "--config", str(config), "--as-migration", "sql", "--out", str(tmp_path / "m"))
    assert result.code == 2 and result.err.count("\n") == 1 and "writes one database's migration" in result.err
    assert not (tmp_path / "m").exists()


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--as-migration", "alembic"], "--as-migration needs --out DIR"),
    (["--as-migration", "liquibase", "--out", "x"], "invalid choice: 'liquibase'"),
    (["--allow-destructive"], "--allow-hazards and --allow-destructive choose what plan --as-migration writes"),
    (["--as-migration", "sql", "--out", "x", "--format", "json"], "writes one database's migration, as text"),
    (["--as-migration", "sql", "--out", "x", "--allow-hazards", "NO_SUCH"], "unknown hazard NO_SUCH"),
    (["--as-migration", "sql", "--out", "x", "--tenant-schemas", "t_*"], "writes one database's migration"),
    (["--as-migration", "sql", "--out", "a-file"], "cannot write the migration in a-file: File exists"),
])
def test_bad_input_is_one_line_and_exit_2(sqlite_url: str, tmp_path: Path, args: list[str], message: str) -> None:
    build_incident_database(sqlite_url)
    (tmp_path / "a-file").write_text("keep me\n")
    # A real process: argparse writes its usage errors to the real stderr.
    done = subprocess.run([sys.executable, "-m", "auditor", "plan", "--db", sqlite_url, "--spec", SPEC, *args],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and message in done.stderr, done.stderr
    assert not (tmp_path / "x").exists() and (tmp_path / "a-file").read_text() == "keep me\n"
