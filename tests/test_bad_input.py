"""Bad input, through the CLI: one clear line per problem on stderr, exit code 2, no traceback,
and nothing written to any database.

Spec errors start with ``file:line:column:``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from auditor.demo import build_incident_database, spec_path
from conftest import PG_ADMIN_URL, CliResult, LiveDb, run_cli

SPEC = str(spec_path())
EXIT_ERROR = 2
SECRET = "s3cretpw"


@pytest.fixture(autouse=True)
def _no_ambient_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder: the repository's ./config.yaml and $AUDITOR_CONFIG play no part."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUDITOR_CONFIG", raising=False)


def err_lines(result: CliResult) -> list[str]:
    return [line for line in result.err.splitlines() if line.strip()]


def assert_error_exit(result: CliResult) -> list[str]:
    """Exit 2, no traceback anywhere, at least one line on stderr; returns the stderr lines."""
    assert result.code == EXIT_ERROR, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and "Traceback" not in result.out
    lines = err_lines(result)
    assert lines, "an error must be explained on stderr"
    return lines


def run_process(*args: str, cwd: Path) -> CliResult:
    """``python -m auditor ARGS`` as a user runs it: real streams, real exit code."""
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_CONFIG"}
    done = subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=env)
    return CliResult(done.returncode, done.stdout, done.stderr)


def sqlite_state(path: Path) -> tuple[bytes, int, list[str]]:
    """What 'nothing written' means for a SQLite file: same bytes, same mtime, no new side files."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def pg_tables(url: str) -> list[tuple[object, ...]]:
    return LiveDb(url, "postgresql").query(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")


@pytest.fixture
def incident_db(tmp_path: Path) -> Path:
    """An existing SQLite database (the incident's), in a folder of its own."""
    folder = tmp_path / "dbdir"
    folder.mkdir()
    path = folder / "jobs.db"
    build_incident_database(f"sqlite:///{path}")
    return path


# --------------------------------------------------------------------------------------------
# Spec errors: (id, spec text, [(line, message fragment), ...] one per expected stderr line)
# --------------------------------------------------------------------------------------------

def _spec(*lines: str) -> str:
    return "\n".join(lines) + "\n"


SPEC_CASES = [
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: type: integer"),
        [(4, "invalid YAML: mapping values are not allowed")], id="yaml-syntax-mapping-value"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "     status: text"),
        [(5, "invalid YAML")], id="yaml-syntax-bad-indent"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "\tid: integer"),
        [(4, "invalid YAML")], id="yaml-syntax-tab"),
    pytest.param(
        _spec("- jobs",
              "- users"),
        [(1, "spec must be a mapping")], id="top-level-list"),
    pytest.param(
        _spec("version: 3",
              "tabels:",
              "  jobs:",
              "    columns:",
              "      id: integer"),
        [(1, "spec has no 'tables' mapping"),
         (2, "spec: unknown key 'tabels' (did you mean 'tables'?)")], id="unknown-top-key-did-you-mean"),
    pytest.param(
        _spec("versoin: 3",
              "tables:",
              "  jobs:",
              "    columns:",
              "      id: integer"),
        [(1, "unknown key 'versoin' (did you mean 'version'?)")], id="unknown-key-version"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "    index:",
              "      ix_id: {columns: [id]}"),
        [(5, "table jobs: unknown key 'index' (did you mean 'indexes'?)")], id="unknown-table-key"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      status: {type: text, nulable: false}"),
        [(5, "column jobs.status: unknown key 'nulable' (did you mean 'nullable'?)")],
        id="unknown-column-key"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "tables:",
              "  users:",
              "    columns:",
              "      id: integer"),
        [(5, "spec: duplicate key 'tables'")], id="duplicate-tables-key"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      status: text",
              "      id: bigint"),
        [(6, "table jobs columns: duplicate key 'id'")], id="duplicate-column"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "  jobs:",
              "    columns:",
              "      id: integer"),
        [(5, "tables: duplicate key 'jobs'")], id="duplicate-table"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    indexes:",
              "      ix: {columns: [id]}"),
        [(2, "table jobs has no columns")], id="table-without-columns-key"),
    pytest.param(
        _spec("tables: [jobs, users]"),
        [(1, "tables must be a mapping")], id="tables-not-a-mapping"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      status: {nullable: false}"),
        [(5, "column jobs.status needs a 'type'")], id="column-without-type-2-columns"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: {nullable: false}"),
        [(4, "column jobs.id needs a 'type'")], id="column-without-type-only-column"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      name: varchar("),
        [(5, "column jobs.name: 'varchar(' is not a column type")], id="unparseable-type-short"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      name: {type: 'varchar(', nullable: false}"),
        [(5, "column jobs.name: 'varchar(' is not a column type")], id="unparseable-type-mapping"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      name: {type: text, nullable: maybe}"),
        [(5, "column jobs.name nullable must be true or false")], id="nullable-maybe"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: {type: integer, primary_key: 1}"),
        [(4, "column jobs.id primary_key must be true or false")], id="primary-key-flag-not-bool"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      status: {type: text, default: 'pending'}"),
        [(5, "default pending is not a SQL expression; write a string literal with SQL quotes: "
             "default: \"'pending'\"")], id="default-sql-quotes-swallowed"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "    indexes:",
              "      ix_jobs: {unique: true}"),
        [(6, "index ix_jobs needs 'columns'")], id="index-without-columns"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "    indexes:",
              "      ix_jobs: {columns: []}"),
        [(6, "index ix_jobs columns must be a non-empty list")], id="index-empty-columns"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "    indexes:",
              "      ix_jobs: {columns: [nope]}"),
        [(6, "table jobs: index ix_jobs names column 'nope', which the table does not have")],
        id="index-unknown-column"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "    indexes:",
              "      ix_jobs: {columns: [nope]}"),
        [(None, "table jobs: index ix_jobs names column 'nope', which the table does not have")],
        id="index-unknown-column-message"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: {type: integer, primary_key: true}",
              "    primary_key: [id]"),
        [(2, "table jobs: give the primary key either as 'primary_key: [...]' or as "
             "'primary_key: true' on columns, not both")], id="primary-key-twice"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      user_id: {type: integer, references: users}"),
        [(5, "column jobs.user_id: references 'users' should read table.column or table(col, ...)")],
        id="references-no-column"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      user_id: {type: integer, references: 'users(id, email)'}"),
        [(5, "column jobs.user_id: 1 column(s) cannot reference 2")], id="references-arity"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      user_id: {type: integer, references: [users, id]}"),
        [(5, "column jobs.user_id references must be a single value")], id="references-list"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      user_id: {type: integer, on_delete: cascade}"),
        [(5, "column jobs.user_id: on_delete/on_update need 'references'")], id="on-delete-without-references"),
    pytest.param(
        _spec("tables:",
              "  users:",
              "    columns:",
              "      id: integer",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      user_id: {type: integer, references: users.id, on_delete: explode}"),
        [(8, "column jobs.user_id on_delete must be one of: no action, restrict, cascade, "
             "set null, set default")], id="on-delete-unknown-action"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: integer",
              "      user_id: integer",
              "    foreign_keys:",
              "      fk_user: {columns: [user_id]}"),
        [(7, "foreign key fk_user needs 'columns' and 'references'")], id="foreign-key-without-references"),
    pytest.param(
        _spec("tables:",
              "  jobs:",
              "    columns:",
              "      id: {type: integer, nullable: maybe}",
              "      status: {type: text, default: pending}",
              "      name: varchar(",
              "    unknown_thing: 1"),
        [(4, "column jobs.id nullable must be true or false"),
         (5, "column jobs.status: default pending is not a SQL expression"),
         (6, "column jobs.name: 'varchar(' is not a column type"),
         (7, "table jobs: unknown key 'unknown_thing'")], id="several-errors-all-reported"),
]


