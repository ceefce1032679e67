"""Expected schemas from other sources than a spec: a reference database, a DDL file or SQLAlchemy
models.

``--expected-db URL`` reads a reference database (e.g. one CI builds fresh by running every
migration); ``--expected-sql FILE`` loads DDL into a scratch database of the audited engine (an
in-memory SQLite database, or a temporary database created on the Postgres server ``--dev-url``
names and always dropped) and reads that; ``--expected-models MODULE:ATTRIBUTE`` has SQLAlchemy
create the models' tables in such a scratch database (``auditor.modelsource``). Each is read into
the same model a spec loads into, with the version its version table records when a version source
is configured.
"""
from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from sqlalchemy.exc import DBAPIError

from auditor.canon import normalize_schema
from auditor.database import connect, describe_error
from auditor.dialects import Dialect
from auditor.errors import ConfigError, SpecError
from auditor.inputfile import read_input_text
from auditor.inspect import read_live_schema, read_target, user_schemas
from auditor.model import Schema
from auditor.modelsource import models_loader
from auditor.scratch import postgres_scratch, sqlite_memory
from auditor.target import DB, MODELS, ExpectedSource, Target, VersionSource
from auditor.versioning import read_recorded

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

SQL_HINT = "fix the SQL file and run again"


def load_source(source: ExpectedSource, dialect: Dialect, version: VersionSource | None,
                privileges: bool = False) -> Schema:
    """The expected schema ``source`` describes, canonical for ``dialect``, with the version its
    version table records (None without a version source or when none can be read), and its
    grants when ``privileges`` (and a reference database's owners: a DDL file's objects are owned
    by whoever loaded it, so their owners are not compared)."""
    if source.kind == DB:
        reference = Target(f"expected database {source.label}", source.location)
        schema = read_target(reference, lambda conn, d: _read_expected(conn, d, version, privileges))
    else:
        with scratch_database(source, dialect) as (conn, scratch_dialect):
            schema = _read_expected(conn, scratch_dialect, version, privileges)
        if schema.privileges is not None:
            schema = replace(schema, privileges=replace(schema.privileges, owners=()))
    # A reference on another engine: its canonical model, brought into the audited engine's form.
    return normalize_schema(schema, dialect)


def _read_expected(conn: Connection, dialect: Dialect, version: VersionSource | None,
                   privileges: bool = False) -> Schema:
    schemas = user_schemas(conn, dialect)
    schema = replace(read_live_schema(conn, dialect, schemas, privileges), schemas=schemas or None)
    recorded = read_recorded(conn, dialect, version) if version is not None else None
    return replace(schema, version=recorded.text if recorded is not None else None)


@contextmanager
def scratch_database(source: ExpectedSource, dialect: Dialect) -> Iterator[tuple[Connection, Dialect]]:
    """A scratch database of ``dialect`` holding ``source``'s DDL or models, open for reading;
    always removed afterwards, also when loading fails."""
    load = _loader(source, dialect)  # a bad file or name stops the run before any database is made
    if dialect.has_schemas:
        if not source.dev_url:
            raise ConfigError(f"--expected-{source.kind} {source.location} on PostgreSQL needs --dev-url URL",
                              "name a Postgres server where a scratch database may be created and dropped")
        with postgres_scratch(source.dev_url) as target, connect(target, readonly=False) as conn:
            load(conn.execution_options(isolation_level="AUTOCOMMIT"))
            yield conn, dialect
        return
    with sqlite_memory() as (_, engine), engine.connect() as conn:
        load(conn)
        yield conn, dialect


def _loader(source: ExpectedSource, dialect: Dialect) -> Callable[[Connection], None]:
    """What fills a scratch database's connection with ``source``: its models, or its DDL (read,
    and on Postgres split into statements, now)."""
    if source.kind == MODELS:
        return models_loader(source.location)
    path = Path(source.location)
    try:
        ddl = read_input_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the SQL file: {getattr(exc, 'strerror', None) or exc}",
                        SQL_HINT) from None
    if dialect.has_schemas:
        statements = split_statements(ddl, str(path)) if source.dev_url else []
        return lambda conn: _load_postgres(conn, path, statements)
    return lambda conn: _load_sqlite(conn.connection.driver_connection, path, ddl)  # type: ignore[arg-type]


def split_statements(ddl: str, path: str = "<sql>") -> list[tuple[int, str]]:
    """Postgres DDL as (1-based line, statement) pairs, split by the Postgres parser itself (so
    ``BEGIN ATOMIC`` bodies, ``E'...'`` strings, nested comments and dollar quotes are taken whole);
    psql meta-commands (lines starting with a backslash, as in pg_dump output) are left out. A
    statement that does not parse is a SpecError naming ``path`` and its line."""
    import pglast  # loaded only where a Postgres DDL file is split

    ddl = re.sub(r"(?m)^\\.*$", "", ddl)
    try:
        slices = pglast.split(ddl, only_slices=True)
    except pglast.parser.ParseError as exc:
        message, offset = (exc.args + (0,))[:2]
        raise SpecError(f"{path}:{_line_at(ddl, offset)}: {message}", SQL_HINT) from None
    return [(_line_at(ddl, part.start), ddl[part]) for part in slices]


def _line_at(text: str, offset: object) -> int:
    """The 1-based line of a character offset (the first line when there is none)."""
    return text.count("\n", 0, offset) + 1 if isinstance(offset, int) and offset > 0 else 1


def _load_postgres(conn: Connection, path: Path, statements: list[tuple[int, str]]) -> None:
    for line, statement in statements:
        try:
            conn.execution_options(no_parameters=True).exec_driver_sql(statement)
        except DBAPIError as exc:
            position = getattr(getattr(exc.orig, "diag", None), "statement_position", None)
            if position:
                line += statement.count("\n", 0, int(position) - 1)
            raise SpecError(f"{path}:{line}: {describe_error(exc, conn.engine.url)}", SQL_HINT) from None


def _load_sqlite(raw: sqlite3.Connection, path: Path, ddl: str) -> None:
    """Run the DDL a complete statement at a time (sqlite3 knows where one ends), so that an
    error names its line."""
    pending, first = "", 0
    for number, text in enumerate(ddl.splitlines(keepends=True), start=1):
        if not pending.strip():
            pending, first = "", number
        pending += text
        if sqlite3.complete_statement(pending):
            _run_sqlite(raw, path, first + _leading_blank_lines(pending), pending)
            pending = ""
    if pending.strip() and not re.fullmatch(r"\s*(--[^\n]*\s*)*", pending):
        _run_sqlite(raw, path, first + _leading_blank_lines(pending), pending)


def _leading_blank_lines(text: str) -> int:
    stripped = re.match(r"(\s*(--[^\n]*)?\n)*", text)
    return stripped.group(0).count("\n") if stripped else 0


def _run_sqlite(raw: sqlite3.Connection, path: Path, line: int, statement: str) -> None:
    try:
        raw.executescript(statement)
    except sqlite3.Error as exc:
        raise SpecError(f"{path}:{line}: {describe_error(exc)}", SQL_HINT) from None
