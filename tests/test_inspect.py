"""The inspectors read a fixed number of catalog queries, whatever the number of tables."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from auditor.database import connect, dialect_of, parse_url

from auditor.target import Target
from auditor.dialects.postgresql import QUERY_COUNT
from auditor.inspect import read_audited_schema
from conftest import LiveDb


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
