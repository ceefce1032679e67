"""Alembic's ``compare_metadata`` over the synthetic schema, timed: run by bench/run.py inside the
comparison virtualenv (bench/.venv-compare), never with the project's own.

    python compare_alembic.py TABLES URL

prints one JSON object: the seconds the comparison step took and how many differences it found.
"""
from __future__ import annotations

import json
import sys
import time

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, Double, ForeignKey, Index, Integer, MetaData, Numeric,
    SmallInteger, String, Table, Text, create_engine, text)

from synth import COLUMNS, INDEXES, Synth

_TYPES = {"text": Text, "integer": Integer, "bigint": BigInteger, "smallint": SmallInteger, "boolean": Boolean,
          "timestamp": DateTime, "date": Date, "double": Double}


def _type(spelled: str):
    if spelled.startswith("varchar("):
        return String(int(spelled[8:-1]))
    if spelled.startswith("numeric("):
        precision, scale = spelled[8:-1].split(",")
        return Numeric(int(precision), int(scale))
    return _TYPES[spelled]()


def metadata(synth: Synth) -> MetaData:
    """The synthetic reference schema as SQLAlchemy MetaData (what a project using Alembic has)."""
    meta = MetaData()
    for i in range(synth.tables):
        columns = [Column("id", BigInteger, primary_key=True, autoincrement=False),
                   Column("parent_id", BigInteger, ForeignKey(f"{synth.parent(i)}.id", ondelete="CASCADE"))]
        columns += [Column(name, _type(type_), nullable=not not_null,
                           server_default=text(default) if default is not None else None)
                    for name, type_, not_null, default in COLUMNS]
        table = Table(synth.name(i), meta, *columns)
        for suffix, cols in INDEXES:
            Index(synth.index_name(i, suffix), *(table.c[c] for c in cols))
    return meta


def main() -> None:
    """Time one comparison and print it as JSON."""
    tables, url = int(sys.argv[1]), sys.argv[2]
    meta = metadata(Synth(tables))
    engine = create_engine(url)
    with engine.connect() as conn:
        started = time.perf_counter()
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        diffs = compare_metadata(context, meta)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "differences": len(diffs)}))


if __name__ == "__main__":
    main()
