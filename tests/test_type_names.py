"""A typo in a type is an error, not drift: ``type: integr`` stops the load at its line and column
with the type meant; a name that is no near miss stays accepted (SQLite's LONGVARCHAR); on
Postgres, a type the server does not know is an error naming it."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.typenames import near_miss
from conftest import LiveDb, run_cli

NEAR_MISSES = [
    # (written, the spec's own types, what it is a typo of, or None)
    ("integr", (), "integer"), ("intger", (), "integer"), ("varchr(20)", (), "varchar"), ("txt", (), "text"),
    ("timestmp", (), "timestamp"), ("bolean", (), "boolean"), ("jsnb", (), "jsonb"), ("bigit[]", (), "bigint"),
    ("serail", (), "serial"), ("decimel(10,2)", (), "decimal"), ("smallnt", (), "smallint"),
    ("moood", ("mood",), "mood"),
    ("integer", (), None), ("INTEGER", (), None), ("varchar(255)", (), None), ("double precision", (), None),
    ("timestamp(3) with time zone", (), None), ("character varying(20)", (), None), ("bigint[]", (), None),
    ("LONGVARCHAR", (), None), ("citext", (), None), ("geometry(Point,4326)", (), None), ("datetime", (), None),
    ("string", (), None), ("text2", ("text2",), None), ("app.mood", (), None), ('"Weird"', (), None),
    ("mood", ("mood",), None), ("my_money_type", (), None),
]


@pytest.mark.parametrize("written, own, meant", NEAR_MISSES)
def test_near_miss(written: str, own: tuple[str, ...], meant: str | None) -> None:
    assert near_miss(written, own) == meant


SPEC = """\
tables:
  jobs:
    columns:
      id: {type: integer, primary_key: true}
      status: %s
      note: LONGVARCHAR
enums:
  mood: [happy, sad]
"""


@pytest.mark.parametrize("written, error", [
    ("integr", "spec.yaml:5:15: column jobs.status: unknown type 'integr' (did you mean 'integer'?)"),
    ("{type: varchr(20), nullable: false}", "spec.yaml:5:22: column jobs.status: unknown type 'varchr' "
                                            "(did you mean 'varchar'?)"),
    ("moood", "spec.yaml:5:15: column jobs.status: unknown type 'moood' (did you mean 'mood'?)"),
])
def test_a_typo_is_one_line_and_exit_2_before_any_database_is_read(db: LiveDb, tmp_path: Path, written: str,
                                                                     error: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC % written)
    for command in ("audit", "plan", "apply"):
        result = run_cli(command, "--db", db.url, "--spec", str(spec))
        assert result.code == 2 and "Traceback" not in result.err
        assert len(result.err.strip().splitlines()) == 1 and error in result.err, result.err
    if db.dialect == "sqlite":
        assert db.query("SELECT count(*) FROM sqlite_master") == [(0,)]
    else:
        assert db.query("SELECT count(*) FROM pg_class WHERE relname = 'jobs'") == [(0,)]


def test_a_name_that_is_no_near_miss_stays_accepted_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    LiveDb(sqlite_url, "sqlite").execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT, note LONGVARCHAR)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC % "text")
    result = run_cli("audit", "--db", sqlite_url, "--spec", str(spec))
    assert result.code == 0, result.out + result.err


def test_postgres_names_a_type_the_server_does_not_know(pg_url: str, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC % "strange_type")
    result = run_cli("audit", "--db", pg_url, "--spec", str(spec))
    assert result.code == 2 and "Traceback" not in result.err
    assert "spec.yaml: column jobs.note: type 'longvarchar' is not known to the server" in result.err, result.err
    assert "column jobs.status: type 'strange_type' is not known to the server (not in pg_type, nor an enum, " \
           "domain or type of the spec)" in result.err
    spec.write_text((SPEC % "mood").replace("note: LONGVARCHAR", "note: citext") + "extensions: [citext]\n")
    missing = run_cli("audit", "--db", pg_url, "--spec", str(spec), "--format", "json")
    assert missing.code == 1, "an extension the spec lists, not yet installed, may make the type: drift"
    assert '"missing_extension"' in missing.out
    LiveDb(pg_url, "postgresql").execute("CREATE EXTENSION citext")
    assert run_cli("audit", "--db", pg_url, "--spec", str(spec)).code == 1  # the table is missing: drift, no error
