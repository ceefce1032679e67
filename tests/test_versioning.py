"""The migration-version cross-check: version ordering, each migration tool's version table on both
engines, the statuses and their exit codes, config keys, and that reading a version never writes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.versioning import compare, highest, version_key
from conftest import LiveDb, run_cli

SPEC = """\
version: {version}
tables:
  jobs:
    columns:
      id: {{type: integer, primary_key: true}}
      status: text
"""
JOBS = "CREATE TABLE jobs (id integer PRIMARY KEY, status text)"


# ---------------------------------------------------------------------------------------------
# Ordering: one line per case


@pytest.mark.parametrize("expected, recorded, numbered, order", [
    ("3", "3", False, "equal"),
    ("3", "2", False, "behind"),
    ("3", "10", False, "ahead"),                     # numerically, not as text
    ("3", None, False, "behind"),                    # nothing recorded: no migration ran yet
    ("1.2.10", "1.2.9", False, "behind"),            # Flyway: by parts
    ("1.2", "1.2.0", False, "equal"),
    ("1.2", "1_2", False, "equal"),                  # Flyway's file-name spelling
    ("2.0", "10", False, "ahead"),
    ("ae1027a6acf", "ae1027a6acf", False, "equal"),  # Alembic: opaque revisions
    ("ae1027a6acf", "1975ea83b712", False, "different"),
    ("3", "ae1027a6acf", False, "different"),
    ("3", "0003_add_tickers", True, "equal"),        # Django: the leading number
    ("0003_add_tickers", "0004_merge", True, "ahead"),
])
def test_compare(expected: str, recorded: str | None, numbered: bool, order: str) -> None:
    assert compare(expected, recorded, numbered) == order


@pytest.mark.parametrize("versions, numbered, top", [
    (["1", "2", "10"], False, "10"),
    (["1.2.9", "1.2.10", "1.10"], False, "1.10"),
    (["0001_initial", "0012_x", "0002_y"], True, "0012_x"),
    (["ae1027a6acf"], False, "ae1027a6acf"),
    (["ae1027a6acf", "1975ea83b712"], False, "1975ea83b712, ae1027a6acf"),  # two Alembic heads
    ([], False, None),
])
def test_highest(versions: list[str], numbered: bool, top: str | None) -> None:
    assert highest(versions, numbered) == top


def test_version_key_drops_trailing_zeros_and_refuses_opaque_text() -> None:
    assert version_key("1.2.0") == version_key("1.2") == (1, 2)
    assert version_key("v7") == (7,)
    assert version_key("head") is None


# ---------------------------------------------------------------------------------------------
# Each convention's real table, on both engines

ALEMBIC = ("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
           " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
           "INSERT INTO alembic_version VALUES ('ae1027a6acf')")
DJANGO = ("CREATE TABLE django_migrations (id integer PRIMARY KEY, app varchar(255) NOT NULL,"
          " name varchar(255) NOT NULL, applied timestamp NOT NULL)",
          "INSERT INTO django_migrations VALUES (1, 'jobs', '0001_initial', CURRENT_TIMESTAMP),"
          " (2, 'auth', '0012_alter_user_first_name', CURRENT_TIMESTAMP),"
          " (3, 'jobs', '0003_add_tickers', CURRENT_TIMESTAMP), (4, 'jobs', '0002_status', CURRENT_TIMESTAMP)")
FLYWAY = ("CREATE TABLE flyway_schema_history (installed_rank integer PRIMARY KEY, version varchar(50),"
          " description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,"
          " checksum integer, installed_by varchar(100) NOT NULL,"
          " installed_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time integer NOT NULL,"
          " success boolean NOT NULL)",
          "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
          " installed_by, execution_time, success) VALUES"
          " (1, '1', 'init', 'SQL', 'V1__init.sql', 'ci', 5, TRUE),"
          " (2, '1.2.9', 'status', 'SQL', 'V1_2_9__status.sql', 'ci', 5, TRUE),"
          " (3, '1.2.10', 'tickers', 'SQL', 'V1_2_10__tickers.sql', 'ci', 5, TRUE),"
          " (4, '1.3', 'broken', 'SQL', 'V1_3__broken.sql', 'ci', 5, FALSE),"
          " (5, NULL, 'views', 'SQL', 'R__views.sql', 'ci', 5, TRUE)")
PLAIN = ("CREATE TABLE schema_version (version integer NOT NULL)",
         "INSERT INTO schema_version VALUES (1), (2), (3)")
TEXT_COLUMN = ("CREATE TABLE migrations_log (applied text NOT NULL)",
               "INSERT INTO migrations_log VALUES ('9'), ('10')")

CASES = {
    # name: (setup, options, spec version, recorded, status)
    "plain table": (PLAIN, ["--version-table", "schema_version"], "3", "3", "match"),
    "own column, text versions": (TEXT_COLUMN, ["--version-table", "migrations_log", "--version-column", "applied"],
                                  "10", "10", "match"),
    "alembic": (ALEMBIC, ["--version-table", "alembic_version"], "ae1027a6acf", "ae1027a6acf", "match"),
    "alembic, another revision": (ALEMBIC, ["--version-table", "alembic_version"], "1975ea83b712",
                                  "ae1027a6acf", "version_mismatch"),
    "django": (DJANGO, ["--version-table", "django_migrations", "--version-app", "jobs"], "3",
               "0003_add_tickers", "match"),
    "django, spec ahead": (DJANGO, ["--version-table", "django_migrations", "--version-app", "jobs"],
                           "0004_merge", "0003_add_tickers", "migrations_pending"),
    "flyway": (FLYWAY, ["--version-table", "flyway_schema_history"], "1.2.10", "1.2.10", "match"),
    "flyway, spec behind": (FLYWAY, ["--version-table", "flyway_schema_history"], "1.2.9", "1.2.10",
                            "spec_outdated"),
    "query": (PLAIN, ["--version-query", "SELECT max(version) FROM schema_version", "--ignore", "schema_version"],
              "4", "3", "migrations_pending"),
}


@pytest.mark.parametrize("case", CASES)
def test_version_tables_of_each_convention(case: str, db: LiveDb, write_spec) -> None:
    setup, options, spec_version, recorded, status = CASES[case]
    db.execute(JOBS, *setup)
    spec = write_spec(SPEC.format(version=spec_version))
    result = run_cli("audit", "--db", db.url, "--spec", spec, "--format", "json", *options)
    report = json.loads(result.out)["databases"][0]
    assert report["version"]["recorded"] == recorded
    assert report["version"]["status"] == status, report["version"]["message"]
    # The version table is the version source, not an extra table; the structure is clean.
    assert report["drift"] == []
    assert result.code == 0, result.err


def test_silent_drift_is_critical_lists_the_differences_and_fails(db: LiveDb, write_spec) -> None:
    db.execute("CREATE TABLE jobs (id integer PRIMARY KEY)", *PLAIN)
    spec = write_spec(SPEC.format(version=3))
    result = run_cli("audit", "--db", db.url, "--spec", spec, "--version-table", "schema_version")
    assert result.code == 1
    assert ("CRITICAL silent_drift: recorded version 3 is the expected version, but the structure differs: "
            "column jobs.status (text) is missing") in result.out
    markdown = run_cli("audit", "--db", db.url, "--spec", spec, "--version-table", "schema_version",
                       "--format", "markdown").out
    assert "> **CRITICAL silent_drift: recorded version 3" in markdown
    assert " | sqlite | **silent drift** | 1 | 0 |" in markdown or " | postgresql | **silent drift** | 1 | 0 |" in markdown


def test_pending_migrations_explain_the_drift(db: LiveDb, write_spec) -> None:
    db.execute("CREATE TABLE jobs (id integer PRIMARY KEY)", *PLAIN)
    spec = write_spec(SPEC.format(version=4))
    result = run_cli("audit", "--db", db.url, "--spec", spec, "--version-table", "schema_version")
    assert result.code == 1, "drift is drift: it fails until the migrations ran"
    assert "INFO migrations_pending: recorded version 3 is behind the expected 4" in result.out


def test_an_empty_version_table_means_no_migration_ran(db: LiveDb, write_spec) -> None:
    db.execute(JOBS, PLAIN[0])
    result = run_cli("audit", "--db", db.url, "--spec", write_spec(SPEC.format(version=1)),
                     "--version-table", "schema_version", "--format", "json")
    assert json.loads(result.out)["databases"][0]["version"]["status"] == "migrations_pending"


def test_an_unreadable_version_is_an_error_but_the_drift_is_still_reported(db: LiveDb, write_spec) -> None:
    db.execute("CREATE TABLE jobs (id integer PRIMARY KEY)")
    result = run_cli("audit", "--db", db.url, "--spec", write_spec(SPEC.format(version=3)),
                     "--version-table", "schema_version", "--format", "json")
    assert result.code == 2
    report = json.loads(result.out)
    assert report["clean"] is False
    entry = report["databases"][0]
    assert entry["version"]["status"] == "version_unknown"
    assert "cannot read the recorded version (SELECT version FROM schema_version)" in entry["version"]["message"]
    assert [i["name"] for i in entry["drift"]] == ["status"]


def test_a_spec_without_version_cannot_be_cross_checked(db: LiveDb, write_spec) -> None:
    db.execute(JOBS, *PLAIN)
    spec = write_spec(SPEC.format(version=1).replace("version: 1\n", ""))
    result = run_cli("audit", "--db", db.url, "--spec", spec, "--version-table", "schema_version")
    assert result.code == 2
    assert "version_unknown" in result.out and "'version: N'" in result.out


def test_the_version_query_never_writes(db: LiveDb, write_spec) -> None:
    db.execute(JOBS, *PLAIN)
    result = run_cli("audit", "--db", db.url, "--spec", write_spec(SPEC.format(version=3)),
                     "--version-query", "UPDATE schema_version SET version = 99 RETURNING version",
                     "--ignore", "schema_version")
    assert result.code == 2
    assert "version_unknown" in result.out
    assert db.query("SELECT version FROM schema_version ORDER BY 1") == [(1,), (2,), (3,)]


def test_a_spec_that_declares_the_version_table_has_it_compared(db: LiveDb, write_spec) -> None:
    db.execute(JOBS, *PLAIN)
    spec = write_spec(SPEC.format(version=3) + "  schema_version:\n    columns:\n      version: bigint\n")
    result = run_cli("audit", "--db", db.url, "--spec", spec, "--version-table", "schema_version",
                     "--format", "json")
    kinds = [i["kind"] for i in json.loads(result.out)["databases"][0]["drift"]]
    assert kinds == ["type_mismatch", "nullable_mismatch"]


# ---------------------------------------------------------------------------------------------
# Config


def test_config_version_keys_per_database_and_as_default(tmp_path: Path, write_spec) -> None:
    spec = write_spec(SPEC.format(version=3))
    for name, version in (("old", 2), ("new", 3)):
        LiveDb(f"sqlite:///{tmp_path / name}.db", "sqlite").execute(
            JOBS, PLAIN[0], f"INSERT INTO schema_version VALUES ({version})")
        LiveDb(f"sqlite:///{tmp_path / name}.db", "sqlite").execute(
            "CREATE TABLE tool_version (v text)", f"INSERT INTO tool_version VALUES ('{version}')")
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
spec: {spec}
version_table: schema_version
databases:
  old: {{url: "sqlite:///old.db", ignore: [tool_version]}}
  new:
    url: sqlite:///new.db
    version_query: SELECT v FROM tool_version
    ignore: [schema_version, tool_version]
""")
    result = run_cli("audit", "--config", str(config), "--format", "json")
    assert result.code == 0, result.err
    statuses = {d["database"]: (d["version"]["status"], d["version"]["recorded"])
                for d in json.loads(result.out)["databases"]}
    assert statuses == {"old": ("migrations_pending", "2"), "new": ("match", "3")}