@pytest.mark.parametrize(("text", "expected"), SPEC_CASES)
def test_spec_error(text: str, expected: list[tuple[int | None, str]], write_spec, incident_db: Path) -> None:
    spec = write_spec(text)
    before = sqlite_state(incident_db)
    result = run_cli("audit", "--db", str(incident_db), "--spec", spec)
    lines = assert_error_exit(result)
    assert len(lines) == len(expected), lines  # one line per problem, no more, no fewer
    for line, (lineno, fragment) in zip(lines, expected):
        location = rf"{re.escape(spec)}:{lineno if lineno else r'[0-9]+'}:[0-9]+: "
        assert re.match(location, line), f"expected {spec}:{lineno}:COLUMN: at the start of {line!r}"
        assert fragment in line, line
    assert lines[-1].endswith("(fix the spec and run again)")
    assert sqlite_state(incident_db) == before


# File-level problems have no line: the message starts with the file name.

def test_spec_empty_file(write_spec, incident_db: Path) -> None:
    spec = write_spec("")
    lines = assert_error_exit(run_cli("audit", "--db", str(incident_db), "--spec", spec))
    assert lines == [f"{spec}: the file is empty (fix the spec and run again)"]


def test_spec_only_comments_is_empty(write_spec, incident_db: Path) -> None:
    spec = write_spec("# nothing here yet\n\n")
    lines = assert_error_exit(run_cli("audit", "--db", str(incident_db), "--spec", spec))
    assert lines == [f"{spec}: the file is empty (fix the spec and run again)"]


