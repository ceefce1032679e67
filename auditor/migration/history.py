"""The history a migration is the next step of: what a database's history table records, and
the numbered files a directory already holds."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError

from auditor.database import connect, describe_error
from auditor.dialects import Dialect
from auditor.errors import ConnectError
from auditor.target import Target, VersionSource
from auditor.versioning import highest, version_key, version_sql

_LAST_NUMBER = re.compile(r"^(.*?)(\d+)$")


def recorded_versions(target: Target, dialect: Dialect, table: str) -> list[str] | None:
    """The versions a tool's history table records (as ``versioning`` reads them: Alembic's
    ``version_num``, Flyway's successful versioned rows), or None when the database has no such
    table in its default schema."""
    sql, _ = version_sql(VersionSource(table=table), dialect)
    with connect(target) as conn:
        if not inspect(conn).has_table(table):
            return None
        try:
            rows = conn.exec_driver_sql(sql).all()
        except DBAPIError as exc:
            raise ConnectError(f"{target.name}: cannot read {table}: {describe_error(exc)}") from None
    return [str(row[0]).strip() for row in rows if row[0] is not None]


def file_versions(directory: Path, pattern: re.Pattern[str]) -> list[str]:
    """The first group of ``pattern`` in the names of the directory's files that match it."""
    if not directory.is_dir():
        return []
    matches = (pattern.match(path.name) for path in directory.iterdir() if path.is_file())
    return [match.group(1) for match in matches if match]


def next_version(versions: list[str]) -> str | None:
    """The version after the highest numeric or dotted one (``1.10`` > ``1.9``): its last number
    plus one, as wide as it was (``2.1`` -> ``2.2``, ``1_9`` -> ``1_10``, ``007`` -> ``008``);
    None when there is none."""
    last = highest([v for v in versions if version_key(v) is not None])
    return None if last is None else bump(last)


def bump(version: str) -> str:
    """The version after ``version``: its last number plus one, as wide as it was."""
    match = _LAST_NUMBER.match(version)
    assert match is not None, version
    head, last = match.groups()
    return head + str(int(last) + 1).zfill(len(last))
