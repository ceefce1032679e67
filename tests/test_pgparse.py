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
from conftest import LiveDb
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