@pytest.mark.parametrize("keys, message", [
    ("version_query: SELECT 1\n    version_table: t", "give version_query or version_table, not both"),
    ("version_table: django_migrations", "django_migrations needs version_app"),
    ("version_table: alembic_version\n    version_column: v", "alembic_version has a fixed version column"),
    ("version_column: v", "version_column and version_app need version_table"),
])
def test_config_refuses_a_bad_version_source_at_its_line(tmp_path: Path, keys: str, message: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"databases:\n  prod:\n    url: sqlite:///prod.db\n    {keys}\n")
    result = run_cli("audit", "--config", str(config))
    assert result.code == 2
    assert result.err.startswith(f"{config}:3:") and message in result.err, result.err
    assert not (tmp_path / "prod.db").exists()


def test_cli_refuses_a_bad_version_source(sqlite_url: str, write_spec) -> None:
    result = run_cli("audit", "--db", sqlite_url, "--spec", write_spec(SPEC.format(version=1)),
                     "--version-query", "SELECT 1", "--version-table", "t")
    assert result.code == 2
    assert "give --version-query or --version-table, not both" in result.err


@pytest.mark.parametrize("strict, code", [(False, 0), (True, 1)])
def test_an_outdated_spec_fails_only_with_strict(db: LiveDb, write_spec, strict: bool, code: int) -> None:
    db.execute(JOBS, *PLAIN)
    result = run_cli("audit", "--db", db.url, "--spec", write_spec(SPEC.format(version=2)),
                     "--version-table", "schema_version", *(["--strict"] if strict else []))
    assert result.code == code
    assert "WARNING spec_outdated: recorded version 3 is ahead of the expected 2" in result.out


def test_snapshot_writes_the_recorded_version_and_refuses_an_unreadable_one(db: LiveDb, tmp_path: Path) -> None:
    db.execute(JOBS, *PLAIN)
    spec = tmp_path / "snapshot.yaml"
    done = run_cli("snapshot", "--db", db.url, "--version-table", "schema_version", "-o", str(spec))
    assert done.code == 0, done.err
    assert spec.read_text().splitlines()[1] == "version: 3"
    audit = run_cli("audit", "--db", db.url, "--spec", str(spec), "--version-table", "schema_version")
    assert audit.code == 0, audit.out + audit.err
    missing = run_cli("snapshot", "--db", db.url, "--version-table", "alembic_version")
    assert missing.code == 2 and "cannot read the recorded version" in missing.err
