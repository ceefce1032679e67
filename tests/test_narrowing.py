"""No silent data change: a type change that can alter or lose values carries DELETES_DATA and a
pre-check counting the rows it would alter or fail on; apply re-checks and refuses while any is
left. Widening changes stay as they were. Each pre-check is run on the real server and compared
with what the cast really does to each row."""
from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from auditor.dialects.pgnarrowing import narrowing
from conftest import LiveDb, run_cli

CASES = [
    # (old, new, lossy, sample values of the old type)
    ("numeric(10,2)", "integer", True, ["1.49", "2.51", "3", "-4.50", None]),
    ("numeric(10,2)", "numeric(10,1)", True, ["1.25", "1.20", "99999999.99"]),
    ("numeric(10,2)", "numeric(6,2)", True, ["1234.56", "12345.67", "0.01"]),
    ("numeric(10,2)", "numeric(12,2)", False, []),
    ("numeric(10,2)", "numeric", False, []),
    ("numeric", "numeric(8,3)", True, ["1.2345", "12345.678", "123456.7"]),
    ("integer", "smallint", True, ["1", "40000", "-32768", "-40000"]),
    ("bigint", "integer", True, ["1", "3000000000"]),
    ("smallint", "integer", False, []),
    ("integer", "bigint", False, []),
    ("integer", "numeric(5,0)", True, ["99999", "100000", "-123456"]),
    ("integer", "numeric(12,2)", False, []),
    ("double", "real", True, ["1.5", "0.1", "1234567.891"]),
    ("real", "double", False, []),
    ("double", "integer", True, ["1.0", "1.5", "2.25"]),
    ("varchar(20)", "varchar(5)", True, ["abc", "abcdef", "abcde"]),
    ("text", "varchar(3)", True, ["ab", "abcd"]),
    ("varchar(5)", "varchar(10)", False, []),
    ("varchar(5)", "text", False, []),
    ("text", "integer", True, ["12", " 7 ", "n/a", "3000000000", "-5", "1.5"]),
    ("text", "numeric", True, ["1.5", "abc", "1e3", ".5"]),
    ("text", "boolean", True, ["true", "yes", "maybe", "0"]),
    ("varchar(40)", "uuid", True, ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "not-a-uuid"]),
    ("timestamp", "date", True, ["2024-01-01 00:00", "2024-01-01 10:30"]),
    ("text", "date", True, []),  # no query can tell ahead: the hazard, without a count
    ("integer", "text", False, []),
]


@pytest.mark.parametrize("old, new, lossy, values", CASES, ids=[f"{c[0]}->{c[1]}" for c in CASES])
def test_narrowing(old: str, new: str, lossy: bool, values: list[str | None]) -> None:
    assert (narrowing(old, new) is not None) == lossy


def _sql_type(canonical: str) -> str:
    return "double precision" if canonical == "double" else canonical


@pytest.mark.parametrize("old, new, lossy, values", [c for c in CASES if c[3]], ids=[f"{c[0]}->{c[1]}" for c in CASES
                                                                                    if c[3]])
def test_the_count_is_what_the_cast_does(old: str, new: str, lossy: bool, values: list[str | None],
                                         pg_url: str) -> None:
    """For every sample row: cast it alone; it counts when the cast fails or changes its value
    (from text to a parsed type, only when it fails: ' 7 ' becoming 7 is what the change is for)."""
    parsing = old.split("(")[0] in ("text", "varchar", "char") and new.split("(")[0] not in ("text", "varchar", "char")
    loss = narrowing(old, new)
    assert loss is not None and loss.changed is not None
    u = make_url(pg_url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database,
                         autocommit=True) as conn:
        conn.execute(f"CREATE TABLE samples (id int, v {_sql_type(old)})")
        for i, value in enumerate(values):
            conn.execute("INSERT INTO samples VALUES (%s, %s)", (i, value))
        expected = 0
        for i, value in enumerate(values):
            if value is None:
                continue
            try:
                same = parsing or conn.execute(f"SELECT v::{_sql_type(new)}::{_sql_type(old)} = v FROM samples "
                                               "WHERE id = %s", (i,)).fetchone()[0]
                conn.execute(f"SELECT v::{_sql_type(new)} FROM samples WHERE id = %s", (i,)).fetchone()
            except psycopg.Error:
                same = False
            expected += 0 if same else 1
        condition = loss.changed.replace("{column}", "v")
        counted = conn.execute(f"SELECT count(*) FROM samples WHERE v IS NOT NULL AND ({condition})").fetchone()[0]
    assert counted == expected, (condition, values)


def test_rounding_money_to_integers_is_refused_until_the_rows_are_fixed(pg_url: str, tmp_path: Path) -> None:
    """The review's case: numeric(10,2) to integer with every lock and rewrite hazard allowed
    would round 1.49 to 1 and 2.51 to 3. It carries DELETES_DATA, its pre-check counts 2 rows, and
    apply refuses, even with every flag, changing nothing; once the rows are whole, it runs."""
    db = LiveDb(pg_url, "postgresql")
    db.execute("CREATE TABLE prices (id int PRIMARY KEY, amount numeric(10,2), code varchar(10))",
               "INSERT INTO prices VALUES (1, 1.49, 'a'), (2, 2.51, 'b'), (3, 7, 'c')")
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  prices:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                    "      amount: integer\n      code: varchar(20)\n")
    plan = json.loads(run_cli("plan", "--db", pg_url, "--spec", str(spec), "--format", "json").out)
    statements = {s["fixes"]["name"]: s for s in plan["databases"][0]["statements"]}
    assert "DELETES_DATA" in statements["amount"]["hazards"]
    assert statements["amount"]["prechecks"][0]["violations"] == 2
    assert "DELETES_DATA" not in statements["code"]["hazards"], "a longer varchar keeps every value"
    without = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--yes", "--allow-hazards",
                      "ACQUIRES_ACCESS_EXCLUSIVE_LOCK,TABLE_REWRITE,MAY_FAIL_ON_EXISTING_DATA")
    assert without.code == 1 and "DELETES_DATA" in without.out, "withheld without --allow-destructive"
    refused = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--yes", "--allow-hazards", "all",
                      "--allow-destructive")
    assert refused.code == 2
    assert "2 row(s) of prices would change or fail in amount (numeric(10,2) to integer: fractions are rounded" \
           in refused.err
    assert db.query("SELECT amount::text FROM prices ORDER BY id") == [("1.49",), ("2.51",), ("7.00",)]
    db.execute("UPDATE prices SET amount = round(amount)")
    healed = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--yes", "--allow-hazards", "all",
                     "--allow-destructive")
    assert healed.code == 0, healed.out + healed.err
    assert db.query("SELECT amount FROM prices ORDER BY id") == [(1,), (3,), (7,)]
