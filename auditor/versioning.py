"""Migration-version cross-check: does the version a database records match its structure?

A spec's ``version:`` says which schema version it describes; a database's version table says
which migrations ran. When the two versions agree but the structure does not, an already-run
migration was edited (or the schema changed by hand): ``silent_drift``, the incident's bug class.

How to read the recorded version is configured per database, as a query or a shorthand::

    version_query: SELECT max(version) FROM schema_version
    version_table: schema_version          # + version_column (default: version)
    version_table: alembic_version         # Alembic: version_num, an opaque revision
    version_table: django_migrations       # Django: + version_app; 0003_add_x orders as 3
    version_table: flyway_schema_history   # Flyway: successful versions, "1.2.10" by parts

Versions compare as integers, as dotted versions part by part (``1.2.10`` > ``1.2.9``,
``1.2`` = ``1.2.0``), or, when either is neither (an Alembic revision hash), only as equal or not.
A query may return several rows: the highest version among them is the recorded one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from auditor.database import describe_error
from auditor.dialects import Dialect
from auditor.diff import ERROR, DriftItem
from auditor.model import Schema
from auditor.target import DEFAULT_COLUMN, VersionSource

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# The statuses of the cross-check; "match" is the quiet one (versions agree, structure clean).
SILENT_DRIFT = "silent_drift"
MIGRATIONS_PENDING = "migrations_pending"
SPEC_OUTDATED = "spec_outdated"
VERSION_MISMATCH = "version_mismatch"
VERSION_UNKNOWN = "version_unknown"
MATCH = "match"
SEVERITY = {SILENT_DRIFT: "critical", MIGRATIONS_PENDING: "info", SPEC_OUTDATED: "warning",
            VERSION_MISMATCH: "warning", VERSION_UNKNOWN: "error", MATCH: "ok"}

_DOTTED_RE = re.compile(r"^\s*v?(\d+(?:[._]\d+)*)\s*$", re.IGNORECASE)
_LEADING_NUMBER_RE = re.compile(r"^\s*(\d+)")


def source_problem(source: VersionSource) -> str | None:
    """Why ``source`` is not a usable combination of keys, or None."""
    if source.query is not None and source.table is not None:
        return "give version_query or version_table, not both"
    if source.query is None and source.table is None:
        return "version_column and version_app need version_table"
    convention = source.convention
    if source.column is not None and convention is not None:
        return f"{source.table} has a fixed version column; drop version_column"
    if convention is not None and convention.by_app and not source.app:
        return f"{source.table} needs version_app: the Django app whose migrations give the version"
    if source.app is not None and not (convention and convention.by_app):
        return "version_app is only for version_table: django_migrations"
    return None


def version_sql(source: VersionSource, dialect: Dialect) -> tuple[str, dict[str, str]]:
    """The query that reads the recorded version(s), and its parameters."""
    if source.query is not None:
        return source.query, {}
    assert source.table is not None
    schema, _, name = source.table.rpartition(".")
    convention = source.convention
    column = convention.column if convention else (source.column or DEFAULT_COLUMN)
    sql = f"SELECT {dialect.quote(column)} FROM {dialect.qualified(schema or None, name)}"
    conditions = [convention.where] if convention and convention.where else []
    params = {}
    if convention and convention.by_app:
        conditions.append("app = :app")
        params["app"] = source.app or ""
    return sql + (f" WHERE {' AND '.join(conditions)}" if conditions else ""), params


def ignore_pattern(source: VersionSource | None, expected: Schema, dialect: Dialect) -> str | None:
    """An ignore glob for the version table when the expected schema does not declare it, so that
    the configured version source is not reported as an extra table."""
    if source is None or source.table is None:
        return None
    schema, _, name = source.table.rpartition(".")
    key = f"{schema or dialect.default_schema}.{name}" if dialect.has_schemas else name
    if expected.table(key) is not None:
        return None
    return re.sub(r"([*?\[])", r"[\1]", key)


# ---------------------------------------------------------------------------------------------
# Reading and comparing versions


@dataclass(frozen=True)
class Recorded:
    """The version a database records (``text`` None: no version recorded yet), or why it could
    not be read (``error``)."""

    text: str | None = None
    error: str | None = None


def read_recorded(conn: Connection, dialect: Dialect, source: VersionSource) -> Recorded:
    """The recorded version, read on ``conn`` (the audit's read-only connection)."""
    sql, params = version_sql(source, dialect)
    driver_error = conn.dialect.loaded_dbapi.Error
    try:
        if params:
            rows = conn.execute(text(sql), params).all()
        else:
            rows = _user_query(conn, sql, dialect)
    except (DBAPIError, driver_error) as exc:
        return Recorded(error=f"cannot read the recorded version ({sql}): {describe_error(exc)}")
    except _NoRows:
        return Recorded(error=f"the version query returns no result set ({sql}): it must be one SELECT")
    values = [_as_text(row[0]) for row in rows if row and row[0] is not None]
    return Recorded(highest(values, source.numbered))


class _NoRows(Exception):
    """The user's query is not a query (an UPDATE, a PRAGMA that returns nothing, ...)."""


def _user_query(conn: Connection, sql: str, dialect: Dialect) -> list[Any]:
    """The rows of the user's SQL, run as one statement in the audit's read-only transaction (a
    "%" in it is not a placeholder); _NoRows if it returns no result set."""
    if not dialect.prepared_user_queries:
        result = conn.execution_options(no_parameters=True).exec_driver_sql(sql)
        if not result.returns_rows:
            raise _NoRows()
        return list(result.all())
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, prepare=True)  # the extended protocol: one statement, or an error
        if cursor.description is None:
            raise _NoRows()
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def version_key(version: str, numbered: bool = False) -> tuple[int, ...] | None:
    """What orders a version: its number parts, trailing zeros dropped; None when opaque."""
    match = (_LEADING_NUMBER_RE if numbered else _DOTTED_RE).match(version)
    if match is None:
        return None
    parts = [int(p) for p in re.split(r"[._]", match.group(1))]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def highest(versions: Sequence[str], numbered: bool = False) -> str | None:
    """The highest of several recorded versions; opaque ones are listed when they differ
    (an Alembic database with two heads)."""
    distinct = list(dict.fromkeys(versions))
    if len(distinct) <= 1:
        return distinct[0] if distinct else None
    keys = [version_key(v, numbered) for v in distinct]
    if all(k is not None for k in keys):
        return max(distinct, key=lambda v: version_key(v, numbered) or ())
    return ", ".join(sorted(distinct))


