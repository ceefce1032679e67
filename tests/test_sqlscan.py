"""The spec's SQL cannot reach outside its place in the DDL (issue 17: bad input changes nothing).

Defaults, checks, index predicates and expressions, generated columns, partition bounds, policies
and views are written into DDL as the author wrote them. ``auditor.sqlscan`` refuses a piece that
could end that DDL and start a statement of its own; table-driven cases, one line each, then the
attacks end to end on both engines: exit 2 with the spec's file:line:column, nothing planned,
nothing changed.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.sqlscan import containment_problem
from conftest import LiveDb, run_cli

CONTAINED = [
    # (SQL piece, a statement?) that must pass
    ("age > 0", False),
    ("status IN ('a', 'b;c', 'it''s')", False),
    ("lower(\"Weird;Name\") <> ''", False),
    ("E'a\\\\b' <> E'\\n'", False),
    ("(a + (b * c))[1]", False),
    ("ARRAY[1, 2] && tags", False),
    ("x > 0 -- a note\n", False),
    ("x > 0 /* a note; with ) */", False),
    ("'--not a comment' = s", False),
    ("$1 + a$b", False),
    ("SELECT id FROM t WHERE s = ';'", True),
    ("SELECT 1;\n", True),
    ("SELECT 1 -- the end\n;", True),
]
REFUSED = [
    # (SQL piece, a statement?, what the problem says)
    ("0); DROP TABLE accounts; --", False, "closes a )"),
    ("0; DROP TABLE accounts", False, "holds a ;"),
    ("SELECT 1; DROP TABLE accounts", True, "holds a ;"),
    ("SELECT 1;;", True, "holds a ;"),
    ("(x > 0", False, "( is never closed"),
    ("x] > 0", False, "closes a ]"),
    ("(x > 0]", False, "closes a ]"),
    ("'unclosed", False, "string opened here is never closed"),
    ('"unclosed', False, "quoted name opened here is never closed"),
    ("x > 0 --", False, "-- comment"),
    ("x > 0 /* open", False, "/* comment is never closed"),
    ("/* /* */ ; DROP TABLE accounts; */", False, "holds another /*"),
    ("E'\\'); DROP TABLE accounts; --'", False, "in an E'' string"),
    ("$$); DROP TABLE accounts; --$$", False, "closes a )"),
    ("`x); DROP TABLE accounts; --`", False, "closes a )"),
    ("[x); DROP TABLE accounts; --]", False, "closes a )"),
]


@pytest.mark.parametrize("piece, statement", CONTAINED)
def test_contained(piece: str, statement: bool) -> None:
    assert containment_problem(piece, statement) is None


@pytest.mark.parametrize("piece, statement, problem", REFUSED)
def test_refused(piece: str, statement: bool, problem: str) -> None:
    found = containment_problem(piece, statement)
    assert found is not None and problem in found, found


ATTACKS = [
    # (spec lines after the users table's id column, the line the error names)
    ('      age: {type: integer, default: "0); DROP TABLE victim; --"}', 8),
    ('      age: {type: integer, check: "age > 0); DROP TABLE victim; --"}', 8),
    ('      age: {type: integer, generated: "1); DROP TABLE victim; --"}', 8),
    ('      age: integer\n    checks:\n      ok: "age > 0); DROP TABLE victim; --"', 10),
    ('      age: integer\n    indexes:\n      ix: {columns: ["age); DROP TABLE victim; --"]}', 10),
    ('      age: integer\n    indexes:\n      ix: {columns: [age], where: "age > 0); DROP TABLE victim; --"}', 10),
    ('      age: integer\n    indexes:\n      ix: {columns: [age], method: "btree (age); DROP TABLE victim; --"}', 10),
]


@pytest.mark.parametrize("columns, line", ATTACKS)
def test_an_injected_statement_is_refused_and_nothing_changes(db: LiveDb, tmp_path: Path, columns: str,
                                                              line: int) -> None:
    db.execute("CREATE TABLE victim (x integer)", "CREATE TABLE users (id integer PRIMARY KEY)",
               "INSERT INTO victim VALUES (1)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"version: 1\ntables:\n  victim:\n    columns: {{x: integer}}\n  users:\n    columns:\n"
                    f"      id: {{type: integer, primary_key: true}}\n{columns}\n")
    for command in (("plan",), ("apply", "--yes", "--allow-hazards", "all", "--allow-destructive")):
        result = run_cli(*command, "--db", db.url, "--spec", str(spec))
        assert result.code == 2 and result.out == "", result
        lines = result.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{spec}:{line}:"), lines
    assert db.query("SELECT count(*) FROM victim") == [(1,)]
