"""--expected-sql on Postgres splits its file with the Postgres parser's own splitter: BEGIN ATOMIC
bodies, E'...' strings, nested comments and dollar quotes hold semicolons that end nothing, and a
bad statement is reported as FILE:LINE, whether the parser or the server refuses it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.errors import SpecError
from auditor.sources import split_statements
from conftest import PG_ADMIN_URL, LiveDb, run_cli

# Every construct whose ";" or "*/" a naive splitter takes for the end of something.
TRICKY = """\
-- tricky.sql: a comment; with a semicolon
CREATE TABLE notes (
    id integer PRIMARY KEY,
    body text NOT NULL DEFAULT E'it\\'s; not the end',
    tag text DEFAULT 'plain; too'
);
/* an outer comment; /* a nested one; */ still the outer one; */
CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql
BEGIN ATOMIC
    SELECT count(*) FROM notes;
END;
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN upper(t) || '; done';  -- a $$ or $x$ here is only text
END;
$fn$;
CREATE INDEX idx_notes_tag ON notes (tag);
"""
STATEMENTS = [
    (2, "CREATE TABLE notes (\n    id integer PRIMARY KEY,\n    body text NOT NULL DEFAULT E'it\\'s; not the end',"
        "\n    tag text DEFAULT 'plain; too'\n)"),
    (8, "CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql\nBEGIN ATOMIC\n    SELECT count(*) FROM notes;\nEND"),
    (12, "CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $fn$\nBEGIN\n"
         "    RETURN upper(t) || '; done';  -- a $$ or $x$ here is only text\nEND;\n$fn$"),
    (17, "CREATE INDEX idx_notes_tag ON notes (tag)"),
]
SPEC_OF_TRICKY = """\
tables:
  notes:
    columns:
      id: {type: integer, primary_key: true}
      body: {type: text, nullable: false, default: "'it''s; not the end'"}
      tag: {type: text, default: "'plain; too'"}
    indexes:
      idx_notes_tag: {columns: [tag]}
"""


def test_the_parser_splits_every_tricky_construct_whole_with_its_line() -> None:
    assert split_statements(TRICKY) == STATEMENTS


@pytest.mark.parametrize("bad, line, message", [
    ("CREATE TABLE broken (id integer,, name text);", 7, 'syntax error at or near ","'),
    ("SELECT 1;\nALTER TABLE notes ADD COLUMN;", 8, 'syntax error at or near ";"'),
])
def test_a_statement_that_does_not_parse_is_named_by_file_and_line(bad: str, line: int, message: str) -> None:
    ddl = TRICKY.replace("/* an outer", f"{bad}\n/* an outer", 1)
    with pytest.raises(SpecError) as raised:
        split_statements(ddl, "schema.sql")
    assert str(raised.value).startswith(f"schema.sql:{line}: {message}"), str(raised.value)


def test_the_tricky_file_loads_on_postgres_and_audits_its_own_spec_clean(pg_url: str, tmp_path: Path) -> None:
    (tmp_path / "tricky.sql").write_text(TRICKY)
    (tmp_path / "spec.yaml").write_text(SPEC_OF_TRICKY)
    LiveDb(pg_url, "postgresql").execute(*(statement for _, statement in STATEMENTS))
    by_sql = run_cli("audit", "--db", pg_url, "--expected-sql", str(tmp_path / "tricky.sql"),
                     "--dev-url", PG_ADMIN_URL, "--format", "json")
    assert by_sql.code == 0, by_sql.out + by_sql.err
    assert json.loads(by_sql.out)["databases"][0]["drift"] == []
    assert run_cli("audit", "--db", pg_url, "--spec", str(tmp_path / "spec.yaml")).code == 0


@pytest.mark.parametrize("bad, line, message", [
    ("CREATE TABLE broken (id integer,, name text);", 7, 'syntax error at or near ","'),  # the parser refuses it
    ("CREATE VIEW broken AS\n  SELECT no_such_column FROM notes;", 8, 'column "no_such_column" does not exist'),  # the server
])
def test_a_bad_statement_in_the_middle_exits_2_with_file_and_line(pg_url: str, tmp_path: Path, bad: str, line: int,
                                                                  message: str) -> None:
    ddl = tmp_path / "schema.sql"
    ddl.write_text(TRICKY.replace("/* an outer", f"{bad}\n/* an outer", 1))
    result = run_cli("audit", "--db", pg_url, "--expected-sql", str(ddl), "--dev-url", PG_ADMIN_URL)
    assert result.code == 2
    assert result.err.startswith(f"{ddl}:{line}: ") and message in result.err, result.err
    assert len(result.err.splitlines()) == 1 and "Traceback" not in result.err