def test_spec_file_not_found(tmp_path: Path, incident_db: Path) -> None:
    spec = str(tmp_path / "no-such-spec.yaml")
    lines = assert_error_exit(run_cli("audit", "--db", str(incident_db), "--spec", spec))
    assert lines == [f"{spec}: file not found (fix the spec and run again)"]


def test_spec_is_a_directory(tmp_path: Path, incident_db: Path) -> None:
    lines = assert_error_exit(run_cli("audit", "--db", str(incident_db), "--spec", str(tmp_path)))
    assert len(lines) == 1 and lines[0].startswith(f"{tmp_path}: cannot read the file")


def test_spec_not_utf8(tmp_path: Path, incident_db: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes("tables:\n  jobs:\n    columns:\n      café: text\n".encode("latin-1"))
    lines = assert_error_exit(run_cli("audit", "--db", str(incident_db), "--spec", str(spec)))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{spec}:4:10: not UTF-8 (byte 0xe9); save the file as UTF-8"), lines[0]


def test_spec_error_is_reported_once_per_line_in_all_commands(write_spec, incident_db: Path) -> None:
    spec = write_spec(_spec("tables:", "  jobs:", "    columns:", "      id: {type: integer, nullable: maybe}"))
    for argv in (("audit",), ("plan",), ("apply", "--yes"), ("audit", "--apply", "--yes")):
        result = run_cli(*argv, "--db", str(incident_db), "--spec", spec)
        lines = assert_error_exit(result)
        assert lines == [f"{spec}:4:37: column jobs.id nullable must be true or false "
                         "(fix the spec and run again)"], (argv, lines)


def test_spec_error_shared_by_two_databases_is_not_repeated(tmp_path: Path, write_spec,
                                                           incident_db: Path) -> None:
    spec = write_spec(_spec("tables:", "  jobs:", "    columns:", "      id: {type: integer, nullable: maybe}"))
    config = tmp_path / "auditor.yaml"
    config.write_text(f"spec: {spec}\ndatabases:\n  prod:\n    url: sqlite:///{incident_db}\n"
                      f"  stage:\n    url: sqlite:///{incident_db}\n")
    lines = assert_error_exit(run_cli("audit", "--config", str(config)))
    assert any("nullable must be true or false" in line for line in lines)
    assert len(lines) == len(set(lines)), f"the same line printed twice: {lines}"


def test_spec_error_json_report_is_not_clean(write_spec, incident_db: Path) -> None:
    spec = write_spec(_spec("tables:", "  jobs:", "    columns:", "      id: {type: integer, nullable: maybe}"))
    result = run_cli("audit", "--db", str(incident_db), "--spec", spec, "--format", "json")
    lines = assert_error_exit(result)
    assert lines[0].startswith(f"{spec}:4:")
    report = json.loads(result.out)
    assert "nullable must be true or false" in report["databases"][0]["error"]
    assert report["clean"] is False


# --------------------------------------------------------------------------------------------
# Nothing written: spec errors in apply leave an existing database exactly as it was
# --------------------------------------------------------------------------------------------

BAD_SPECS_FOR_APPLY = {
    "yaml-syntax": _spec("tables:", "  jobs:", "    columns:", "      id: type: integer"),
    "unknown-key": _spec("tabels:", "  jobs:", "    columns:", "      id: integer"),
    "default-quotes": _spec("tables:", "  analysis_jobs:", "    columns:", "      id: integer",
                            "      tickers_json: {type: text, default: pending}"),
    "several": _spec("tables:", "  analysis_jobs:", "    columns:", "      id: {type: integer, nullable: maybe}",
                     "      tickers_json: varchar(", "    indexes:", "      ix: {columns: [nope]}"),
    "empty": "",
}


@pytest.mark.parametrize("argv", [("apply", "--yes"), ("apply", "--yes", "--allow-destructive"),
                                  ("audit", "--apply", "--yes")], ids=["apply", "apply-destructive", "audit-apply"])
@pytest.mark.parametrize("name", list(BAD_SPECS_FOR_APPLY))
def test_apply_with_bad_spec_leaves_sqlite_file_untouched(name: str, argv: tuple[str, ...], write_spec,
                                                          incident_db: Path) -> None:
    spec = write_spec(BAD_SPECS_FOR_APPLY[name])
    before = sqlite_state(incident_db)
    result = run_cli(*argv, "--db", f"sqlite:///{incident_db}", "--spec", spec)
    lines = assert_error_exit(result)
    assert all(line.startswith(f"{spec}:") for line in lines), lines
    assert sqlite_state(incident_db) == before  # bytes, mtime and no journal files


def test_apply_with_bad_spec_creates_no_postgres_table(pg_url: str, write_spec) -> None:
    spec = write_spec(BAD_SPECS_FOR_APPLY["several"])
    result = run_cli("apply", "--yes", "--db", pg_url, "--spec", spec)
    lines = assert_error_exit(result)
    assert len(lines) == 3 and all(line.startswith(f"{spec}:") for line in lines), lines
    assert pg_tables(pg_url) == []


def test_apply_failing_statement_rolls_back_every_table_on_postgres(pg_url: str, write_spec) -> None:
    """A spec whose second table references a table that exists nowhere: the whole apply is undone."""
    spec = write_spec(_spec("tables:",
                            "  a_first:",
                            "    columns:",
                            "      id: integer",
                            "  b_second:",
                            "    columns:",
                            "      id: integer",
                            "      ghost_id: {type: integer, references: ghosts.id}"))
    lines = assert_error_exit(run_cli("apply", "--yes", "--db", pg_url, "--spec", spec))
    assert len(lines) == 1, lines
    assert 'relation "public.ghosts" does not exist' in lines[0] and "rolled back" in lines[0]
    assert pg_tables(pg_url) == []


def test_unreadable_sqlite_file_is_an_error_and_stays_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are notes, not a SQLite database\n" * 50)
    before = sqlite_state(path)
    for argv in (("audit",), ("apply", "--yes")):
        lines = assert_error_exit(run_cli(*argv, "--db", str(path), "--spec", SPEC))
        assert lines == [f"{path}: cannot read the catalog: file is not a database "
                         "(check the URL, the server and the credentials)"], lines
    assert sqlite_state(path) == before


# --------------------------------------------------------------------------------------------
# Config errors (--config FILE)
# --------------------------------------------------------------------------------------------

CONFIG_CASES = [
    pytest.param("databases:\n  prod:\n    spec: s.yaml\n",
                 (3, "database prod needs a 'url'"), id="missing-url"),
    pytest.param("databases:\n  prod:\n    url: sqlite:///x.db\n    sepc: s.yaml\n",
                 (4, "database prod: unknown key 'sepc' (did you mean 'spec'?)"), id="unknown-database-key"),
    pytest.param("databasse:\n  prod:\n    url: sqlite:///x.db\n",
                 (1, "config: unknown key 'databasse' (did you mean 'databases'?)"), id="unknown-top-key"),
    pytest.param("databases:\n  prod:\n    url: postgresql://u:${AUDITOR_TEST_NOT_SET_VAR}@db/app\n",
                 (3, "database prod url: environment variable AUDITOR_TEST_NOT_SET_VAR is not set"),
                 id="unset-env-var"),
    pytest.param("databases:\n  prod:\n    url: mysql://u@db.internal/app\n",
                 (3, "database prod: unsupported database 'mysql'"), id="unsupported-scheme"),
    pytest.param("databases:\n  prod: {url: sqlite:///x.db\n",
                 (3, "invalid YAML"), id="yaml-syntax"),
    pytest.param("databases: [prod, stage]\n",
                 (1, "databases must be a mapping"), id="databases-not-a-mapping"),
    pytest.param("databases:\n  prod:\n    url: sqlite:///a.db\n  prod:\n    url: sqlite:///b.db\n",
                 (4, "databases: duplicate key 'prod'"), id="duplicate-database"),
]


@pytest.mark.parametrize(("text", "expected"), CONFIG_CASES)
def test_config_error(text: str, expected: tuple[int, str], tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDITOR_TEST_NOT_SET_VAR", raising=False)
    config = tmp_path / "auditor.yaml"
    config.write_text(text)
    lines = assert_error_exit(run_cli("audit", "--config", str(config), "--spec", SPEC))
    assert len(lines) == 1, lines
    lineno, fragment = expected
    assert re.match(rf"{re.escape(str(config))}:{lineno}:[0-9]+: ", lines[0]), lines[0]
    assert fragment in lines[0] and lines[0].endswith("(fix the configuration and run again)"), lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auditor.yaml"]  # no x.db was created


def test_config_file_not_found(tmp_path: Path) -> None:
    config = str(tmp_path / "missing.yaml")
    lines = assert_error_exit(run_cli("audit", "--config", config))
    assert lines == [f"{config}: file not found (fix the configuration and run again)"]


def test_config_empty_file(tmp_path: Path) -> None:
    config = tmp_path / "auditor.yaml"
    config.write_text("")
    lines = assert_error_exit(run_cli("audit", "--config", str(config)))
    assert lines == [f"{config}: the file is empty (fix the configuration and run again)"]


def test_unknown_database_name_lists_the_known_ones(tmp_path: Path, incident_db: Path) -> None:
    config = tmp_path / "auditor.yaml"
    config.write_text(f"spec: {SPEC}\ndatabases:\n  prod:\n    url: sqlite:///{incident_db}\n"
                      f"  stage:\n    url: sqlite:///{incident_db}\n")
    lines = assert_error_exit(run_cli("audit", "--config", str(config), "--db", "prdo"))
    assert len(lines) == 1, lines
    assert "unknown database 'prdo' (known: prod, stage)" in lines[0]


def test_unknown_database_name_without_config() -> None:
    lines = assert_error_exit(run_cli("audit", "--db", "prod", "--spec", SPEC))
    assert len(lines) == 1 and "unknown database 'prod' (known: none: no config file)" in lines[0], lines


def test_no_database_given() -> None:
    lines = assert_error_exit(run_cli("audit", "--spec", SPEC))
    assert lines == ["no database given (pass --db URL, or --config FILE listing databases)"]


def test_no_spec_given(incident_db: Path) -> None:
    lines = assert_error_exit(run_cli("audit", "--db", str(incident_db)))
    assert len(lines) == 1 and lines[0].startswith(f"{incident_db}: no spec given"), lines


def test_unsupported_url_scheme_on_the_command_line() -> None:
    lines = assert_error_exit(run_cli("audit", "--db", "mysql://app@127.0.0.1/app", "--spec", SPEC))
    assert lines == ["unsupported database 'mysql' in mysql://app@127.0.0.1/app (supported: sqlite, postgresql)"]


def test_unparseable_url_on_the_command_line() -> None:
    lines = assert_error_exit(run_cli("audit", "--db", "not a url://", "--spec", SPEC))
    assert len(lines) == 1 and "'not a url://' is not a database URL" in lines[0], lines


def test_non_numeric_port_is_a_clear_error(tmp_path: Path) -> None:
    result = run_process("audit", "--db", f"postgresql://u:{SECRET}@127.0.0.1:notaport/x", "--spec", SPEC,
                         cwd=tmp_path)
    lines = assert_error_exit(result)
    assert len(lines) == 1 and "notaport" in lines[0], lines
    assert SECRET not in result.err + result.out


# --------------------------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [("audit",), ("plan",), ("apply", "--yes"), ("audit", "--apply", "--yes")],
                         ids=["audit", "plan", "apply", "audit-apply"])
@pytest.mark.parametrize("form", ["url", "path"])
def test_missing_sqlite_file_is_not_created(argv: tuple[str, ...], form: str, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    path = folder / "new.db"
    db = f"sqlite:///{path}" if form == "url" else str(path)
    lines = assert_error_exit(run_cli(*argv, "--db", db, "--spec", SPEC))
    assert len(lines) == 1, lines
    assert f"SQLite file {path} does not exist" in lines[0]
    assert list(folder.iterdir()) == []  # neither the file nor a journal


def test_missing_sqlite_file_with_bad_spec_is_not_created(tmp_path: Path, write_spec) -> None:
    spec = write_spec(_spec("tables:", "  jobs:", "    columns: {}"))
    path = tmp_path / "new.db"
    lines = assert_error_exit(run_cli("apply", "--yes", "--db", str(path), "--spec", spec))
    assert lines == [f"{spec}: table jobs has no columns; sqlite tables need at least one (give the table a column)"]
    assert not path.exists()


def test_postgres_refused_port_is_one_line_naming_the_database() -> None:
    result = run_cli("audit", "--db", "postgresql://postgres@127.0.0.1:1/x", "--spec", SPEC)
    lines = assert_error_exit(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith("postgresql://postgres@127.0.0.1:1/x: cannot connect:"), lines[0]
    assert "Connection refused" in lines[0]


@pytest.mark.parametrize("argv", [("audit",), ("audit", "--format", "json"), ("plan",), ("apply", "--yes")],
                         ids=["audit", "audit-json", "plan", "apply"])
def test_password_is_never_printed(argv: tuple[str, ...]) -> None:
    result = run_cli(*argv, "--db", f"postgresql://u:{SECRET}@127.0.0.1:1/x", "--spec", SPEC)
    lines = assert_error_exit(result)
    assert len(lines) == 1, lines
    assert SECRET not in result.out and SECRET not in result.err
    assert "postgresql://u:***@127.0.0.1:1/x" in lines[0]


def test_password_is_masked_in_url_errors() -> None:
    result = run_cli("audit", "--db", f"mysql://u:{SECRET}@127.0.0.1/x", "--spec", SPEC)
    lines = assert_error_exit(result)
    assert SECRET not in result.out + result.err
    assert lines == ["unsupported database 'mysql' in mysql://u:***@127.0.0.1/x (supported: sqlite, postgresql)"]


def test_password_from_environment_is_never_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITOR_TEST_PASSWORD", SECRET)
    config = tmp_path / "auditor.yaml"
    for scheme, port in (("postgresql", 1), ("mysql", 3306)):
        config.write_text(f"spec: {SPEC}\ndatabases:\n  prod:\n"
                          f"    url: {scheme}://u:${{AUDITOR_TEST_PASSWORD}}@127.0.0.1:{port}/x\n")
        result = run_cli("audit", "--config", str(config))
        lines = assert_error_exit(result)
        assert len(lines) == 1, lines
        assert SECRET not in result.out + result.err


def test_password_is_never_printed_by_a_running_server(pg_available: bool) -> None:
    if not pg_available:
        pytest.skip("Postgres is not reachable")
    port = LiveDb(PG_ADMIN_URL, "postgresql").query("SHOW port")[0][0]
    role = f"nobody_{uuid.uuid4().hex[:8]}"
    result = run_cli("audit", "--db", f"postgresql://{role}:{SECRET}@127.0.0.1:{port}/postgres", "--spec", SPEC)
    lines = assert_error_exit(result)
    assert len(lines) == 1 and f'role "{role}" does not exist' in lines[0], lines
    assert SECRET not in result.out + result.err


def test_unreachable_database_json_report_is_not_clean() -> None:
    result = run_cli("audit", "--db", "postgresql://postgres@127.0.0.1:1/x", "--spec", SPEC, "--format", "json")
    assert_error_exit(result)
    report = json.loads(result.out)
    assert "cannot connect" in report["databases"][0]["error"]
    assert report["clean"] is False


@pytest.mark.parametrize("argv", [("audit",), ("apply", "--yes")], ids=["audit", "apply"])
def test_postgres_database_that_does_not_exist(argv: tuple[str, ...], pg_available: bool) -> None:
    """The server is up, the database is not there: an error, and the database is not created."""
    if not pg_available:
        pytest.skip("Postgres is not reachable")
    name = f"auditor_missing_{uuid.uuid4().hex[:12]}"
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    lines = assert_error_exit(run_cli(*argv, "--db", url, "--spec", SPEC))
    assert len(lines) == 1, lines
    assert f'database "{name}" does not exist' in lines[0], lines[0]
    admin = LiveDb(PG_ADMIN_URL, "postgresql")
    assert admin.query(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == []


# --------------------------------------------------------------------------------------------
# Usage errors (argparse), run as a real process: argparse writes to the real stderr
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "fragment"), [
    pytest.param(("frobnicate",), "invalid choice: 'frobnicate'", id="unknown-subcommand"),
    pytest.param(("audit", "--frob"), "unrecognized arguments: --frob", id="unknown-flag"),
    pytest.param(("audit", "--format", "xml"), "argument --format: invalid choice: 'xml'", id="bad-format"),
    pytest.param((), "the following arguments are required: command", id="no-subcommand"),
    pytest.param(("audit", "--db"), "argument --db: expected one argument", id="flag-without-value"),
])
def test_usage_error(argv: tuple[str, ...], fragment: str, tmp_path: Path) -> None:
    result = run_process(*argv, cwd=tmp_path)
    lines = assert_error_exit(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith("schema-auditor") and fragment in lines[0], lines[0]
    assert result.out == ""


def test_demo_dir_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("keep me\n")
    result = run_process("demo", "--dir", str(target), cwd=tmp_path)
    lines = assert_error_exit(result)
    assert len(lines) == 1 and str(target) in lines[0], lines
    assert target.read_text() == "keep me\n"


@pytest.mark.parametrize(("text", "fragment", "line"), [
    ("tables:\n  t:\n    columns: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
     "YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed", 3),
    ("tables:\n  t:\n    columns: {id: !custom integer}\n", "YAML tag !custom is not allowed", 3),
    # No "!" anywhere: the one tag plain YAML resolves to and we refuse comes from the resolver.
    ("tables:\n  t:\n    columns:\n      id: =\n", "YAML tag tag:yaml.org,2002:value is not allowed", 4),
    ('tables:\n  "t\\0x":\n    columns: {id: integer}\n', "holds a NUL character", 2),
])
def test_tags_and_nul_are_refused(write_spec, text: str, fragment: str, line: int, tmp_path: Path) -> None:
    spec = write_spec(text)
    result = run_cli("audit", "--db", str(tmp_path / "never.db"), "--spec", spec)
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.startswith(f"{spec}:{line}:") and fragment in result.err
    assert not Path("/tmp/pwned").exists() or Path("/tmp/pwned").stat().st_mtime < time.time() - 60


def test_names_postgres_would_truncate_are_refused(write_spec, pg_url: str) -> None:
    long_name = "a" * 64
    spec = write_spec(f"tables:\n  {long_name}:\n    columns: {{id: integer}}\n")
    result = run_cli("audit", "--db", pg_url, "--spec", spec)
    assert result.code == 2 and f"table name '{long_name}' is 64 bytes; postgresql keeps only 63" in result.err
    assert run_cli("apply", "--db", pg_url, "--spec", spec).code == 2


BAD_FILES = sorted((Path(__file__).parent / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_bad_files(path: Path, tmp_path: Path) -> None:
    """tests/bad/: one malformed spec or config a file; its first line says what must be reported:
    ``# expect: LINE: message fragment``. Exit 2, one line per problem, nothing touched."""
    first = path.read_bytes().decode("utf-8", "replace").splitlines()[0]
    line, fragment = re.match(r"# expect: (\d+): (.*)", first).groups()
    db = tmp_path / "untouched.db"
    if path.name.startswith("config_"):
        result = run_cli("audit", "--config", str(path))
    else:
        result = run_cli("apply", "--db", str(db), "--spec", str(path), "--yes")
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.err + result.out
    assert result.err.startswith(f"{path}:{line}:"), result.err
    assert fragment in result.err, result.err
    assert not db.exists()


def _not_a_regular_file(tmp_path: Path, kind: str) -> str:
    if kind == "fifo":
        os.mkfifo(tmp_path / "pipe")  # opening it for reading would wait for a writer
        return str(tmp_path / "pipe")
    if kind == "too_big":
        path = tmp_path / "big.yaml"
        with path.open("wb") as file:
            file.truncate(65 * 1024 * 1024)  # sparse: costs no disk
        return str(path)
    return "/dev/zero"  # reads forever


# Each input file a user names, as the argv that names it ({} is the file).
INPUT_FILE_ARGVS = {
    "spec": ("audit", "--db", "{db}", "--spec", "{}"),
    "config": ("audit", "--config", "{}"),
    "plan": ("apply", "--yes", "--db", "{db}", "--plan", "{}"),
    "expected_sql": ("audit", "--db", "{db}", "--expected-sql", "{}"),
    "password_file": ("audit", "--config", "{config}"),
}


@pytest.mark.parametrize("kind", ["device", "fifo", "too_big"])
@pytest.mark.parametrize("role", list(INPUT_FILE_ARGVS))
def test_an_input_that_is_not_a_regular_file_or_too_big_is_one_line_not_a_hang(
        role: str, kind: str, tmp_path: Path, incident_db: Path) -> None:
    """``--spec /dev/zero`` read until memory ran out and a FIFO blocked forever; each input file is
    now read only when it is a regular file of at most 64 MiB."""
    path = _not_a_regular_file(tmp_path, kind)
    config = tmp_path / "config.yaml"
    config.write_text(f"spec: {SPEC}\ndatabases:\n  app:\n    url: postgresql://app@127.0.0.1:1/app\n"
                      f"    password_file: {path}\n")
    before = sqlite_state(incident_db)
    argv = [a.format(path, db=f"sqlite:///{incident_db}", config=config) for a in INPUT_FILE_ARGVS[role]]
    result = run_process(*argv, cwd=tmp_path)
    lines = assert_error_exit(result)
    assert len(lines) == 1 and result.out == "", (lines, result.out)
    reason = "larger than 64 MiB" if kind == "too_big" else "not a regular file (a device, FIFO or socket)"
    assert reason in lines[0] and path in lines[0], lines[0]
    assert sqlite_state(incident_db) == before


def test_a_file_that_is_not_a_spec_is_one_line_that_echoes_none_of_it(tmp_path: Path, incident_db: Path) -> None:
    """A passwd-like file given as the spec: one line, not one per line of the file quoting it."""
    spec = tmp_path / "shadow"
    spec.write_text("".join(f"user{i}:$6$hash{i}secret:19000:0:99999:7:::\n" for i in range(40)))
    lines = assert_error_exit(run_cli("audit", "--db", str(incident_db), "--spec", str(spec)))
    assert lines == [f"{spec}:1:1: not a schema-auditor spec: none of its 40 top-level keys is a spec key "
                     "(a spec has 'tables'; see schema/spec.schema.json) (fix the spec and run again)"]


def test_a_spec_with_many_problems_lists_twenty_and_counts_the_rest(write_spec, incident_db: Path) -> None:
    spec = write_spec("tables:\n" + "".join(f"  t{i}:\n    colums: {{id: integer}}\n" for i in range(30)))
    lines = assert_error_exit(run_cli("audit", "--db", str(incident_db), "--spec", spec))
    assert len(lines) == 21 and lines[-1].startswith("... and "), lines