def compare(expected: str, recorded: str | None, numbered: bool = False) -> str:
    """``equal``, ``behind`` or ``ahead`` (the recorded version against the expected one), or
    ``different`` when opaque versions differ and cannot be ordered."""
    if recorded is None:
        return "behind"  # nothing recorded: no migration ran yet
    want, have = version_key(expected, numbered), version_key(recorded, numbered)
    if want is None or have is None:
        return "equal" if expected.strip() == recorded.strip() else "different"
    return "equal" if want == have else ("behind" if have < want else "ahead")


# ---------------------------------------------------------------------------------------------
# The check


@dataclass(frozen=True)
class VersionCheck:
    """The cross-check of one database: its status, both versions and what it means."""

    status: str
    expected: str | None
    recorded: str | None
    message: str

    @property
    def severity(self) -> str:
        """``critical`` for silent drift, ``ok`` for a match, else info, warning or error."""
        return SEVERITY[self.status]

    @property
    def versions_match(self) -> bool | None:
        """Whether the recorded version is the expected one (None: unknown)."""
        return None if self.status == VERSION_UNKNOWN else self.status in (MATCH, SILENT_DRIFT)

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {"status": self.status, "severity": self.severity, "expected": self.expected,
                "recorded": self.recorded, "message": self.message}


def check_versions(expected_version: str | None, recorded: Recorded, drift: Sequence[DriftItem],
                   source: VersionSource, expected_label: str) -> VersionCheck:
    """The cross-check's verdict from both versions and the structural drift."""
    if recorded.error is not None:
        return VersionCheck(VERSION_UNKNOWN, expected_version, None, recorded.error)
    if expected_version is None:
        return VersionCheck(VERSION_UNKNOWN, None, recorded.text,
                            f"{expected_label} gives no version to compare with the recorded "
                            f"{recorded.text or 'none'} (a spec needs 'version: N'; an expected database or "
                            "DDL file needs the same version table, filled)")
    order = compare(expected_version, recorded.text, source.numbered)
    errors = [item for item in drift if item.severity == ERROR]
    shown = recorded.text if recorded.text is not None else "none"
    if order == "equal" and errors:
        listed = "; ".join(item.message for item in errors)
        return VersionCheck(SILENT_DRIFT, expected_version, recorded.text,
                            f"recorded version {shown} is the expected version, but the structure differs: "
                            f"{listed} (an already-run migration was edited, or the schema was changed by hand)")
    messages = {
        "equal": f"recorded version {shown} is the expected version and the structure matches",
        "behind": f"recorded version {shown} is behind the expected {expected_version}: migrations are "
                  "pending (drift is expected until they run)",
        "ahead": f"recorded version {shown} is ahead of the expected {expected_version}: the spec is "
                 "outdated (snapshot a database built from the migrations)",
        "different": f"recorded version {shown} is not the expected {expected_version}; these revisions "
                     "cannot be ordered without the migration graph, so behind or ahead is unknown",
    }
    status = {"equal": MATCH, "behind": MIGRATIONS_PENDING, "ahead": SPEC_OUTDATED,
              "different": VERSION_MISMATCH}[order]
    return VersionCheck(status, expected_version, recorded.text, messages[order])


def version_line(check: VersionCheck) -> str:
    """The cross-check in one report line (empty for a plain match)."""
    if check.status == MATCH:
        return ""
    return f"{check.severity.upper()} {check.status}: {check.message}"
