"""The inspectors read a fixed number of catalog queries, whatever the number of tables."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

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
        # BEGIN (SQLite's read transaction) is no catalog query
        live, _ = read_audited_schema(conn, dialect_of(parse_url(url)), schemas)
    return len([s for s in statements if s != "BEGIN"]), len(live.tables)


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


def _add_indexed_column(url: str) -> str | None:
    """Another session adds an indexed column and commits; the driver's error if it cannot (a
    SQLite reader's shared lock keeps a writer from committing until the read ends)."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(url).database, timeout=0.3, isolation_level=None)
        try:
            conn.executescript("BEGIN; ALTER TABLE jobs ADD COLUMN note text; "
                               "CREATE INDEX ix_jobs_note ON jobs (note); COMMIT;")
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            conn.close()
        return None
    writer = create_engine(url, isolation_level="AUTOCOMMIT")
    with writer.connect() as other:
        other.exec_driver_sql("SET lock_timeout = '10s'")
        other.exec_driver_sql("ALTER TABLE jobs ADD COLUMN note text")
        other.exec_driver_sql("CREATE INDEX ix_jobs_note ON jobs (note)")
    writer.dispose()
    return None


INDEX_QUERY = {"postgresql": "FROM pg_index AS ix", "sqlite": "pragma_index_list"}


def test_an_audit_reads_one_snapshot_while_another_session_changes_the_schema(db: LiveDb, tmp_path: Path) -> None:
    """DDL another session commits between an audit's catalog queries shows in none of them, not in
    half: a column added and indexed after the columns were read made the index read fail
    (``KeyError: 5``, three processes healing at once). On SQLite the writer waits for the read to
    end instead."""
    db.execute("CREATE TABLE jobs (id integer PRIMARY KEY)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(CONCURRENT_SPEC)
    midway: list[str | None] = []

    def change_midway(conn, cursor, statement, parameters, context, executemany) -> None:
        if INDEX_QUERY[db.dialect] in statement and not midway:
            midway.append(_add_indexed_column(db.url))

    event.listen(Engine, "before_cursor_execute", change_midway)
    try:
        during = run_cli("audit", "--db", db.url, "--spec", str(spec), "--format", "json")
    finally:
        event.remove(Engine, "before_cursor_execute", change_midway)
    assert midway, "the audit never read the indexes"
    assert during.code == 0, during.err  # the schema as it was when the audit began: clean
    if db.dialect == "sqlite":
        assert midway == ["database is locked"]
        assert _add_indexed_column(db.url) is None
    else:
        assert midway == [None]
    after = run_cli("audit", "--db", db.url, "--spec", str(spec), "--format", "json")
    assert [(d["kind"], d["table"], d["name"]) for d in json.loads(after.out)["databases"][0]["drift"]] == \
        [("extra_column", "jobs", "note")], after.out
