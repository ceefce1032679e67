"""The inspectors read a fixed number of catalog queries, whatever the number of tables."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from auditor.database import connect, dialect_of, parse_url

from auditor.target import Target
from auditor.dialects.postgresql import QUERY_COUNT
from auditor.inspect import read_audited_schema
from conftest import LiveDb, run_cli


def _count_queries(url: str, schemas: tuple[str, ...]) -> tuple[int, int]:
    """(catalog queries, tables read) of one audit's inspection (the schema, and the count of what
    it does not compare)."""
    statements: list[str] = []
    with connect(Target("t", url)) as conn:
        event.listen(conn, "before_cursor_execute", lambda *args: statements.append(args[2]))
        live, _ = read_audited_schema(conn, dialect_of(parse_url(url)), schemas)
    return len(statements), len(live.tables)


def _tables(db: LiveDb, start: int, count: int) -> None:
    db.execute(*(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, ref INTEGER REFERENCES t0 (id), note TEXT, "
                 f"CHECK (note <> ''))" for i in range(start, start + count)),
               *(f"CREATE INDEX ix_t{i} ON t{i} (note)" for i in range(start, start + count)))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_query_count_does_not_grow_with_tables(engine: str, request: pytest.FixtureRequest) -> None:
    db = LiveDb(request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url"), engine)
    _tables(db, 0, 2)
    few = _count_queries(db.url, ("public",))
    _tables(db, 2, 40)
    many = _count_queries(db.url, ("public",))
    assert (few[1], many[1]) == (2, 42)
    assert few[0] == many[0], f"{few[0]} queries for 2 tables, {many[0]} for 42"
    assert many[0] == (6 if engine == "sqlite" else QUERY_COUNT)


CONCURRENT_SPEC = """\
tables:
  jobs:
    columns:
      id: {type: integer, primary_key: true}
"""


def test_an_audit_reads_one_snapshot_while_another_session_changes_the_schema(pg_url: str, tmp_path) -> None:
    """DDL another session commits between an audit's catalog queries shows in none of them, not in
    half: a column added and indexed after the columns were read made the index read fail
    (``KeyError: 5``, three processes healing at once)."""
    writer = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with writer.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE jobs (id integer PRIMARY KEY)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(CONCURRENT_SPEC)
    changed: list[str] = []

    def change_midway(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM pg_index AS ix" in statement and not changed:
            changed.append(statement)
            with writer.connect() as other:
                other.exec_driver_sql("SET lock_timeout = '10s'")
                other.exec_driver_sql("ALTER TABLE jobs ADD COLUMN note text")
                other.exec_driver_sql("CREATE INDEX ix_jobs_note ON jobs (note)")

    event.listen(Engine, "before_cursor_execute", change_midway)
    try:
        during = run_cli("audit", "--db", pg_url, "--spec", str(spec), "--format", "json")
    finally:
        event.remove(Engine, "before_cursor_execute", change_midway)
    writer.dispose()
    assert changed, "the audit never read the indexes"
    assert during.code == 0, during.err  # the schema as it was when the audit began: clean
    after = run_cli("audit", "--db", pg_url, "--spec", str(spec), "--format", "json")
    assert [(d["kind"], d["table"], d["name"]) for d in json.loads(after.out)["databases"][0]["drift"]] == \
        [("extra_column", "jobs", "note")], after.out
