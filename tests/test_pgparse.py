"""SQL that the server (Postgres 15) accepts but pglast's newer grammar calls a syntax error: a word
that has become a keyword since, used as a name. PostgREST's fixtures have a function
``f(..., json json DEFAULT '{}'::json)``; its snapshot did not load until such words were quoted
where the parser stops at them (``auditor.dialects.pgparse``)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pglast import parser

from auditor.dialects.pgparse import parse_sql_json
from conftest import LiveDb, run_cli
from test_functions import audit, spec_of

PARSES = [
    # (id, SQL the server takes, the parameter or column names the tree must hold)
    ("parameter_named_json", "CREATE FUNCTION f(json json) RETURNS json LANGUAGE sql AS $$ SELECT 1 $$", ["json"]),
    ("named_json_with_default", "CREATE FUNCTION f(a int, json json DEFAULT '{}'::json) RETURNS int LANGUAGE sql "
                                "AS $$ SELECT 1 $$", ["a", "json"]),
    ("after_a_non_ascii_name", 'CREATE FUNCTION "تست"(json json) RETURNS json LANGUAGE sql AS $$ SELECT 1 $$',
     ["json"]),
    ("upper_case_word", "CREATE FUNCTION f(JSON json) RETURNS json LANGUAGE sql AS $$ SELECT 1 $$", ["json"]),
]


@pytest.mark.parametrize(("sql", "names"), [pytest.param(s, n, id=i) for i, s, n in PARSES])
def test_newer_keywords_used_as_names_parse(sql: str, names: list[str]) -> None:
    with pytest.raises(parser.ParseError):
        parser.parse_sql_json(sql)  # the case is real: the plain parser refuses it
    statement = json.loads(parse_sql_json(sql))["stmts"][0]["stmt"]["CreateFunctionStmt"]
    assert [p["FunctionParameter"]["name"] for p in statement["parameters"]] == names


@pytest.mark.parametrize("sql", ["SELECT FROM WHERE", "CREATE FUNCTION f(select int) RETURNS int AS 'x'"])
def test_real_syntax_errors_still_fail(sql: str) -> None:
    with pytest.raises(parser.ParseError):
        parse_sql_json(sql)


FUNCTION = ("CREATE FUNCTION described(json json DEFAULT '{}'::json) RETURNS text LANGUAGE plpgsql AS $$\n"
            "BEGIN\n  RETURN 'ééééééééééééééééééééé ' || json::text || ' tail';\nEND $$")


def test_a_function_with_such_a_name_audits_clean_and_a_literal_change_is_drift(pg_url: str, tmp_path: Path) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute("CREATE TABLE items (id integer PRIMARY KEY, name text, updated_at timestamptz)", FUNCTION)
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of(FUNCTION.replace("BEGIN", "begin  -- the same body")))
    assert audit(pg_url, spec)[:2] == (0, [])
    # A change inside a string literal after non-ASCII characters is still seen (the scanner counts
    # characters: offsets taken as bytes looked at the wrong text, short of the body's end).
    db.execute(FUNCTION.replace("CREATE", "CREATE OR REPLACE").replace(" tail", " tale"))
    assert audit(pg_url, spec)[:2] == (1, [("function_mismatch", "described(json)")])


def test_a_statement_after_a_non_ascii_comment_is_created_as_written(pg_url: str, tmp_path: Path) -> None:
    """``CREATE OR REPLACE`` is spliced in at the scanner's offsets, which count characters: after
    a comment with non-ASCII text, a byte offset would cut into the word CREATE."""
    db = LiveDb(pg_url, "postgresql")
    db.execute("CREATE TABLE items (id integer PRIMARY KEY, name text, updated_at timestamptz)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_of("-- überprüft (geprüft)\nCREATE FUNCTION checked() RETURNS text LANGUAGE sql "
                            "AS $$ SELECT 'ü' $$"))
    applied = run_cli("apply", "--yes", "--db", pg_url, "--spec", str(spec))
    assert applied.code == 0, applied.err + applied.out
    assert db.query("SELECT checked()") == [("ü",)]
    assert audit(pg_url, spec)[:2] == (0, [])


def test_trigger_and_exclusion_texts_after_non_ascii_text_are_cut_where_they_are(pg_url: str, tmp_path: Path) -> None:
    """Non-ASCII names before a trigger's WHEN and in an exclusion constraint's elements (texts cut
    from the engine's at the scanner's offsets, which count characters): clean, a change in either
    found, healed."""
    db = LiveDb(pg_url, "postgresql")
    function = "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
    trigger = ('CREATE TRIGGER "prüfung" BEFORE UPDATE ON items FOR EACH ROW '
               "WHEN (NEW.name <> 'x' AND NEW.id > 0) EXECUTE FUNCTION noop()")
    db.execute('CREATE TABLE items (id integer PRIMARY KEY, name text, updated_at timestamptz, "zeitraum_ü" tstzrange)',
               function, trigger, 'ALTER TABLE items ADD CONSTRAINT items_apart EXCLUDE USING gist ("zeitraum_ü" WITH &&) '
                                  "WHERE (name <> 'x' AND id > 0)")
    spec = tmp_path / "spec.yaml"
    table = ("tables:\n  items:\n    columns:\n      id: {type: integer, primary_key: true}\n      name: text\n"
             "      updated_at: timestamptz\n      zeitraum_ü: tstzrange\n"
             f"    triggers:\n      prüfung: {json.dumps(trigger)}\n"
             "    exclusions:\n      items_apart: {using: gist, elements: ['\"zeitraum_ü\" WITH &&'], "
             "where: \"name <> 'x' AND id > 0\"}\n")
    spec.write_text(table + f"functions:\n  - {json.dumps(function)}\n")
    assert audit(pg_url, spec)[:2] == (0, [])
    assert run_cli("plan", "--db", pg_url, "--spec", str(spec)).out.count("no changes") == 1
    spec.write_text(table.replace("id > 0", "id > 1") + f"functions:\n  - {json.dumps(function)}\n")
    assert sorted(audit(pg_url, spec)[1]) == [("exclusion_mismatch", "items"), ("trigger_mismatch", "items")]
    applied = run_cli("apply", "--yes", "--allow-hazards", "all", "--db", pg_url, "--spec", str(spec))
    assert applied.code == 0, applied.err + applied.out
    assert audit(pg_url, spec)[:2] == (0, [])
